package server_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// upload posts a file as a form of the page from (with its form token).
func (c *webClient) upload(from, path, name, content string) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", c.get(from).hidden(c.t, "csrf_token"))
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	return c.send("POST", path, mw.FormDataContentType(), &body)
}

// postMultipart sends form values as multipart/form-data.
func (c *webClient) postMultipart(path string, values url.Values) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.Close()
	return c.send("POST", path, mw.FormDataContentType(), &body)
}

func (c *webClient) send(method, path, contentType string, body io.Reader) page {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// TestWebPeople: an admin creates, edits, finds and deletes a person
// through the forms; bad input is told next to its field.
func TestWebPeople(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)

		bad := c.post("/people/new", "/people/new", url.Values{"email": {"not-an-email"}, "name": {"X"}})
		if bad.Status != 400 || !strings.Contains(bad.Body, `id="email-error"`) || !strings.Contains(bad.Body, `value="X"`) {
			t.Fatalf("a bad email: %d, want 400 with the error at the field and the form kept: %s", bad.Status, bad.Body)
		}
		p := c.post("/people/new", "/people/new", url.Values{"email": {"ana@example.com"}, "name": {"Ana Costa"},
			"group": {e.northEast.String()}, "fields": {"region=EMEA\nsite=Porto"}, "registered_at": {"2025-02-03"}})
		if p.Status != 303 {
			t.Fatalf("create: %d %s", p.Status, p.Body)
		}
		person := p.Header.Get("Location")
		p = c.get(person)
		for _, want := range []string{"Ana Costa", "ana@example.com", "2025-02-03", "North › North East", "EMEA", "Porto", "Ana Costa was created."} {
			if !strings.Contains(html.UnescapeString(p.Body), want) {
				t.Errorf("the person's page lacks %q", want)
			}
		}
		p = c.post(person+"/edit", person+"/edit", url.Values{"name": {"Ana Costa Silva"}, "group": {e.south.String()}, "fields": {"region=APAC"}})
		if p.Status != 303 {
			t.Fatalf("edit: %d %s", p.Status, p.Body)
		}
		var ana *skillpath.User
		for _, u := range e.users(t) {
			if u.Email == "ana@example.com" {
				ana = u
			}
		}
		if ana.Name != "Ana Costa Silva" || len(ana.GroupIDs) != 1 || ana.GroupIDs[0] != e.south || ana.CustomFields["region"] != "APAC" || len(ana.CustomFields) != 1 {
			t.Errorf("after the edit: %+v", ana)
		}

		for q, want := range map[string][]string{
			"?q=silva":                           {"Ana Costa Silva"},
			"?group=" + e.south.String():         {"Ana Costa Silva", "Émilie Durand"},
			"?field.region=EMEA":                 {"Émilie Durand"},
			"?field_key=region&field_value=APAC": {"Ana Costa Silva"},
		} {
			p := c.get("/people" + q)
			for _, w := range want {
				if !strings.Contains(html.UnescapeString(p.Body), w) {
					t.Errorf("/people%s lacks %s", q, w)
				}
			}
			if rows := strings.Count(p.Body, `<a href="/people/`); rows != len(want) {
				t.Errorf("/people%s: %d people, want %d", q, rows, len(want))
			}
		}
		if p := c.get("/people?sort=shoe"); p.Status != 400 || !strings.Contains(p.Body, "sort: must be one of") {
			t.Errorf("a bad sort: %d", p.Status)
		}

		p = c.get(person + "/delete")
		if !strings.Contains(p.Body, "signs them out everywhere") {
			t.Errorf("the confirmation does not say what deleting does: %s", p.Body)
		}
		if p = c.post(person+"/delete", person+"/delete", nil); p.Status != 303 {
			t.Fatalf("delete: %d", p.Status)
		}
		if u, _ := e.Store.FindUser(context.Background(), ana.ID); u.Status != skillpath.UserDeleted {
			t.Error("not deleted")
		}
	})
}

