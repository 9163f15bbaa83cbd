package server

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUnauditedRoutesExist: every route left out of the audit log is a
// route, so a renamed route cannot silently leave a stale exception.
func TestUnauditedRoutesExist(t *testing.T) {
	s := New(nil, slog.New(slog.DiscardHandler))
	for pattern := range unaudited {
		method, path, _ := strings.Cut(pattern, " ")
		for _, p := range []string{"{id}", "{activity_id}", "{module_id}"} {
			path = strings.ReplaceAll(path, p, "1")
		}
		if _, got := s.mux.Handler(httptest.NewRequest(method, path, nil)); got != pattern {
			t.Errorf("unaudited %q: %s %s is served by %q", pattern, method, path, got)
		}
	}
}
