package server_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
	"skillpath/store"
)

// TestWebTrainingEditorGuards (review of issue 15): a stale editor form
// changes nothing and answers 409 next to the form; an author who is not a
// platform admin cannot change the certificates granted, the price, the
// approval, the authors or the instructors, but saves the rest.
func TestWebTrainingEditorGuards(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		var ivy struct {
			ID string `json:"id"`
		}
		var users struct {
			Users []struct{ ID, Email string } `json:"users"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/users?q="+url.QueryEscape(instructorEmail), nil, &users)
		for _, u := range users.Users {
			if u.Email == instructorEmail {
				ivy.ID = u.ID
			}
		}
		var forklift struct {
			CertificateIDs []string `json:"certificate_ids"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/trainings/"+o.training.ID, nil, &forklift)
		var tr tree
		o.env.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{
			"title": "Ladders", "author_ids": []string{ivy.ID},
			"modules": []any{map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}},
		}, &tr)
		edit := "/catalog/trainings/" + tr.ID
		c := o.client(t)
		c.mustSignIn(instructorEmail, instructorPassword)
		p := c.get(edit)
		if p.Status != 200 {
			t.Fatalf("the author's editor: status %d", p.Status)
		}
		form := url.Values{"action": {"save"}, "authors": {instructorEmail}}
		for _, name := range []string{"version", "title", "price", "modules[0].id", "modules[0].title", "modules[0].max_attempts",
			"modules[0].activities[0].id", "modules[0].activities[0].title", "modules[0].activities[0].kind"} {
			form.Set(name, inputValue(p.Body, name))
		}
		if form.Get("version") == "" {
			t.Fatal("the editor's form carries no version")
		}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range form {
				v[k] = vs
			}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			field  string
		}{
			{"a price", with("price", "10"), 400, "f-price-error"},
			{"a certificate", with("certificate_ids", forklift.CertificateIDs[0]), 400, "f-certificate-ids-error"},
			{"the approval", with("requires_approval", "1"), 400, "whether self-enrollments need approval"},
			{"an instructor", with("instructors", instructorEmail), 400, "f-instructor-ids-error"},
			{"no author", with("authors", ""), 400, "f-author-ids-error"},
		} {
			if p := c.post(edit, edit, tc.form); p.Status != tc.status || !strings.Contains(p.Body, tc.field) {
				t.Errorf("the author changes %s: status %d, want %d at %s; body %.2000s", tc.name, p.Status, tc.status, tc.field, p.Body)
			}
		}
		// Someone else saves meanwhile: the stale form is refused.
		stale := with("title", "Ladders, stale")
		if p := c.post(edit, edit, with("title", "Ladders 2")); p.Status != 303 {
			t.Fatalf("the author saves the title: status %d: %.2000s", p.Status, p.Body)
		}
		p = c.post(edit, edit, stale)
		if p.Status != 409 || !strings.Contains(p.Body, `id="f-version"`) || !strings.Contains(p.Body, "nothing was saved") {
			t.Errorf("a stale form: status %d; body %.3000s", p.Status, p.Body)
		}
		var full struct {
			Title            string   `json:"title"`
			Price            any      `json:"price"`
			RequiresApproval bool     `json:"requires_approval"`
			CertificateIDs   []string `json:"certificate_ids"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/trainings/"+tr.ID, nil, &full)
		if full.Title != "Ladders 2" {
			t.Errorf("title after the stale form: %q, want Ladders 2", full.Title)
		}
		if full.Price != nil || full.RequiresApproval || len(full.CertificateIDs) != 0 {
			t.Errorf("reserved settings changed by the author: %+v", full)
		}
	})
}

// TestAPICustomFieldOneLine (review of issue 14): a custom field value with
// a line break is refused naming the field, on create and update, so every
// person stays editable on /people/{id}/edit.
func TestAPICustomFieldOneLine(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow)
		r := e.Admin.Do("POST", "/api/v1/users", map[string]any{"email": "ann@example.com", "name": "Ann", "custom_fields": map[string]string{"note": "one\ntwo"}})
		if r.Status != 400 || r.Err().Field != "custom_fields.note" {
			t.Errorf("create with a two-line value: %d %s", r.Status, r.Body)
		}
		var u struct {
			ID string `json:"id"`
		}
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ann@example.com", "name": "Ann"}, &u)
		r = e.Admin.Do("PATCH", "/api/v1/users/"+u.ID, map[string]any{"custom_fields": map[string]string{"note": "one\r\ntwo"}})
		if r.Status != 400 || r.Err().Field != "custom_fields.note" {
			t.Errorf("update with a two-line value: %d %s", r.Status, r.Body)
		}
	})
}

// TestWebPeopleRefusals (review of issues 14): a person form setting one
// key twice is refused, and a filter naming an unknown group or an
// impossible field key says so next to the filters instead of an empty
// list.
func TestWebPeopleRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		p := c.post("/people/new", "/people/new", url.Values{"email": {"ana@example.com"}, "name": {"Ana"}, "fields": {"a=1\na=2"}})
		if p.Status != 400 || !strings.Contains(html.UnescapeString(p.Body), `line 2 sets "a" again`) {
			t.Errorf("a key set twice: %d %.2000s", p.Status, p.Body)
		}
		for _, q := range []string{"?group=999999", "?field.a%20b=x", "?field_key=%25&field_value=x"} {
			p := c.get("/people" + q)
			if p.Status != 400 || !strings.Contains(p.Body, `href="#people-filters"`) {
				t.Errorf("/people%s: %d, want 400 with the message at the filters", q, p.Status)
			}
		}
	})
}

// TestAPIImportOneAtATime (review of issue 14): while an import runs,
// another (API or page, dry run or not) answers 503 with Retry-After
// rather than holding a second file in memory; it succeeds afterwards.
func TestAPIImportOneAtATime(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		var app *server.Server
		e := apitest.Start(t, dialect, webNow, func(s *server.Server) { app = s })
		release, err := app.HoldImportSlot()
		if err != nil {
			t.Fatal(err)
		}
		file := []byte("email,name\nann@example.com,Ann\n")
		r := e.Admin.Send("POST", "/api/v1/users/import?dry_run=true", "text/csv", file)
		if r.Status != 503 || r.Header.Get("Retry-After") == "" || r.Err().Code != "unavailable" {
			t.Errorf("an import while another runs: %d %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		release()
		if r := e.Admin.Send("POST", "/api/v1/users/import", "text/csv", file); r.Status != 200 {
			t.Errorf("the import afterwards: %d %s", r.Status, r.Body)
		}
	})
}

// TestApprovalsArchivedSession (review of issue 16): a request awaiting
// approval in a session archived since is not listed, and approving it is
// refused (422) like a bulk enrollment there; refusing it still works.
func TestApprovalsArchivedSession(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newBulkOrg(t, dialect)
		var r ids
		o.e.As(idOf(t, o.ann)).Must(201, "POST", "/api/v1/sessions/"+o.approvalSession+"/enrollments", map[string]any{}, &r)
		o.e.Admin.Must(200, "POST", "/api/v1/sessions/"+o.approvalSession+"/archive", nil, nil)
		var list struct {
			Approvals []map[string]any `json:"approvals"`
		}
		o.e.Admin.Must(200, "GET", "/api/v1/approvals", nil, &list)
		if len(list.Approvals) != 0 {
			t.Errorf("approvals of an archived session listed: %v", list.Approvals)
		}
		if a := o.e.Admin.Do("POST", "/api/v1/enrollments/"+r.ID+"/approve", nil); a.Status != 422 || !strings.Contains(a.Err().Message, "archived") {
			t.Errorf("approve in an archived session: %d %s", a.Status, a.Body)
		}
		o.e.Admin.Must(204, "POST", "/api/v1/enrollments/"+r.ID+"/refuse", nil, nil)
	})
}

// TestAPIEmptySegments (review of issue 16): a path with an empty, . or
// .. segment under /api/ answers 404 in the API's JSON shape, never a
// redirect.
func TestAPIEmptySegments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow)
		for _, p := range []string{"/api/v1/enrollments//refuse", "/api/v1//me", "/api/v1/users/./1"} {
			req, err := http.NewRequest("POST", e.Server.URL+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = p // keep the path as written
			req.Header.Set("Authorization", "Bearer "+e.Admin.Token)
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 404 || !strings.Contains(string(body), `"not_found"`) {
				t.Errorf("POST %s: %d %s", p, resp.StatusCode, body)
			}
		}
	})
}

// TestSearchWildcards (review of issue 14): "_", "%" and "\" in a user
// search are searched as typed, in the API and on the people, session and
// group pages.
func TestSearchWildcards(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		var g ids
		o.env.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Search"}, &g)
		o.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "under_score@example.com", "name": "Una 100%"}, nil)
		c := o.client(t)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		for _, tc := range []struct{ q, want string }{{"_", "under_score@example.com"}, {"%", "under_score@example.com"}, {`\`, ""}} {
			var users struct {
				Users []struct{ Email string } `json:"users"`
			}
			o.env.Admin.Must(200, "GET", "/api/v1/users?q="+url.QueryEscape(tc.q), nil, &users)
			if len(users.Users) > 1 || (tc.want != "" && (len(users.Users) != 1 || users.Users[0].Email != tc.want)) || (tc.want == "" && len(users.Users) != 0) {
				t.Errorf("/api/v1/users?q=%s: %+v, want %q only", tc.q, users.Users, tc.want)
			}
			for _, page := range []string{"/people", "/sessions/" + o.session, "/groups/" + g.ID} {
				p := c.get(page + "?q=" + url.QueryEscape(tc.q))
				if strings.Contains(p.Body, learnerEmail) {
					t.Errorf("%s?q=%s lists %s", page, tc.q, learnerEmail)
				}
				if tc.want != "" && !strings.Contains(p.Body, tc.want) {
					t.Errorf("%s?q=%s lacks %s", page, tc.q, tc.want)
				}
			}
		}
	})
}

// TestAPIBodylessRoutes (review of issue 16): every route of the bodyless
// list exists, and a body with a member sent to one is refused (400
// naming it) and changes nothing; an empty body or {} is accepted.
func TestAPIBodylessRoutes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newBulkOrg(t, dialect)
		routes := map[string]bool{}
		for _, p := range server.New(o.e.Store, nil).Routes() {
			routes[p] = true
		}
		for _, p := range server.BodylessRoutes() {
			if !routes[p] {
				t.Errorf("bodyless route %q is not a route", p)
			}
		}
		var r ids
		o.e.As(idOf(t, o.ann)).Must(201, "POST", "/api/v1/sessions/"+o.approvalSession+"/enrollments", map[string]any{}, &r)
		if a := o.e.Admin.Do("POST", "/api/v1/enrollments/"+r.ID+"/refuse", map[string]any{"reason": "x"}); a.Status != 400 || a.Err().Field != "reason" {
			t.Errorf("refuse with a reason: %d %s, want 400 naming reason", a.Status, a.Body)
		}
		if a := o.e.Admin.Send("POST", "/api/v1/enrollments/"+r.ID+"/approve", "application/json", []byte(`{"note":1}`)); a.Status != 400 {
			t.Errorf("approve with a note: %d %s, want 400", a.Status, a.Body)
		}
		o.e.Admin.Must(204, "POST", "/api/v1/enrollments/"+r.ID+"/refuse", map[string]any{}, nil)
	})
}

// TestWebhookRefusals (review of issue 16): a port outside 1–65535, an
// address of IANA's special-purpose registry and a second subscription of
// the same URL to the same events are refused, naming url; a notification
// without an error answers last_error and sent_at null.
func TestWebhookRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow)
		strict := apitest.Start(t, dialect, webNow, func(s *server.Server) { s.LRSGuard.AllowPrivate = false })
		hook := func(u string, events ...string) map[string]any { return map[string]any{"url": u, "events": events} }
		for _, tc := range []struct {
			name   string
			c      *apitest.Client
			body   map[string]any
			status int
		}{
			{"port 99999", e.Admin, hook("https://example.com:99999/x", "certificate.delivered"), 400},
			{"port 0", e.Admin, hook("https://example.com:0/x", "certificate.delivered"), 400},
			{"IETF protocol assignments", strict.Admin, hook("http://192.0.0.1/", "certificate.delivered"), 400},
			{"benchmarking", strict.Admin, hook("http://198.18.0.1/", "certificate.delivered"), 400},
			{"first", e.Admin, hook("https://hooks.example.com/a", "certificate.delivered", "certificate.expired"), 201},
			{"the same again", e.Admin, hook("https://hooks.example.com/a", "certificate.expired", "certificate.delivered"), 409},
			{"other events", e.Admin, hook("https://hooks.example.com/a", "certificate.delivered"), 201},
		} {
			r := tc.c.Do("POST", "/api/v1/webhooks", tc.body)
			if r.Status != tc.status || (tc.status >= 400 && r.Err().Field != "url") {
				t.Errorf("%s: %d %s, want %d naming url", tc.name, r.Status, r.Body, tc.status)
			}
		}
		b, err := json.Marshal(store.Notification{})
		if err != nil || !strings.Contains(string(b), `"last_error":null`) || !strings.Contains(string(b), `"sent_at":null`) {
			t.Errorf("a notification without error: %s %v", b, err)
		}
	})
}

// TestGroupNames (review of issue 14): siblings cannot share a name (409
// naming name, any case), on create, rename and move; the same name under
// another parent is fine; a group made its own parent is refused naming
// parent_id.
func TestGroupNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow)
		var north, south, team ids
		e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "North"}, &north)
		e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "South"}, &south)
		e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Team", "parent_id": north.ID}, &team)
		e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Team", "parent_id": south.ID}, nil)
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			status             int
			field              string
		}{
			{"a second top-level North", "POST", "/api/v1/groups", map[string]any{"name": "north"}, 409, "name"},
			{"a second Team in North", "POST", "/api/v1/groups", map[string]any{"name": "TEAM", "parent_id": north.ID}, 409, "name"},
			{"renamed as its sibling", "PATCH", "/api/v1/groups/" + south.ID, map[string]any{"name": "North"}, 409, "name"},
			{"moved beside a Team", "PATCH", "/api/v1/groups/" + team.ID, map[string]any{"parent_id": south.ID}, 409, "name"},
			{"its own parent", "PATCH", "/api/v1/groups/" + team.ID, map[string]any{"parent_id": team.ID}, 422, "parent_id"},
		} {
			r := e.Admin.Do(tc.method, tc.path, tc.body)
			if r.Status != tc.status || r.Err().Field != tc.field {
				t.Errorf("%s: %d %s, want %d naming %s", tc.name, r.Status, r.Body, tc.status, tc.field)
			}
		}
	})
}

// TestImportGroupIDsAndFieldCase (review of issue 14): a bare number that
// is a group's id and another group's name is refused as ambiguous, "#id"
// always names the id; a header's field key in another case updates the
// user's own key rather than adding a second one.
func TestImportGroupIDsAndFieldCase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newImportEnv(t, dialect)
		if err := e.Store.CreateGroup(context.Background(), &skillpath.Group{Name: e.north.String(), ParentID: &e.south}); err != nil {
			t.Fatal(err)
		}
		a := e.send(t, "", "email,name,groups\nnew@example.com,New,"+e.north.String()+"\n", 422)
		if len(a.Errors) != 1 || a.Errors[0].Field != "groups" || !strings.Contains(a.Errors[0].Message, "#"+e.north.String()) {
			t.Errorf("an ambiguous number: %+v", a.Errors)
		}
		e.send(t, "", "email,name,groups,field.Region\nnew@example.com,New,#"+e.north.String()+",APAC\nemilie@example.com,Émilie Durand,South,APAC\n", 200)
		users := e.users(t)
		if g := users["new@example.com"].GroupIDs; len(g) != 1 || g[0] != e.north {
			t.Errorf("#id: groups %v, want North", g)
		}
		if f := users["emilie@example.com"].CustomFields; len(f) != 1 || f["region"] != "APAC" {
			t.Errorf("field.Region over region: %v, want region=APAC only", f)
		}
	})
}

// TestReviewMessages (review of issue 16): a session starting 0001-01-01
// is out of range (not "required"); the purchase form asks for an email
// when none is given and says when it belongs to a deleted user.
func TestReviewMessages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		r := o.env.Admin.Do("POST", "/api/v1/trainings/"+o.training.ID+"/sessions", map[string]any{"name": "Old", "starts_at": "0001-01-01T00:00:00Z"})
		if r.Status != 400 || r.Err().Field != "starts_at" || !strings.Contains(r.Err().Message, "must be between") {
			t.Errorf("a start in year 1: %d %s", r.Status, r.Body)
		}
		var gone ids
		o.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "gone@example.com", "name": "Gone"}, &gone)
		o.env.Admin.Must(204, "DELETE", "/api/v1/users/"+gone.ID, nil, nil)
		c := o.client(t)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		from := "/trainings/" + o.training.ID + "/sessions"
		for email, want := range map[string]string{"": "Enter the email", "gone@example.com": "belongs to a deleted user"} {
			p := c.post(from, "/trainings/"+o.training.ID+"/purchases", url.Values{"email": {email}})
			if p.Status != 400 || !strings.Contains(p.Body, want) {
				t.Errorf("purchase by %q: %d, want 400 saying %q: %.2000s", email, p.Status, want, p.Body)
			}
		}
	})
}

// TestWebGroupParentRefusals (review of issue 16): a parent that is no id
// on the create and move forms is shown next to the parent's choice.
func TestWebGroupParentRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow)
		var g ids
		e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "North"}, &g)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		for _, tc := range []struct{ from, path, field string }{
			{"/groups", "/groups/new", "group-parent-error"},
			{"/groups/" + g.ID, "/groups/" + g.ID + "/move", "move-parent-error"},
		} {
			p := c.post(tc.from, tc.path, url.Values{"name": {"South"}, "parent_id": {"abc"}})
			if p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.field+`"`) {
				t.Errorf("POST %s parent_id=abc: %d, want 400 at %s", tc.path, p.Status, tc.field)
			}
		}
	})
}

// TestWebImportTooLarge (review of issue 14): a file over 16 MiB sent
// without the page's script is answered with the import page and the
// message next to the file's field (413), not a bare error page.
func TestWebImportTooLarge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow)
		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		p := c.upload("/people/import", "/people/import", "big.csv", "email,name\n"+strings.Repeat("x", 17<<20))
		if p.Status != 413 || !strings.Contains(p.Body, `id="file-error"`) || !strings.Contains(p.Body, "larger than 16 MiB") {
			t.Errorf("a file over the limit: %d %.1500s", p.Status, p.Body)
		}
	})
}
