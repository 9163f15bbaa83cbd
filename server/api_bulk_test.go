package server_test

import (
	"strings"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// bulkAnswer is the answer of POST /api/v1/sessions/{id}/enrollments/bulk.
type bulkAnswer struct {
	Enrolled int `json:"enrolled"`
	Skipped  []struct {
		UserID string `json:"user_id"`
		Reason string `json:"reason"`
	} `json:"skipped"`
}

// skips maps each skipped learner to the reason.
func (b bulkAnswer) skips() map[string]string {
	m := map[string]string{}
	for _, s := range b.Skipped {
		m[s.UserID] = s.Reason
	}
	return m
}

// bulkOrg: Root ⊃ Child, and Other; Ann in Child, Bob in Root, Dee in
// Child (deleted), Ola in Other; Gail administers Root, Cole coaches it.
type bulkOrg struct {
	e                              *apitest.Env
	root, child, other             string
	ann, bob, dee, ola, gail, cole string
	training, approvalTraining     string
	session, approvalSession       string
}

func newBulkOrg(t *testing.T, dialect string) *bulkOrg {
	e := apitest.Start(t, dialect, time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	o := &bulkOrg{e: e}
	group := func(name, parent string) string {
		var g ids
		body := map[string]any{"name": name}
		if parent != "" {
			body["parent_id"] = parent
		}
		e.Admin.Must(201, "POST", "/api/v1/groups", body, &g)
		return g.ID
	}
	o.root, o.other = group("Root", ""), group("Other", "")
	o.child = group("Child", o.root)
	user := func(email, group string) string {
		var u ids
		body := map[string]any{"email": email, "name": email}
		if group != "" {
			body["group_ids"] = []string{group}
		}
		e.Admin.Must(201, "POST", "/api/v1/users", body, &u)
		return u.ID
	}
	o.ann, o.bob, o.dee, o.ola = user("ann@example.com", o.child), user("bob@example.com", o.root), user("dee@example.com", o.child), user("ola@example.com", o.other)
	o.gail, o.cole = user("gail@example.com", ""), user("cole@example.com", "")
	e.Admin.Must(204, "DELETE", "/api/v1/users/"+o.dee, nil, nil)
	e.Admin.Must(201, "POST", "/api/v1/groups/"+o.root+"/staff", map[string]any{"user_id": o.gail, "role": "admin"}, nil)
	e.Admin.Must(201, "POST", "/api/v1/groups/"+o.root+"/staff", map[string]any{"user_id": o.cole, "role": "coach"}, nil)
	training := func(title string, approval bool) (string, string) {
		var tr, s ids
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": title, "requires_approval": approval, "modules": []any{
			map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &tr)
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": title + " May", "starts_at": "2026-05-01T00:00:00Z"}, &s)
		return tr.ID, s.ID
	}
	o.training, o.session = training("Open", false)
	o.approvalTraining, o.approvalSession = training("Gated", true)
	return o
}

// TestBulkEnrollment: users and whole groups (subgroups included) enrolled
// in one call; deleted users, learners already enrolled and, for a group
// admin, learners outside their groups skipped with their reason (SPEC §6).
func TestBulkEnrollment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newBulkOrg(t, dialect)
		path := "/api/v1/sessions/" + o.session + "/enrollments/bulk"
		gail := o.e.As(idOf(t, o.gail))

		// A group admin: Ola is outside Gail's groups, Ann is in Child.
		var b bulkAnswer
		gail.Must(200, "POST", path, map[string]any{"user_ids": []string{o.ola, o.ann, o.ann}}, &b)
		if b.Enrolled != 1 || len(b.Skipped) != 1 || b.skips()[o.ola] != "outside_your_groups" {
			t.Errorf("group admin: %+v, want Ann enrolled and Ola outside_your_groups", b)
		}
		// Another group is refused whole before its members are read
		// (review of issue 16); the deleted Dee is named deleted only to
		// whom may assign her.
		if r := gail.Do("POST", path, map[string]any{"group_ids": []string{o.other, o.root}}); r.Status != 404 || r.Err().Field != "group_ids" || strings.Contains(string(r.Body), o.ola) {
			t.Errorf("group admin, another group: %d %s, want 404 naming group_ids only", r.Status, r.Body)
		}
		gail.Must(200, "POST", path, map[string]any{"group_ids": []string{o.root}}, &b)
		want := map[string]string{o.ann: "already_enrolled", o.dee: "deleted"}
		if b.Enrolled != 1 || len(b.Skipped) != len(want) {
			t.Errorf("group admin, groups: %+v, want Bob enrolled and %v skipped", b, want)
		}
		for u, reason := range want {
			if got := b.skips()[u]; got != reason {
				t.Errorf("group admin, groups: user %s skipped as %q, want %q", u, got, reason)
			}
		}

		// A platform admin: Root includes Child; everyone in scope.
		path2 := "/api/v1/sessions/" + o.approvalSession + "/enrollments/bulk"
		o.e.Admin.Must(200, "POST", path2, map[string]any{"group_ids": []string{o.root}, "user_ids": []string{o.ola}}, &b)
		if b.Enrolled != 3 || len(b.Skipped) != 1 || b.skips()[o.dee] != "deleted" {
			t.Errorf("platform admin: %+v, want Ola, Ann and Bob enrolled, Dee deleted", b)
		}
		// Assigned learners are approved by the assignment: nothing awaits.
		var page struct {
			Approvals []map[string]any `json:"approvals"`
		}
		o.e.Admin.Must(200, "GET", "/api/v1/approvals", nil, &page)
		if len(page.Approvals) != 0 {
			t.Errorf("approvals after an assignment: %v, want none", page.Approvals)
		}
		o.e.Admin.Must(200, "POST", path2, map[string]any{"group_ids": []string{o.root, o.other}}, &b)
		if b.Enrolled != 0 || len(b.Skipped) != 4 {
			t.Errorf("again: %+v, want no one enrolled, four skipped", b)
		}
	})
}

