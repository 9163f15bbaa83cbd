package server_test

import (
	"net/url"
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestWebTrainingEditor: the editor's shape buttons change only the form;
// saving creates or replaces the whole tree; what the store refuses is
// shown next to its field, with what was typed, and changes nothing.
func TestWebTrainingEditor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		c := o.client(t)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		form := url.Values{"title": {"Crane"}, "modules[0].title": {"Quiz"}, "modules[0].max_attempts": {"1"},
			"modules[0].activities[0].title": {"Hook"}, "modules[0].activities[0].kind": {"choice"},
			"modules[0].activities[0].choices": {"small\nbig"}, "modules[0].activities[0].correct": {"big"}}
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
		p := c.post("/catalog/trainings/new", "/catalog/trainings/new", with("action", "add-module"))
		if p.Status != 200 || !strings.Contains(p.Body, `id="f-modules-1-title"`) || !strings.Contains(p.Body, `value="Hook"`) {
			t.Fatalf("add a module: status %d; body: %.2000s", p.Status, p.Body)
		}
		for _, tc := range []struct {
			name, key, value string
			status           int
			field            string
		}{
			{"no title", "title", "", 400, "f-title"},
			{"a correct answer that is no choice", "modules[0].activities[0].correct", "huge", 400, "f-modules-0-activities-0-correct"},
			{"a passing score over 100", "passing_score", "120", 400, "f-passing-score"},
			{"a score that is no number", "mastery_score", "high", 400, "f-mastery-score"},
			{"an unknown author", "authors", "nobody@example.com", 400, "f-author-ids"},
			{"a negative price", "price", "-3", 400, "f-price"},
		} {
			p := c.post("/catalog/trainings/new", "/catalog/trainings/new", with(tc.key, tc.value, "action", "save"))
			if p.Status != tc.status || !strings.Contains(p.Body, `id="`+tc.field+`-error"`) {
				t.Errorf("%s: status %d, want %d with the error at %s; body: %.3000s", tc.name, p.Status, tc.status, tc.field, p.Body)
			}
		}
		p = c.post("/catalog/trainings/new", "/catalog/trainings/new", with("action", "save", "price", "49.90", "authors", instructorEmail))
		loc := p.Header.Get("Location")
		if p.Status != 303 || !strings.HasPrefix(loc, "/catalog/trainings/") {
			t.Fatalf("save: status %d to %q: %.2000s", p.Status, loc, p.Body)
		}
		created := strings.TrimPrefix(loc, "/catalog/trainings/")
		var tr struct {
			Title   string  `json:"title"`
			Price   float64 `json:"price"`
			Modules []struct {
				ID         string `json:"id"`
				Activities []struct {
					ID, Title, Correct string
				} `json:"activities"`
			} `json:"modules"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/trainings/"+created, nil, &tr)
		if tr.Title != "Crane" || len(tr.Modules) != 1 || tr.Modules[0].Activities[0].Title != "Hook" || tr.Modules[0].Activities[0].Correct != "big" || tr.Price != 49.9 {
			t.Errorf("created: %+v", tr)
		}

		// Removing a module a learner has worked on is refused next to the modules.
		enrollment := o.enroll(t)
		lee := o.env.As(idOf(t, o.learnerID))
		lee.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/start", nil, nil)
		lee.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/activities/"+o.intro+"/view", nil, nil)
		edit := "/catalog/trainings/" + o.training.ID
		p = c.get(edit)
		if p.Status != 200 || !strings.Contains(p.Body, "Which lever lifts the forks?") {
			t.Fatalf("the editor of a training: status %d", p.Status)
		}
		v := url.Values{"title": {"Forklift basics"}, "action": {"save"}, "modules[0].id": {o.essayModule}, "modules[0].title": {"Essay"},
			"modules[0].activities[0].id": {o.essay}, "modules[0].activities[0].title": {"Explain stacking"},
			"modules[0].activities[0].kind": {"text"}, "modules[0].activities[0].points": {"10"}, "modules[0].activities[0].manual_scoring": {"1"}}
		p = c.post(edit, edit, v)
		if p.Status != 409 || !strings.Contains(p.Body, `id="f-modules-error"`) || !strings.Contains(p.Body, "cannot be removed") {
			t.Errorf("remove a module with attempts: status %d; body %.3000s", p.Status, p.Body)
		}
		// A prerequisite cycle is refused next to the prerequisites.
		v = url.Values{"title": {"Crane"}, "action": {"save"}, "prerequisite_ids": {o.training.ID}}
		for k, vs := range form {
			if strings.HasPrefix(k, "modules") {
				v[k] = vs
			}
		}
		v.Set("modules[0].id", tr.Modules[0].ID)
		v.Set("modules[0].activities[0].id", tr.Modules[0].Activities[0].ID)
		if p = c.post("/catalog/trainings/"+created, "/catalog/trainings/"+created, v); p.Status != 303 {
			t.Fatalf("add a prerequisite: status %d: %.2000s", p.Status, p.Body)
		}
		p = c.get(edit)
		cycle := url.Values{"title": {"Forklift basics"}, "action": {"save"}, "prerequisite_ids": {created}}
		for _, name := range []string{"modules[0].id", "modules[0].title", "modules[0].min_score", "modules[0].max_attempts",
			"modules[0].activities[0].id", "modules[0].activities[0].title", "modules[0].activities[0].kind",
			"modules[0].activities[1].id", "modules[0].activities[1].title", "modules[0].activities[1].kind", "modules[0].activities[1].correct", "modules[0].activities[1].points",
			"modules[1].id", "modules[1].title", "modules[1].max_attempts", "modules[1].activities[0].id", "modules[1].activities[0].title",
			"modules[1].activities[0].kind", "modules[1].activities[0].points"} {
			cycle.Set(name, inputValue(p.Body, name))
		}
		cycle.Set("modules[0].activities[1].choices", "left\nright")
		cycle.Set("modules[1].activities[0].manual_scoring", "1")
		p = c.post(edit, edit, cycle)
		if p.Status != 422 || !strings.Contains(p.Body, `id="f-prerequisite-ids-error"`) {
			t.Errorf("a prerequisite cycle: status %d; body %.3000s", p.Status, p.Body)
		}
	})
}

// inputValue reads the value of the named input or the selected option of
// the named select in a page.
func inputValue(body, name string) string {
	i := strings.Index(body, `name="`+name+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if strings.HasPrefix(body[strings.LastIndex(body[:i], "<"):], "<select") {
		j := strings.Index(rest, " selected>")
		k := strings.LastIndex(rest[:j], `value="`)
		rest = rest[k:]
		return rest[len(`value="`) : strings.Index(rest[len(`value="`):], `"`)+len(`value="`)]
	}
	end := strings.Index(rest, ">")
	tag := rest[:end]
	k := strings.Index(tag, `value="`)
	if k < 0 {
		return ""
	}
	tag = tag[k+len(`value="`):]
	return tag[:strings.Index(tag, `"`)]
}

