package server_test

import (
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestWebRecertificationRule: the certificate's page says its rule (issue
// 13, fault 4), and the learner's history marks what administrators did.
func TestWebRecertificationRule(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 2)
		web := newWebClient(t, w.e.Server.URL)
		web.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		for _, tc := range []struct {
			fields map[string]any
			want   string
		}{
			{map[string]any{}, "Never expires: no re-enrollment."},
			{map[string]any{"validity_months": 1}, "Expires 1 month after delivery. Learners of automatic sessions are enrolled again 14 days before it expires (the default)."},
			{map[string]any{"validity_months": 12, "expiry_base": "previous_expiry", "reenroll_days_before": 60},
				"Expires 12 months after the learner's previous certificate expires when renewed before it, else 12 months after delivery. Learners of automatic sessions are enrolled again 60 days before it expires."},
			{map[string]any{"validity_months": 12, "expiry_base": "fixed", "fixed_month": 2, "fixed_day": 29, "reenroll_days_before": 1},
				"Expires on 29 February (28 February in other years), at least 12 months after delivery. Learners of automatic sessions are enrolled again 1 day before it expires."},
		} {
			c := w.certificate(tc.fields)
			p := web.get("/certificates/" + c)
			if p.Status != 200 || !strings.Contains(p.Body, "<dt>Recertification</dt><dd>"+strings.ReplaceAll(tc.want, "'", "&#39;")+"</dd>") {
				t.Errorf("%v: the page does not say %q:\n%s", tc.fields, tc.want, p.Body)
			}
		}

		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s := w.session(tr.ID, false)
		var a award
		w.e.Admin.Must(201, "POST", "/api/v1/certificates/"+c+"/awards", map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "Certified abroad"}, &a)
		w.e.Admin.Must(200, "POST", "/api/v1/awards/"+a.ID+"/extend", map[string]any{"expires_at": "2027-03-01", "reason": "Audit"}, nil)
		p := web.get("/certificates/" + c + "/learners/" + w.learners[0])
		for _, want := range []string{"Certified by hand: Certified abroad", "Expiry extended by hand on 2026-01-10", "2027-03-01", ".pdf"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("history lacks %q:\n%s", want, p.Body)
			}
		}
		w.e.Admin.Must(200, "POST", "/api/v1/awards/"+a.ID+"/revoke", map[string]any{"reason": "Fraud"}, nil)
		p = web.get("/certificates/" + c + "/learners/" + w.learners[0])
		for _, want := range []string{"Revoked on 2026-01-10", "Revoked</span>"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("history after revoking lacks %q:\n%s", want, p.Body)
			}
		}
		if strings.Contains(p.Body, ".pdf") {
			t.Errorf("the revoked certificate still offers its document")
		}
	})
}
