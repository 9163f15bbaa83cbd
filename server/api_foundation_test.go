package server_test

import (
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
)

type ids = apitest.Ref

// org is a small organisation the foundation tests share.
type org struct {
	env      *apitest.Env
	root     string // group
	child    string // group under root
	learner  string // user in child
	learnerC *apitest.Client
	cert     string
	training string
	session  string
}

func newOrg(t *testing.T, dialect string) *org { return newOrgWith(t, dialect) }

// newOrgWith is newOrg on a server set up by configure first.
func newOrgWith(t *testing.T, dialect string, configure ...func(*server.Server)) *org {
	e := apitest.Start(t, dialect, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), configure...)
	o := &org{env: e}
	var g ids
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Root"}, &g)
	o.root = g.ID
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Child", "parent_id": o.root}, &g)
	o.child = g.ID
	var u ids
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "Learner@Example.com", "name": "Lee Learner",
		"password": "learner-password", "group_ids": []string{o.child}, "custom_fields": map[string]string{"region": "North"}}, &u)
	o.learner = u.ID
	var tok struct{ Token string }
	e.Anonymous().Must(201, "POST", "/api/v1/tokens", map[string]any{"email": "learner@example.com", "password": "learner-password"}, &tok)
	o.learnerC = e.WithToken(tok.Token)
	var c ids
	e.Admin.Must(201, "POST", "/api/v1/certificates", map[string]any{"title": "Safety", "owner_group_id": o.root, "validity_months": 12}, &c)
	o.cert = c.ID
	var tr ids
	e.Admin.Must(201, "POST", "/api/v1/trainings", validTraining(o.cert), &tr)
	o.training = tr.ID
	var s ids
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+o.training+"/sessions", map[string]any{"name": "Spring", "starts_at": "2026-03-01T00:00:00Z"}, &s)
	o.session = s.ID
	return o
}

func validTraining(certID string) map[string]any {
	return map[string]any{
		"title": "Forklift", "certificate_ids": []string{certID}, "passing_score": 50, "mastery_score": 80,
		"modules": []any{
			map[string]any{"title": "Basics", "min_score": 50, "max_attempts": 2, "activities": []any{
				map[string]any{"title": "Read me", "kind": "content"},
				map[string]any{"title": "Pick one", "kind": "choice", "choices": []string{"a", "b"}, "correct": "b"},
			}},
			map[string]any{"title": "Essay", "activities": []any{
				map[string]any{"title": "Write", "kind": "text", "points": 10, "manual_scoring": true},
			}},
		},
	}
}

// snapshot is everything the foundation API can change, read through the
// API, so a refused request can be shown to have changed nothing.
func (o *org) snapshot(t *testing.T) string {
	var b strings.Builder
	for _, p := range []string{"/api/v1/users?status=all&limit=500", "/api/v1/groups", "/api/v1/certificates", "/api/v1/trainings",
		"/api/v1/trainings/" + o.training, "/api/v1/trainings/" + o.training + "/sessions", "/api/v1/groups/" + o.root + "/staff"} {
		r := o.env.Admin.Get(p)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
		}
		b.Write(r.Body)
	}
	return b.String()
}

func TestHealthz(t *testing.T) {
	e := apitest.Start(t, "sqlite", time.Time{})
	if r := e.Anonymous().Get("/healthz"); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
}

