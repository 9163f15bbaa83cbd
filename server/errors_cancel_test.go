package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
)

// TestClientGoneIsNoServerError: a request whose client went away before
// its answer (its context cancelled) is logged as information, not as an
// internal error of the server, on both databases.
func TestClientGoneIsNoServerError(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var logs testdb.Buffer
			var app *server.Server
			e := apitest.Start(t, dialect, lrsNow, func(s *server.Server) {
				s.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
				app = s
			})
			for _, path := range []string{"/api/v1/users", "/api/v1/stats/certificates"} {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				req := httptest.NewRequest("GET", path, nil).WithContext(ctx)
				req.Header.Set("Authorization", "Bearer "+e.Admin.Token)
				rec := httptest.NewRecorder()
				app.ServeHTTP(rec, req)
				if rec.Code == http.StatusOK {
					t.Fatalf("GET %s with its context cancelled answered 200: the test reaches no database", path)
				}
			}
			out := logs.String()
			if strings.Contains(out, "level=ERROR") {
				t.Errorf("a client gone away was logged as an error:\n%s", out)
			}
			if !strings.Contains(out, "request ended before its answer") {
				t.Errorf("the request cut short was not logged:\n%s", out)
			}
		})
	}
}