// TestBulkEnrollmentRefusals: every refusal of a bulk enrollment, each
// changing nothing.
func TestBulkEnrollmentRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newBulkOrg(t, dialect)
		path := "/api/v1/sessions/" + o.session + "/enrollments/bulk"
		var archived ids
		o.e.Admin.Must(201, "POST", "/api/v1/trainings/"+o.training+"/sessions", map[string]any{"name": "Old", "starts_at": "2026-01-01T00:00:00Z"}, &archived)
		o.e.Admin.Must(200, "POST", "/api/v1/sessions/"+archived.ID+"/archive", nil, nil)
		ann := o.e.As(idOf(t, o.ann))
		cases := []struct {
			name   string
			client *apitest.Client
			path   string
			body   any
			status int
			field  string
		}{
			{"no one named", o.e.Admin, path, map[string]any{}, 400, "user_ids"},
			{"empty lists", o.e.Admin, path, map[string]any{"user_ids": []string{}, "group_ids": []string{}}, 400, "user_ids"},
			{"unknown user", o.e.Admin, path, map[string]any{"user_ids": []string{o.ann, "999999"}}, 400, "user_ids"},
			{"unknown group", o.e.Admin, path, map[string]any{"group_ids": []string{"999999"}}, 400, "group_ids"},
			{"not an id", o.e.Admin, path, map[string]any{"user_ids": []string{"x"}}, 400, "user_ids[0]"},
			{"unknown member", o.e.Admin, path, map[string]any{"users": []string{o.ann}}, 400, "users"},
			{"not an object", o.e.Admin, path, "[]", 400, "body"},
			{"unknown session", o.e.Admin, "/api/v1/sessions/999999/enrollments/bulk", map[string]any{"user_ids": []string{o.ann}}, 404, ""},
			{"archived session", o.e.Admin, "/api/v1/sessions/" + archived.ID + "/enrollments/bulk", map[string]any{"user_ids": []string{o.ann}}, 422, ""},
			{"a learner", ann, path, map[string]any{"user_ids": []string{o.ann}}, 403, ""},
			{"a coach", o.e.As(idOf(t, o.cole)), path, map[string]any{"group_ids": []string{o.root}}, 403, ""},
			{"a group admin, another group", o.e.As(idOf(t, o.gail)), path, map[string]any{"group_ids": []string{o.other}}, 404, "group_ids"},
			{"a group admin, an unknown group", o.e.As(idOf(t, o.gail)), path, map[string]any{"group_ids": []string{"999999"}}, 404, "group_ids"},
		}
		for _, tc := range cases {
			r := tc.client.Do("POST", tc.path, tc.body)
			if r.Status != tc.status {
				t.Errorf("%s: status %d, want %d; body %s", tc.name, r.Status, tc.status, r.Body)
				continue
			}
			if tc.field != "" && r.Err().Field != tc.field {
				t.Errorf("%s: field %q, want %q (%s)", tc.name, r.Err().Field, tc.field, r.Err().Message)
			}
		}
		var results struct {
			Rows []any `json:"rows"`
		}
		o.e.Admin.Must(200, "GET", "/api/v1/trainings/"+o.training+"/results", nil, &results)
		if len(results.Rows) != 0 {
			t.Errorf("after the refusals the training has %d enrollments, want none", len(results.Rows))
		}
	})
}

