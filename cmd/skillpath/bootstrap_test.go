package main

import (
	"fmt"
	"strings"
	"testing"

	"skillpath/internal/testdb"
)

// TestServeStartTogether: serve processes starting at the same moment on
// one empty database all start; one creates the first admin (or loads the
// demo), and the others find it there (issue 11).
func TestServeStartTogether(t *testing.T) {
	for _, tc := range []struct {
		dialect string
		demo    bool
	}{{"sqlite", false}, {"postgres", false}, {"postgres", true}} {
		t.Run(fmt.Sprintf("%s demo=%v", tc.dialect, tc.demo), func(t *testing.T) {
			db := testdb.URL(t, tc.dialect)
			env := map[string]string{"SKILLPATH_DB": db, "SKILLPATH_ADDR": "127.0.0.1:0",
				"SKILLPATH_ADMIN_EMAIL": "boss@example.com", "SKILLPATH_ADMIN_PASSWORD": "boss-password"}
			var args []string
			if tc.demo {
				args = append(args, "--demo")
			}
			var instances []*instance
			for range 2 {
				instances = append(instances, startInProcess(t, env, append([]string{"serve"}, args...)...))
			}
			created := 0
			for _, in := range instances {
				in.await(t)
				out := in.out.text()
				if strings.Contains(out, "Platform admin boss@example.com created.") || strings.Contains(out, "Demo organisation loaded.") {
					created++
				}
				if err := in.shutdown(t); err != nil {
					t.Fatalf("serve: %v\n%s", err, out)
				}
			}
			if created != 1 {
				t.Errorf("%d processes created the admin or the demo, want 1", created)
			}
			if n := countUsers(t, db); !tc.demo && n != 1 {
				t.Errorf("%d users, want 1", n)
			}
		})
	}
}