// TestWebPeopleImport: a file with errors is previewed with each error and
// writes nothing; the corrected file is previewed, then applied.
func TestWebPeopleImport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		bad := "email;name;groups\nzoe@example.com;Zoé;Nowhere\nbad-email;Bad;North\nemilie@example.com;Émilie D.;South\n"
		p := c.upload("/people/import", "/people/import", "staff.csv", bad)
		if p.Status != 422 {
			t.Fatalf("a file with errors: %d", p.Status)
		}
		body := html.UnescapeString(p.Body)
		for _, want := range []string{`Line 2, column groups (3): no group is named "Nowhere"`, `Line 3, column email (1): "bad-email" is not a valid email address`, "nothing will be written"} {
			if !strings.Contains(body, want) {
				t.Errorf("the preview lacks %q", want)
			}
		}
		if strings.Contains(p.Body, `action="/people/import/apply"`) {
			t.Error("a file with errors may be applied")
		}
		many := "email,name\n"
		for i := range 250 {
			many += fmt.Sprintf("not-an-email-%d,X\n", i)
		}
		if p := c.upload("/people/import", "/people/import", "many.csv", many); p.Status != 422 || !strings.Contains(p.Body, "… and 50 more") ||
			strings.Count(p.Body, "<li>Line ") != 200 {
			t.Errorf("250 errors: %d, %d listed", p.Status, strings.Count(p.Body, "<li>Line "))
		}
		good := strings.Replace(strings.Replace(bad, "Nowhere", "North East", 1), "bad-email", "bad@example.com", 1)
		p = c.upload("/people/import", "/people/import", "staff.csv", good)
		if p.Status != 200 || !strings.Contains(p.Body, "Apply: create 2, update 1") {
			t.Fatalf("the fixed file's preview: %d %s", p.Status, p.Body)
		}
		if len(e.users(t)) != 2 {
			t.Fatal("the preview wrote")
		}
		p = c.postMultipart("/people/import/apply", url.Values{"csrf_token": {p.hidden(t, "csrf_token")}, "file_name": {"staff.csv"}, "file_text": {html.UnescapeString(p.hidden(t, "file_text"))}})
		if p.Status != 303 {
			t.Fatalf("apply: %d %s", p.Status, p.Body)
		}
		users := e.users(t)
		if users["zoe@example.com"] == nil || users["bad@example.com"] == nil || users["emilie@example.com"].Name != "Émilie D." {
			t.Errorf("after apply: %v", users)
		}
		if p := c.get("/people"); !strings.Contains(p.Body, "Imported staff.csv: 2 created, 1 updated, 0 unchanged.") {
			t.Errorf("no flash after apply")
		}
	})
}

// TestWebGroupAdminView: a group's admin sees only the people and groups
// of their groups, names a coach there, and cannot reach the rest.
func TestWebGroupAdminView(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		ctx := context.Background()
		olga := &skillpath.User{Email: "olga@example.com", Name: "Olga Admin"}
		nina := &skillpath.User{Email: "nina@example.com", Name: "Nina North", GroupIDs: []skillpath.ID{e.northEast}}
		for _, u := range []*skillpath.User{olga, nina} {
			if err := e.Store.CreateUser(ctx, u, "olga-password"); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Store.AddStaff(ctx, skillpath.Staff{GroupID: e.north, UserID: olga.ID, Role: skillpath.RoleGroupAdmin}); err != nil {
			t.Fatal(err)
		}
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(olga.Email, "olga-password")
		p := c.get("/people")
		if !strings.Contains(p.Body, "Nina North") || strings.Contains(p.Body, "Émilie") || strings.Contains(p.Body, "/people/new") {
			t.Errorf("the group admin's people: %s", p.Body)
		}
		p = c.get("/groups")
		if !strings.Contains(p.Body, "North East") || strings.Contains(p.Body, "South") {
			t.Errorf("the group admin's groups: %s", p.Body)
		}
		for path, status := range map[string]int{"/people/" + e.emilie.ID.String(): 404, "/groups/" + e.south.String(): 404, "/people/new": 403, "/people/import": 403} {
			if p := c.get(path); p.Status != status {
				t.Errorf("GET %s: %d, want %d", path, p.Status, status)
			}
		}
		group := "/groups/" + e.northEast.String()
		if p := c.get(group + "?q=nina"); !strings.Contains(p.Body, "Make coach") {
			t.Fatalf("the staff search: %s", p.Body)
		}
		if p := c.post(group, group+"/staff", url.Values{"user_id": {nina.ID.String()}, "role": {"coach"}}); p.Status != 303 {
			t.Fatalf("name a coach: %d %s", p.Status, p.Body)
		}
		if p := c.post(group, group+"/staff", url.Values{"user_id": {e.emilie.ID.String()}, "role": {"admin"}}); p.Status != 400 {
			t.Errorf("name someone outside the groups: %d", p.Status)
		}
		if p := c.post(group, "/groups/"+e.south.String()+"/staff", url.Values{"user_id": {nina.ID.String()}, "role": {"admin"}}); p.Status != 404 {
			t.Errorf("name staff of another group: %d", p.Status)
		}
		if p := c.post(group, group+"/rename", url.Values{"name": {"Mine"}}); p.Status != 403 {
			t.Errorf("rename as a group admin: %d", p.Status)
		}
		if p := c.get(group); !strings.Contains(p.Body, "Nina North") {
			t.Error("the coach is not listed")
		}
	})
}