// TestApprovals: self-enrollments awaiting approval listed in the caller's
// scope, approved or refused (deleted), and every refusal of a refusal.
func TestApprovals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newBulkOrg(t, dialect)
		selfEnroll := func(user string) string {
			var r ids
			o.e.As(idOf(t, user)).Must(201, "POST", "/api/v1/sessions/"+o.approvalSession+"/enrollments", map[string]any{}, &r)
			return r.ID
		}
		annE, olaE := selfEnroll(o.ann), selfEnroll(o.ola)
		var assigned ids
		o.e.Admin.Must(201, "POST", "/api/v1/sessions/"+o.approvalSession+"/enrollments", map[string]any{"user_id": o.bob}, &assigned)
		var openE ids
		o.e.As(idOf(t, o.bob)).Must(201, "POST", "/api/v1/sessions/"+o.session+"/enrollments", map[string]any{}, &openE)

		type approval struct {
			EnrollmentID  string `json:"enrollment_id"`
			LearnerEmail  string `json:"learner_email"`
			TrainingTitle string `json:"training_title"`
			SessionName   string `json:"session_name"`
			Since         string `json:"since"`
		}
		type page struct {
			Approvals []approval `json:"approvals"`
			Next      string     `json:"next"`
		}
		list := func(c *apitest.Client, query string) page {
			var p page
			c.Must(200, "GET", "/api/v1/approvals"+query, nil, &p)
			return p
		}
		all := list(o.e.Admin, "")
		if len(all.Approvals) != 2 || all.Approvals[0].EnrollmentID != annE || all.Approvals[1].EnrollmentID != olaE {
			t.Fatalf("platform admin's approvals: %+v, want Ann's then Ola's", all)
		}
		if a := all.Approvals[0]; a.LearnerEmail != "ann@example.com" || a.TrainingTitle != "Gated" || a.SessionName != "Gated May" || a.Since != "2026-05-04T09:00:00Z" {
			t.Errorf("Ann's approval: %+v", a)
		}
		first := list(o.e.Admin, "?limit=1")
		if len(first.Approvals) != 1 || first.Next == "" {
			t.Fatalf("first page: %+v", first)
		}
		if second := list(o.e.Admin, "?limit=1&after="+first.Next); len(second.Approvals) != 1 || second.Approvals[0].EnrollmentID != olaE || second.Next != "" {
			t.Errorf("second page: %+v", second)
		}
		gail, cole := o.e.As(idOf(t, o.gail)), o.e.As(idOf(t, o.cole))
		if mine := list(gail, ""); len(mine.Approvals) != 1 || mine.Approvals[0].EnrollmentID != annE {
			t.Errorf("group admin's approvals: %+v, want Ann's only", mine)
		}
		for _, c := range []struct {
			name   string
			client *apitest.Client
			query  string
			status int
		}{
			{"a coach lists", cole, "", 403},
			{"a learner lists", o.e.As(idOf(t, o.ann)), "", 403},
			{"bad limit", o.e.Admin, "?limit=0", 400},
			{"bad cursor", o.e.Admin, "?after=x", 400},
		} {
			if r := c.client.Get("/api/v1/approvals" + c.query); r.Status != c.status {
				t.Errorf("%s: status %d, want %d", c.name, r.Status, c.status)
			}
		}

		refuse := func(c *apitest.Client, id string) int {
			return c.Do("POST", "/api/v1/enrollments/"+id+"/refuse", nil).Status
		}
		for _, c := range []struct {
			name   string
			client *apitest.Client
			id     string
			status int
		}{
			{"outside the group admin's groups", gail, olaE, 404},
			{"a coach", cole, annE, 403},
			{"the learner", o.e.As(idOf(t, o.ann)), annE, 403},
			{"an assignment", o.e.Admin, assigned.ID, 422},
			{"a training without approval", o.e.Admin, openE.ID, 422},
			{"unknown", o.e.Admin, "999999", 404},
			{"not an id", o.e.Admin, "x", 404},
		} {
			if got := refuse(c.client, c.id); got != c.status {
				t.Errorf("refuse, %s: status %d, want %d", c.name, got, c.status)
			}
		}
		if got := refuse(gail, annE); got != 204 {
			t.Fatalf("group admin refuses Ann: status %d", got)
		}
		o.e.Admin.Must(404, "GET", "/api/v1/enrollments/"+annE, nil, nil)
		if got := refuse(o.e.Admin, annE); got != 404 {
			t.Errorf("refused twice: status %d, want 404", got)
		}
		o.e.Admin.Must(200, "POST", "/api/v1/enrollments/"+olaE+"/approve", nil, nil)
		if got := refuse(o.e.Admin, olaE); got != 422 {
			t.Errorf("refuse an approved enrollment: status %d, want 422", got)
		}
		if left := list(o.e.Admin, ""); len(left.Approvals) != 0 {
			t.Errorf("approvals left: %+v", left)
		}
		// A refused learner may ask again.
		selfEnroll(o.ann)
		if again := list(gail, ""); len(again.Approvals) != 1 {
			t.Errorf("after asking again: %+v", again)
		}
	})
}

