package server_test

import (
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestSessionStates: not started before its start, ongoing, ended after its
// end, archived whatever the dates; archiving twice is a conflict; deleting
// makes the session and its enrollments vanish (SPEC §2).
func TestSessionStates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))
		var tr, u ids
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "T", "modules": []any{
			map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &tr)
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "lee@example.com", "name": "Lee"}, &u)
		cases := []struct {
			name, starts string
			ends         any
			state        string
		}{
			{"future", "2026-07-01T00:00:00Z", nil, "not_started"},
			{"starts now", "2026-06-15T12:00:00Z", nil, "ongoing"},
			{"open-ended", "2026-01-01T00:00:00Z", nil, "ongoing"},
			{"ends later", "2026-01-01T00:00:00Z", "2026-06-15T12:00:01Z", "ongoing"},
			{"ended", "2026-01-01T00:00:00Z", "2026-06-15T12:00:00Z", "ended"},
		}
		for _, tc := range cases {
			var s struct {
				ID    string `json:"id"`
				State string `json:"state"`
			}
			e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": tc.name, "starts_at": tc.starts, "ends_at": tc.ends}, &s)
			if s.State != tc.state {
				t.Errorf("%s: state %q, want %q", tc.name, s.State, tc.state)
			}
			e.Admin.Must(200, "POST", "/api/v1/sessions/"+s.ID+"/archive", nil, &s)
			if s.State != "archived" {
				t.Errorf("%s archived: state %q", tc.name, s.State)
			}
			e.Admin.Must(409, "POST", "/api/v1/sessions/"+s.ID+"/archive", nil, nil)
			e.Admin.Must(422, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": u.ID}, nil)
		}
		var s ids
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Doomed", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		var enr ids
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
		e.Admin.Must(409, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": u.ID}, nil)
		e.Admin.Must(204, "DELETE", "/api/v1/sessions/"+s.ID, nil, nil)
		e.Admin.Must(404, "GET", "/api/v1/sessions/"+s.ID, nil, nil)
		e.Admin.Must(404, "GET", "/api/v1/enrollments/"+enr.ID, nil, nil)
		e.Admin.Must(404, "DELETE", "/api/v1/sessions/"+s.ID, nil, nil)
	})
}
