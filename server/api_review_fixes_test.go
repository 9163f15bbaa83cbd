package server_test

import (
	"testing"

	"skillpath/internal/testdb"
)

// TestHandCertificationIsReenrolled is review fix 1 of issue 13: a learner
// certified by hand in an automatic session — in the enrollment Certify
// creates — is enrolled again before the certificate expires, and the
// preview of a change of rules says so (due) until the sweep has run.
func TestHandCertificationIsReenrolled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s := w.session(tr.ID, true)
		w.e.Admin.Must(201, "POST", "/api/v1/certificates/"+c+"/awards", map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "Certified elsewhere"}, nil)
		w.setNow("2026-12-20T09:00:00Z") // re-enrollment moment 2026-12-11 has passed
		preview := func() []map[string]any {
			var p struct {
				Reenrollments []map[string]any `json:"reenrollments"`
			}
			w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c+"?dry_run=true", map[string]any{"reenroll_days_before": 40}, &p)
			return p.Reenrollments
		}
		if p := preview(); len(p) != 1 || p[0]["due"] != true {
			t.Fatalf("preview before the sweep: %+v, want the learner due", p)
		}
		if n := w.sweep(); n != 1 {
			t.Fatalf("the sweep re-enrolled %d learners certified by hand, want 1", n)
		}
		if p := preview(); len(p) != 1 || p[0]["due"] != false {
			t.Fatalf("preview after the sweep: %+v, want not due", p)
		}
		if n := w.sweep(); n != 0 {
			t.Fatalf("a second sweep re-enrolled %d", n)
		}
		h := w.history(c, w.learners[0])
		if len(h) != 2 || !h[1].AutoReenrolled {
			t.Fatalf("history: %+v", h)
		}
		w.checkStored()
	})
}