// TestWebSessionGroupAdmin: a group admin's session page shows the
// learners of their groups only, offers their groups only and no session
// management, assigns within their groups, and cannot remove another
// group's learner.
func TestWebSessionGroupAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		groups, err := o.env.Store.ListGroups(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		warehouse := groups[0].ID.String()
		var other, out, gail, outEnrollment ids
		o.env.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Office"}, &other)
		o.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "otto@example.com", "name": "Otto Outside", "group_ids": []string{other.ID}}, &out)
		o.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "gail@example.com", "name": "Gail", "password": "gail-password"}, &gail)
		o.env.Admin.Must(201, "POST", "/api/v1/groups/"+warehouse+"/staff", map[string]any{"user_id": gail.ID, "role": "admin"}, nil)
		o.env.Admin.Must(201, "POST", "/api/v1/sessions/"+o.session+"/enrollments", map[string]any{"user_id": out.ID}, &outEnrollment)

		c := o.client(t)
		c.mustSignIn("gail@example.com", "gail-password")
		path := "/sessions/" + o.session
		// Another group is refused next to the form, before its members are read (review of issue 16).
		p := c.post(path, path+"/enroll", url.Values{"group_id": {warehouse, other.ID}})
		if p.Status != 404 || !strings.Contains(p.Body, "not among the groups you administer") || strings.Contains(p.Body, "Otto") {
			t.Errorf("assign another group: status %d: %.2000s", p.Status, p.Body)
		}
		p = c.post(path, path+"/enroll", url.Values{"group_id": {warehouse}, "user_id": {out.ID}})
		if p.Status != 303 {
			t.Fatalf("assign: status %d: %.2000s", p.Status, p.Body)
		}
		p = c.get(path)
		if p.Status != 200 || !strings.Contains(p.Body, "Lee Learner") || strings.Contains(p.Body, "Otto Outside") {
			t.Errorf("the session page of a group admin: status %d; body %.3000s", p.Status, p.Body)
		}
		if !strings.Contains(p.Body, "Enrolled 1 learner. Skipped: 1 outside your groups.") {
			t.Errorf("the assignment's notice is missing: %.3000s", p.Body)
		}
		if strings.Contains(p.Body, ">Office<") || strings.Contains(p.Body, path+"/archive") || strings.Contains(p.Body, `name="q"`) {
			t.Errorf("a group admin is offered another group, the session's management or the user search: %.3000s", p.Body)
		}
		if p = c.post(path, path+"/enrollments/"+outEnrollment.ID+"/delete", nil); p.Status != 404 {
			t.Errorf("remove another group's learner: status %d", p.Status)
		}
		o.env.Admin.Must(200, "GET", "/api/v1/enrollments/"+outEnrollment.ID, nil, nil)
		for _, forbidden := range []string{"/trainings/" + o.training.ID + "/sessions", path + "/delete"} {
			if p = c.get(forbidden); p.Status != 403 {
				t.Errorf("GET %s as a group admin: status %d, want 403", forbidden, p.Status)
			}
		}
	})
}

