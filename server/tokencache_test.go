package server_test

import (
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestTokenCacheForgetsChanges: token lookups are remembered for a second,
// but a change to the user made through the API shows on the next request
// — a demoted admin is refused, a deleted user's token no longer works.
func TestTokenCacheForgetsChanges(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := apitest.Start(t, dialect, webNow)
			var u apitest.Ref
			e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ops@example.com", "name": "Ops", "platform_admin": true}, &u)
			var tok struct {
				Token string `json:"token"`
			}
			e.Admin.Must(201, "POST", "/api/v1/users/"+u.ID+"/tokens", nil, &tok)
			ops := e.WithToken(tok.Token)
			ops.Must(200, "GET", "/api/v1/users", nil, nil) // remembered as a platform admin

			e.Admin.Must(200, "PATCH", "/api/v1/users/"+u.ID, map[string]any{"platform_admin": false}, nil)
			if r := ops.Do("GET", "/api/v1/users", nil); r.Status != 403 {
				t.Errorf("demoted admin lists users: status %d, want 403", r.Status)
			}
			e.Admin.Must(204, "DELETE", "/api/v1/users/"+u.ID, nil, nil)
			if r := ops.Do("GET", "/api/v1/me", nil); r.Status != 401 {
				t.Errorf("deleted user's token: status %d, want 401", r.Status)
			}
		})
	}
}