// TestUpdateSession: PUT /api/v1/sessions/{id} replaces a session's name,
// dates and automatic re-enrollment; bad input changes nothing.
func TestUpdateSession(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newBulkOrg(t, dialect)
		path := "/api/v1/sessions/" + o.session
		var se struct {
			Name         string  `json:"name"`
			StartsAt     string  `json:"starts_at"`
			EndsAt       *string `json:"ends_at"`
			AutoReenroll bool    `json:"auto_reenroll"`
			State        string  `json:"state"`
		}
		o.e.Admin.Must(200, "PUT", path, map[string]any{"name": "June", "starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-06-30T00:00:00Z", "auto_reenroll": true}, &se)
		if se.Name != "June" || se.StartsAt != "2026-06-01T00:00:00Z" || se.EndsAt == nil || !se.AutoReenroll || se.State != "not_started" {
			t.Errorf("updated: %+v", se)
		}
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			field  string
		}{
			{"no start", map[string]any{"name": "X"}, 400, "starts_at"},
			{"end before start", map[string]any{"name": "X", "starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-05-01T00:00:00Z"}, 400, "ends_at"},
			{"no name", map[string]any{"starts_at": "2026-06-01T00:00:00Z"}, 400, "name"},
		} {
			r := o.e.Admin.Do("PUT", path, tc.body)
			if r.Status != tc.status || r.Err().Field != tc.field {
				t.Errorf("%s: status %d field %q, want %d %q", tc.name, r.Status, r.Err().Field, tc.status, tc.field)
			}
		}
		o.e.Admin.Must(200, "GET", path, nil, &se)
		if se.Name != "June" {
			t.Errorf("after the refusals: %+v", se)
		}
		o.e.Admin.Must(404, "PUT", "/api/v1/sessions/999999", map[string]any{"name": "X", "starts_at": "2026-06-01T00:00:00Z"}, nil)
		o.e.As(idOf(t, o.gail)).Must(403, "PUT", path, map[string]any{"name": "X", "starts_at": "2026-06-01T00:00:00Z"}, nil)
	})
}