// TestWebApprovalsRefusals: the approvals form refuses no request ticked
// and an unknown action next to the table, and a request the caller may
// not act on is reported, changing nothing.
func TestWebApprovalsRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		c := o.client(t)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		enrollment := o.enroll(t) // assigned: awaits no approval
		for _, tc := range []struct {
			name string
			form url.Values
			want string
		}{
			{"nothing ticked", url.Values{"action": {"approve"}}, "Tick at least one request first."},
			{"unknown action", url.Values{"action": {"delete"}, "enrollment_id": {enrollment}}, "Choose Approve or Refuse."},
		} {
			if p := c.post("/approvals", "/approvals", tc.form); p.Status != 400 || !strings.Contains(p.Body, tc.want) {
				t.Errorf("%s: status %d; body %.2000s", tc.name, p.Status, p.Body)
			}
		}
		p := c.post("/approvals", "/approvals", url.Values{"action": {"refuse"}, "enrollment_id": {enrollment, "x"}})
		if p.Status != 303 {
			t.Fatalf("refuse: status %d", p.Status)
		}
		if p = c.get("/approvals"); !strings.Contains(p.Body, "Refused 0 requests. 2 could not be: enrollment "+enrollment+" is not awaiting approval (and 1 more)") {
			t.Errorf("the notice: %.3000s", p.Body)
		}
		if got := o.status(t, enrollment); got != "not_started" {
			t.Errorf("the assigned enrollment is %q", got)
		}
		l := o.client(t)
		l.mustSignIn(learnerEmail, learnerPassword)
		if p = l.get("/approvals"); p.Status != 403 {
			t.Errorf("a learner's /approvals: status %d", p.Status)
		}
	})
}

// TestWebCertificates: the catalog creates and edits a certificate (title,
// owner group, validity), refusing bad input next to its field.
func TestWebCertificates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		groups, err := o.env.Store.ListGroups(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		group := groups[0].ID.String()
		c := o.client(t)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"no title", url.Values{"title": {""}, "owner_group_id": {group}}, "certificate-title"},
			{"no owner group", url.Values{"title": {"Rigging"}}, "certificate-owner-group-id"},
			{"unknown owner group", url.Values{"title": {"Rigging"}, "owner_group_id": {"999999"}}, "certificate-owner-group-id"},
			{"validity of no months", url.Values{"title": {"Rigging"}, "owner_group_id": {group}, "validity_months": {"0"}}, "certificate-validity-months"},
			{"validity that is no number", url.Values{"title": {"Rigging"}, "owner_group_id": {group}, "validity_months": {"a year"}}, "certificate-validity-months"},
		} {
			if p := c.post("/catalog", "/catalog/certificates", tc.form); p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.field+`-error"`) {
				t.Errorf("%s: status %d; body %.2000s", tc.name, p.Status, p.Body)
			}
		}
		if p := c.post("/catalog", "/catalog/certificates", url.Values{"title": {"Rigging"}, "owner_group_id": {group}, "validity_months": {"24"}}); p.Status != 303 {
			t.Fatalf("create: status %d", p.Status)
		}
		var list struct {
			Certificates []struct {
				ID, Title      string
				ValidityMonths *int `json:"validity_months"`
			} `json:"certificates"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/certificates", nil, &list)
		id := ""
		for _, cert := range list.Certificates {
			if cert.Title == "Rigging" && cert.ValidityMonths != nil && *cert.ValidityMonths == 24 {
				id = cert.ID
			}
		}
		if id == "" {
			t.Fatalf("no certificate Rigging of 24 months: %+v", list)
		}
		edit := "/catalog/certificates/" + id
		if p := c.post(edit, edit, url.Values{"title": {"Rigging and slinging"}, "owner_group_id": {group}}); p.Status != 303 {
			t.Fatalf("edit: status %d: %.2000s", p.Status, p.Body)
		}
		var cert struct {
			Title          string `json:"title"`
			ValidityMonths *int   `json:"validity_months"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/certificates/"+id, nil, &cert)
		if cert.Title != "Rigging and slinging" || cert.ValidityMonths != nil {
			t.Errorf("edited: %+v, want the new title and no validity", cert)
		}
		if p := c.get("/catalog/certificates/999999"); p.Status != 404 {
			t.Errorf("an unknown certificate: status %d", p.Status)
		}
	})
}