// TestWebGroupTree: a platform admin renames and moves groups; a move
// under the group's own subgroup is refused next to the field, an occupied
// group cannot be deleted, an empty one can.
func TestWebGroupTree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		north := "/groups/" + e.north.String()
		p := c.post(north, north+"/move", url.Values{"parent_id": {e.northEast.String()}})
		if p.Status != 422 || !strings.Contains(p.Body, `id="move-parent-error"`) || !strings.Contains(html.UnescapeString(p.Body), "groups cannot form a cycle") {
			t.Errorf("a cycle: %d %s", p.Status, p.Body)
		}
		if p := c.post(north, north+"/rename", url.Values{"name": {" "}}); p.Status != 400 || !strings.Contains(p.Body, `id="rename-name-error"`) {
			t.Errorf("a blank name: %d", p.Status)
		}
		if p := c.post(north, north+"/rename", url.Values{"name": {"Nord"}}); p.Status != 303 {
			t.Errorf("rename: %d", p.Status)
		}
		south := "/groups/" + e.south.String()
		if p := c.post(south, south+"/delete", nil); p.Status != 422 || !strings.Contains(p.Body, "only an empty group can be deleted: this one has 0 subgroups, 1 members") {
			t.Errorf("delete South with Émilie: %d %s", p.Status, p.Body)
		}
		ne := "/groups/" + e.northEast.String()
		if p := c.post(ne, ne+"/move", url.Values{"parent_id": {e.south.String()}}); p.Status != 303 {
			t.Errorf("move North East under South: %d", p.Status)
		}
		if p := c.get("/people?group=" + e.south.String()); !strings.Contains(p.Body, "Émilie") {
			t.Error("South's people")
		}
		if p := c.post(ne, ne+"/delete", nil); p.Status != 303 {
			t.Errorf("delete the empty North East: %d %s", p.Status, p.Body)
		}
		if p := c.get("/groups"); strings.Contains(p.Body, ">North East</a>") || !strings.Contains(p.Body, ">Nord</a>") {
			t.Errorf("the tree after: %s", p.Body)
		}
	})
}

// TestWebPeopleEndsAccessAtOnce: a platform admin demoted or deleted on the
// people pages loses the API at the next request, as through the API (the
// token cache is emptied by these pages too).
func TestWebPeopleEndsAccessAtOnce(t *testing.T) {
	e := newImportEnv(t, "sqlite")
	other := &skillpath.User{Email: "second@example.com", Name: "Second Admin", PlatformAdmin: true}
	if err := e.Store.CreateUser(context.Background(), other, ""); err != nil {
		t.Fatal(err)
	}
	api := e.As(other.ID)
	api.Must(200, "GET", "/api/v1/users", nil, nil) // cached now
	c := newWebClient(t, e.Server.URL)
	c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
	person := "/people/" + other.ID.String()
	if p := c.post(person+"/edit", person+"/edit", url.Values{"name": {"Second"}}); p.Status != 303 {
		t.Fatalf("demote: %d %s", p.Status, p.Body)
	}
	if r := api.Get("/api/v1/users"); r.Status != 403 {
		t.Errorf("the demoted admin's next call: %d, want 403", r.Status)
	}
	if p := c.post(person+"/delete", person+"/delete", nil); p.Status != 303 {
		t.Fatalf("delete: %d", p.Status)
	}
	if r := api.Get("/api/v1/me"); r.Status != 401 {
		t.Errorf("the deleted user's next call: %d, want 401", r.Status)
	}
}

// TestWebRecordPurchase: from a person's page an admin records that they
// bought a paid training; the training is then theirs to enroll in.
func TestWebRecordPurchase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		var tr struct{ ID string }
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Paid course", "price": 49.90,
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Read", "kind": "content"}}}}}, &tr)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		person := "/people/" + e.emilie.ID.String()
		if p := c.get(person); !strings.Contains(p.Body, "Paid course (49.90 EUR)") {
			t.Fatalf("no purchase form: %s", p.Body)
		}
		// A training that is not for sale is refused next to the choice (review of issue 14).
		var free struct{ ID string }
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Free course",
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Read", "kind": "content"}}}}}, &free)
		if p := c.post(person, person+"/purchases", url.Values{"training_id": {free.ID}}); p.Status < 400 || !strings.Contains(p.Body, `id="purchase-training-error"`) {
			t.Errorf("a free training: %d, want the message next to the choice: %.2000s", p.Status, p.Body)
		}
		if p := c.post(person, person+"/purchases", url.Values{"training_id": {tr.ID}}); p.Status != 303 {
			t.Fatalf("record: %d %s", p.Status, p.Body)
		}
		if p := c.get(person); !strings.Contains(p.Body, "The purchase was recorded") || strings.Contains(p.Body, "Paid course (49.90") {
			t.Errorf("after the purchase: %s", p.Body)
		}
		var catalog struct{ Trainings []struct{ ID, Action string } }
		e.As(e.emilie.ID).Must(200, "GET", "/api/v1/catalog", nil, &catalog)
		for _, c := range catalog.Trainings {
			if c.ID == tr.ID && c.Action != "enroll" {
				t.Errorf("Émilie's action: %s, want enroll", c.Action)
			}
		}
	})
}