// TestBadInputChangesNothing sends every kind of bad request of the
// foundation and checks the status, the error's code and field, and that
// nothing changed.
func TestBadInputChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newOrg(t, dialect)
		admin, learner, anon := o.env.Admin, o.learnerC, o.env.Anonymous()
		big := `{"email":"a@b.c","name":"` + strings.Repeat("x", 1<<20) + `"}`
		deep := validTraining(o.cert)
		deep["modules"].([]any)[1].(map[string]any)["activities"].([]any)[0].(map[string]any)["kind"] = "video"
		badCorrect := validTraining(o.cert)
		badCorrect["modules"].([]any)[0].(map[string]any)["activities"].([]any)[1].(map[string]any)["correct"] = "c"
		cases := []struct {
			name   string
			client *apitest.Client
			method string
			path   string
			body   any
			status int
			field  string
		}{
			{"no token", anon, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X"}, 401, ""},
			{"bad token", o.env.WithToken("spt_nope"), "GET", "/api/v1/users", nil, 401, ""},
			{"learner creates user", learner, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X"}, 403, ""},
			{"learner creates group", learner, "POST", "/api/v1/groups", map[string]any{"name": "G"}, 403, ""},
			{"learner creates training", learner, "POST", "/api/v1/trainings", validTraining(o.cert), 403, ""},
			{"learner mints token", learner, "POST", "/api/v1/users/" + o.learner + "/tokens", nil, 403, ""},
			{"missing email", admin, "POST", "/api/v1/users", map[string]any{"name": "X"}, 400, "email"},
			{"bad email", admin, "POST", "/api/v1/users", map[string]any{"email": "not-an-email", "name": "X"}, 400, "email"},
			{"email with name part", admin, "POST", "/api/v1/users", map[string]any{"email": "X <x@y.z>", "name": "X"}, 400, "email"},
			{"blank name", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "  "}, 400, "name"},
			{"duplicate email ignoring case", admin, "POST", "/api/v1/users", map[string]any{"email": "LEARNER@example.COM", "name": "X"}, 409, "email"},
			{"unknown field", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X", "role": "boss"}, 400, "role"},
			{"wrong type", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": 42}, 400, "name"},
			{"bad registered_at", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X", "registered_at": "yesterday"}, 400, "registered_at"},
			{"bad custom field key", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X", "custom_fields": map[string]string{"a=b": "c"}}, 400, "custom_fields.a=b"},
			{"unknown group", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X", "group_ids": []string{"999999"}}, 400, "group_ids"},
			{"group id not an id", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X", "group_ids": []string{"abc"}}, 400, "group_ids[0]"},
			{"short password", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "X", "password": "short"}, 400, "password"},
			{"invalid JSON", admin, "POST", "/api/v1/users", `{"email":`, 400, "body"},
			{"two objects", admin, "POST", "/api/v1/users", `{"email":"x@y.z","name":"X"} {}`, 400, "body"},
			{"empty body", admin, "POST", "/api/v1/groups", "", 400, "body"},
			{"body above 1 MiB", admin, "POST", "/api/v1/users", big, 413, ""},
			{"unknown user", admin, "GET", "/api/v1/users/999999", nil, 404, ""},
			{"user id not a number", admin, "GET", "/api/v1/users/abc", nil, 404, ""},
			{"delete unknown user", admin, "DELETE", "/api/v1/users/999999", nil, 404, ""},
			{"group without name", admin, "POST", "/api/v1/groups", map[string]any{"parent_id": o.root}, 400, "name"},
			{"group with unknown parent", admin, "POST", "/api/v1/groups", map[string]any{"name": "G", "parent_id": "999999"}, 400, "parent_id"},
			{"group under itself", admin, "PATCH", "/api/v1/groups/" + o.root, map[string]any{"parent_id": o.root}, 422, ""},
			{"group under unknown group", admin, "PATCH", "/api/v1/groups/" + o.child, map[string]any{"parent_id": "999999"}, 400, "parent_id"},
			{"group under its subgroup", admin, "PATCH", "/api/v1/groups/" + o.root, map[string]any{"parent_id": o.child}, 422, "parent_id"},
			{"staff with bad role", admin, "POST", "/api/v1/groups/" + o.root + "/staff", map[string]any{"user_id": o.learner, "role": "king"}, 400, "role"},
			{"staff unknown user", admin, "POST", "/api/v1/groups/" + o.root + "/staff", map[string]any{"user_id": "999999", "role": "admin"}, 400, "user_id"},
			{"staff unknown group", admin, "POST", "/api/v1/groups/999999/staff", map[string]any{"user_id": o.learner, "role": "admin"}, 404, ""},
			{"certificate without owner", admin, "POST", "/api/v1/certificates", map[string]any{"title": "C"}, 400, "owner_group_id"},
			{"certificate validity 0", admin, "POST", "/api/v1/certificates", map[string]any{"title": "C", "owner_group_id": o.root, "validity_months": 0}, 400, "validity_months"},
			{"certificate validity fraction", admin, "POST", "/api/v1/certificates", map[string]any{"title": "C", "owner_group_id": o.root, "validity_months": 1.5}, 400, "validity_months"},
			{"training without modules", admin, "POST", "/api/v1/trainings", map[string]any{"title": "T"}, 400, "modules"},
			{"training unknown certificate", admin, "POST", "/api/v1/trainings", mergeMap(validTraining(o.cert), "certificate_ids", []string{"999999"}), 400, "certificate_ids"},
			{"training unknown prerequisite", admin, "POST", "/api/v1/trainings", mergeMap(validTraining(o.cert), "prerequisite_ids", []string{"999999"}), 400, "prerequisite_ids"},
			{"training passing score 101", admin, "POST", "/api/v1/trainings", mergeMap(validTraining(o.cert), "passing_score", 101), 400, "passing_score"},
			{"training negative price", admin, "POST", "/api/v1/trainings", mergeMap(validTraining(o.cert), "price", -1), 400, "price"},
			{"training price with 3 decimals", admin, "POST", "/api/v1/trainings", mergeMap(validTraining(o.cert), "price", 1.234), 400, "price"},
			{"activity of unknown kind", admin, "POST", "/api/v1/trainings", deep, 400, "modules[1].activities[0].kind"},
			{"correct answer not a choice", admin, "POST", "/api/v1/trainings", badCorrect, 400, "modules[0].activities[1].correct"},
			{"session without start", admin, "POST", "/api/v1/trainings/" + o.training + "/sessions", map[string]any{"name": "S"}, 400, "starts_at"},
			{"session ends before start", admin, "POST", "/api/v1/trainings/" + o.training + "/sessions", map[string]any{"name": "S", "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-02-01T00:00:00Z"}, 400, "ends_at"},
			{"session of unknown training", admin, "POST", "/api/v1/trainings/999999/sessions", map[string]any{"name": "S", "starts_at": "2026-03-01T00:00:00Z"}, 404, ""},
			{"NUL in a name", admin, "POST", "/api/v1/users", map[string]any{"email": "x@y.z", "name": "a\u0000b"}, 400, "name"},
			{"NUL in a login", anon, "POST", "/api/v1/tokens", map[string]any{"email": "a\u0000@y.z", "password": "x"}, 400, "email"},
			{"NUL in a query", admin, "GET", "/api/v1/users?q=%00", nil, 400, "q"},
			{"invalid UTF-8 in a query", admin, "GET", "/api/v1/users?q=%ff", nil, 400, "q"},
			{"NUL in a statistics filter", admin, "GET", "/api/v1/stats/certificates?field.region=a%00b", nil, 400, "field.region"},
			{"NUL in a staff role", admin, "DELETE", "/api/v1/groups/" + o.root + "/staff/" + o.learner + "/admin%00", nil, 400, "path"},
			{"unknown endpoint", admin, "GET", "/api/v1/nothing", nil, 404, ""},
			{"wrong method", admin, "PUT", "/api/v1/groups", nil, 405, ""},
		}
		before := o.snapshot(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.client.Do(tc.method, tc.path, tc.body)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d; body %s", r.Status, tc.status, r.Body)
				}
				e := r.Err()
				if e.Code == "" || e.Message == "" {
					t.Errorf("no JSON error with code and message: %s", r.Body)
				}
				if tc.field != "" && e.Field != tc.field {
					t.Errorf("field %q, want %q (message %q)", e.Field, tc.field, e.Message)
				}
				if tc.field != "" && !strings.Contains(e.Message, strings.Split(tc.field, "[")[0]) {
					t.Errorf("message %q does not name the field %q", e.Message, tc.field)
				}
			})
		}
		if after := o.snapshot(t); after != before {
			t.Errorf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// idOf reads an id from its JSON text.
func idOf(t *testing.T, s string) skillpath.ID {
	id, ok := skillpath.ParseID(s)
	if !ok {
		t.Fatalf("not an id: %q", s)
	}
	return id
}

func mergeMap(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}
