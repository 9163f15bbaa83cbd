package server_test

import (
	"net/url"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/pdftest"
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
		if p := preview(); len(p) != 0 {
			t.Fatalf("preview after the sweep: %+v, want none (already enrolled again)", p)
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

// TestLeaveKeepsCertificates is review fix 2: a learner cannot leave an
// enrollment holding a certificate granted by hand, through the API or
// the player, which then offers no "Leave".
func TestLeaveKeepsCertificates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		api := o.env.As(idOf(t, o.learnerID))
		var enr ids
		api.Must(201, "POST", "/api/v1/sessions/"+o.session+"/enrollments", map[string]any{}, &enr)
		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		if p := learner.get("/learn/enrollments/" + enr.ID); !strings.Contains(p.Body, "Leave this training") {
			t.Fatal("the player of a fresh self-enrollment offers no Leave")
		}
		var certs struct {
			Certificates []struct{ ID string } `json:"certificates"`
		}
		o.env.Admin.Must(200, "GET", "/api/v1/certificates", nil, &certs)
		var a struct{ ID string }
		o.env.Admin.Must(201, "POST", "/api/v1/certificates/"+certs.Certificates[0].ID+"/awards",
			map[string]any{"user_id": o.learnerID, "session_id": o.session, "reason": "Certified elsewhere"}, &a)
		if r := api.Do("POST", "/api/v1/enrollments/"+enr.ID+"/leave", nil); r.Status != 422 || !strings.Contains(string(r.Body), "certificate") {
			t.Fatalf("leaving an enrollment holding a certificate: %d %s", r.Status, r.Body)
		}
		if p := learner.get("/learn/enrollments/" + enr.ID); strings.Contains(p.Body, "Leave this training") {
			t.Error("the player offers Leave on an enrollment holding a certificate")
		}
		o.env.Admin.Must(200, "GET", "/api/v1/awards/"+a.ID, nil, nil)
		// revoked, it no longer holds the certificate: leaving is allowed again
		o.env.Admin.Must(200, "POST", "/api/v1/awards/"+a.ID+"/revoke", map[string]any{"reason": "Error"}, nil)
		api.Must(204, "POST", "/api/v1/enrollments/"+enr.ID+"/leave", nil, nil)
	})
}

// TestPlayerCertificateStatus is review fix 3: the player's "You passed"
// banner names only the certificates held, with their true status, and a
// revoked certificate is said revoked, not "not obtained".
func TestPlayerCertificateStatus(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		admin := o.env.Admin
		var s ids
		var certs struct {
			Certificates []struct{ ID string } `json:"certificates"`
		}
		admin.Must(200, "GET", "/api/v1/certificates", nil, &certs)
		c := certs.Certificates[0]
		var full struct {
			OwnerGroupID string `json:"owner_group_id"`
		}
		admin.Must(200, "GET", "/api/v1/certificates/"+c.ID, nil, &full)
		var short ids // a month: expired while the path stays passed
		admin.Must(201, "POST", "/api/v1/certificates", map[string]any{"title": "Ladder permit", "owner_group_id": full.OwnerGroupID, "validity_months": 1}, &short)
		var tr tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Ladders", "certificate_ids": []string{c.ID, short.ID},
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &tr)
		admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Open", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		api := o.env.As(idOf(t, o.learnerID))
		var enr ids
		api.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{}, &enr)
		api.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		api.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+tr.Modules[0].Activities[0].ID+"/view", nil, nil)
		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		player := "/learn/enrollments/" + enr.ID
		if p := learner.get(player); !strings.Contains(p.Body, "certificate Forklift licence valid until 2027-01-31") {
			t.Fatalf("banner of a valid certificate:\n%s", p.Body)
		}
		o.env.Store.Now = skillpath.FixedClock(webNow.AddDate(0, 2, 0))
		if p := learner.get(player); !strings.Contains(p.Body, "certificate Ladder permit expired on 2026-02-28") || strings.Contains(p.Body, "Ladder permit valid") {
			t.Errorf("banner of an expired certificate:\n%s", p.Body)
		}
		o.env.Store.Now = skillpath.FixedClock(webNow)
		var h struct {
			Rows []struct {
				AwardID *string `json:"award_id"`
			} `json:"rows"`
		}
		admin.Must(200, "GET", "/api/v1/stats/certificates/"+c.ID+"/learners/"+o.learnerID+"/history", nil, &h)
		admin.Must(200, "POST", "/api/v1/awards/"+*h.Rows[0].AwardID+"/revoke", map[string]any{"reason": "Issued in error"}, nil)
		p := learner.get(player)
		for _, bad := range []string{"valid with no end date", "Pass the training to earn it", "Forklift licence valid"} {
			if strings.Contains(p.Body, bad) {
				t.Errorf("the player of a revoked certificate says %q", bad)
			}
		}
		if !strings.Contains(p.Body, "Revoked by an administrator on 2026-01-31") {
			t.Errorf("the player does not say the certificate was revoked:\n%s", p.Body)
		}
	})
}

// TestEnrollAgainAfterArchiveAndPrerequisiteEdit is review fixes 4 and 5:
// a learner whose certificate expired in an archived session is offered
// Enroll in the open session, in the catalog and on /learn; and a
// prerequisite passed once stays passed there after its training is
// edited (SPEC §9).
func TestEnrollAgainAfterArchiveAndPrerequisiteEdit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		admin := o.env.Admin
		api := o.env.As(idOf(t, o.learnerID))
		var certs struct {
			Certificates []struct{ ID string } `json:"certificates"`
		}
		admin.Must(200, "GET", "/api/v1/certificates", nil, &certs)
		var pre, main tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Ladders", "certificate_ids": []string{certs.Certificates[0].ID},
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &pre)
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Roofs", "prerequisite_ids": []string{pre.ID},
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &main)
		var old, open ids
		admin.Must(201, "POST", "/api/v1/trainings/"+pre.ID+"/sessions", map[string]any{"name": "Old", "starts_at": "2026-01-01T00:00:00Z"}, &old)
		var enr ids
		api.Must(201, "POST", "/api/v1/sessions/"+old.ID+"/enrollments", map[string]any{}, &enr)
		api.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
		api.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+pre.Modules[0].Activities[0].ID+"/view", nil, nil)
		admin.Must(200, "POST", "/api/v1/sessions/"+old.ID+"/archive", nil, nil)
		admin.Must(201, "POST", "/api/v1/trainings/"+pre.ID+"/sessions", map[string]any{"name": "Spring", "starts_at": "2026-01-01T00:00:00Z"}, &open)

		// Edit the prerequisite: a second module makes the learner's status started.
		var full fullTree
		admin.Must(200, "GET", "/api/v1/trainings/"+pre.ID, nil, &full)
		full.Modules = append(full.Modules, fullModule{Title: "More", MaxAttempts: 1, Activities: []fullActivity{{Title: "Read", Kind: "content"}}})
		admin.Must(200, "PUT", "/api/v1/trainings/"+pre.ID, full, nil)
		o.env.Store.Now = skillpath.FixedClock(webNow.AddDate(1, 1, 0)) // the certificate has expired

		type entry struct {
			ID            string  `json:"id"`
			Action        string  `json:"action"`
			EnrollmentID  *string `json:"enrollment_id"`
			Sessions      []ids   `json:"sessions"`
			Prerequisites []struct {
				Passed bool `json:"passed"`
			} `json:"prerequisites"`
		}
		var c struct {
			Trainings []entry `json:"trainings"`
		}
		api.Must(200, "GET", "/api/v1/catalog", nil, &c)
		for _, e := range c.Trainings {
			switch e.ID {
			case pre.ID:
				if e.Action != "enroll" || e.EnrollmentID == nil || *e.EnrollmentID != enr.ID || len(e.Sessions) != 1 || e.Sessions[0].ID != open.ID {
					t.Errorf("catalog entry of the expired training: %+v", e)
				}
			case main.ID:
				if len(e.Prerequisites) != 1 || !e.Prerequisites[0].Passed {
					t.Errorf("the prerequisite passed once is no longer passed: %+v", e)
				}
			}
		}
		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		p := learner.get("/learn")
		for _, want := range []string{`<option value="` + open.ID + `">Spring`, `href="/learn/enrollments/` + enr.ID + `">Open it</a>`, `Ladders</a> <span class="muted">(passed)</span>`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("/learn lacks %q", want)
			}
		}
		if r := learner.post("/learn", "/learn/enroll", url.Values{"session_id": {open.ID}}); r.Status != 303 {
			t.Fatalf("enrolling again from /learn: %d %s", r.Status, r.Body)
		}
	})
}

// TestCertificatePatchTypes is review fix 6: a PATCH member of the wrong
// type is refused naming the member and the type wanted, as POST does,
// and null is refused for the members that cannot be unset.
func TestCertificatePatchTypes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		c := w.certificate(map[string]any{"validity_months": 12})
		for _, tc := range []struct {
			body, field, says string
		}{
			{`{"reenroll_days_before":"30"}`, "reenroll_days_before", "whole number"},
			{`{"validity_months":true}`, "validity_months", "whole number"},
			{`{"fixed_day":1e2}`, "fixed_day", "whole number"},
			{`{"reenroll_days_before":30.0}`, "reenroll_days_before", "whole number"},
			{`{"reminder_days":[1,"x"]}`, "reminder_days[1]", "whole number"},
			{`{"title":null}`, "title", "null"},
			{`{"owner_group_id":null}`, "owner_group_id", "null"},
			{`{"expiry_base":null}`, "expiry_base", "null"},
			{`{"title":7}`, "title", "string"},
		} {
			r := w.e.Admin.Send("PATCH", "/api/v1/certificates/"+c, "application/json", []byte(tc.body))
			e := r.Err()
			if r.Status != 400 || e.Field != tc.field || !strings.Contains(e.Message, tc.says) || strings.Contains(e.Message, "object") {
				t.Errorf("PATCH %s: %d %+v, want 400 naming %s saying %q", tc.body, r.Status, e, tc.field, tc.says)
			}
		}
		var got struct {
			Title          string `json:"title"`
			ValidityMonths int    `json:"validity_months"`
		}
		w.e.Admin.Must(200, "GET", "/api/v1/certificates/"+c, nil, &got)
		if got.Title != "Licence" || got.ValidityMonths != 12 {
			t.Errorf("a refused PATCH changed the certificate: %+v", got)
		}
		w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c, map[string]any{"validity_months": nil, "reenroll_days_before": nil}, nil)
		// the sibling: PATCH /api/v1/users/{id} refuses null rather than ignoring it
		for _, member := range []string{"name", "group_ids", "platform_admin"} {
			r := w.e.Admin.Do("PATCH", "/api/v1/users/"+w.learners[0], map[string]any{member: nil})
			if e := r.Err(); r.Status != 400 || e.Field != member {
				t.Errorf("PATCH a user with %s null: %d %s", member, r.Status, r.Body)
			}
		}
		w.e.Admin.Must(200, "PATCH", "/api/v1/users/"+w.learners[0], map[string]any{"name": "Renamed"}, nil)
		// review fix 11: a lead only on a certificate that expires
		if e := w.e.Admin.Do("PATCH", "/api/v1/certificates/"+c, map[string]any{"reenroll_days_before": 10}).Err(); e.Field != "reenroll_days_before" {
			t.Errorf("a lead on a certificate that never expires: %+v", e)
		}
		body := map[string]any{"title": "Forever", "owner_group_id": w.group, "reenroll_days_before": 10}
		if r := w.e.Admin.Do("POST", "/api/v1/certificates", body); r.Status != 400 || r.Err().Field != "reenroll_days_before" {
			t.Errorf("POST a lead with no validity: %d %s", r.Status, r.Body)
		}
	})
}

// TestArchivePreviewCountsOnlyEndedReenrollments is review fix 7: a
// learner who renewed in another automatic session is re-enrolled there,
// so archiving the first does not end their re-enrollment.
func TestArchivePreviewCountsOnlyEndedReenrollments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 2)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		first, second := w.session(tr.ID, true), w.session(tr.ID, true)
		for _, u := range w.learners {
			w.pass(tr, w.enroll(first, u), u)
		}
		w.setNow("2026-06-10T09:00:00Z")
		w.pass(tr, w.enroll(second, w.learners[0]), w.learners[0]) // learner 0 renews in the second session
		var preview struct {
			ReenrollmentsEnded int `json:"reenrollments_ended"`
		}
		w.e.Admin.Must(200, "POST", "/api/v1/sessions/"+first+"/archive?dry_run=true", nil, &preview)
		if preview.ReenrollmentsEnded != 1 {
			t.Fatalf("reenrollments_ended %d, want 1 (learner 0 renewed in another automatic session)", preview.ReenrollmentsEnded)
		}
		w.e.Admin.Must(200, "POST", "/api/v1/sessions/"+first+"/archive", nil, nil)
		w.setNow("2027-06-01T09:00:00Z")
		if n := w.sweep(); n != 1 {
			t.Fatalf("after archiving, the sweep re-enrolled %d, want 1 (learner 0, in the second session)", n)
		}
	})
}

// TestHandAwardPDF is review fix 8: the PDF of a certificate granted by
// hand says an administrator certified the learner, not "for passing".
func TestHandAwardPDF(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 2)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("Forklift safety", c)
		s := w.session(tr.ID, false)
		var a struct {
			EnrollmentID string `json:"enrollment_id"`
		}
		w.e.Admin.Must(201, "POST", "/api/v1/certificates/"+c+"/awards", map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "Certified elsewhere"}, &a)
		passed := w.enroll(s, w.learners[1])
		w.pass(tr, passed, w.learners[1])
		for _, tc := range []struct {
			enrollment, want, not string
		}{
			{a.EnrollmentID, "certified by an administrator", "passing"},
			{passed, "for passing Forklift safety", "administrator"},
		} {
			r := w.e.Admin.Get("/api/v1/enrollments/" + tc.enrollment + "/certificate.pdf")
			if r.Status != 200 {
				t.Fatalf("PDF of enrollment %s: %d %s", tc.enrollment, r.Status, r.Body)
			}
			text := strings.Join(strings.Fields(pdftest.Text(t, r.Body)), " ")
			if !strings.Contains(text, tc.want) || strings.Contains(text, tc.not) {
				t.Errorf("PDF of enrollment %s: want %q and no %q:\n%s", tc.enrollment, tc.want, tc.not, text)
			}
		}
	})
}

// TestCertifyAfterRevoking is review fix 9: certifying again in an
// enrollment whose certificate was revoked says so truly (409, revoked),
// and certifying in another session of the path works.
func TestCertifyAfterRevoking(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s, other := w.session(tr.ID, false), w.session(tr.ID, false)
		body := map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "Certified elsewhere"}
		var a struct{ ID string }
		w.e.Admin.Must(201, "POST", "/api/v1/certificates/"+c+"/awards", body, &a)
		if r := w.e.Admin.Do("POST", "/api/v1/certificates/"+c+"/awards", body); r.Status != 409 || !strings.Contains(r.Err().Message, "already holds") {
			t.Errorf("certifying twice: %d %s", r.Status, r.Body)
		}
		var fresh map[string]any
		w.e.Admin.Must(200, "GET", "/api/v1/awards/"+a.ID, nil, &fresh)
		for _, k := range []string{"extend_reason", "revoke_reason"} { // review fix 11: always there, null when unset
			if v, ok := fresh[k]; !ok || v != nil {
				t.Errorf("award JSON %s: %v (present %v), want null", k, v, ok)
			}
		}
		w.e.Admin.Must(200, "POST", "/api/v1/awards/"+a.ID+"/revoke", map[string]any{"reason": "Error"}, &fresh)
		if fresh["revoke_reason"] != "Error" || fresh["reason"] != "Certified elsewhere" {
			t.Errorf("revoked award JSON: %v", fresh)
		}
		r := w.e.Admin.Do("POST", "/api/v1/certificates/"+c+"/awards", body)
		if msg := r.Err().Message; r.Status != 409 || strings.Contains(msg, "already holds") || !strings.Contains(msg, "revoked on 2026-01-10") || !strings.Contains(msg, "another session") {
			t.Errorf("certifying after revoking: %d %s", r.Status, r.Body)
		}
		body["session_id"] = other
		w.e.Admin.Must(201, "POST", "/api/v1/certificates/"+c+"/awards", body, nil)
		w.checkStored()
	})
}

// TestAttachmentNames is review fix 10: an attachment's name is a plain
// file name — no control or bidirectional formatting characters, not dots
// alone — and the 413 of an oversized file names its field.
func TestAttachmentNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		base := "/api/v1/trainings/" + o.training.ID + "/attachments"
		for _, name := range []string{"gpj\u202Eexe.png", ".", "..", " . ", "a\tb.png", "a\u0007.png", "x\u200Fy.png", "a/b.png"} {
			r := o.env.Admin.Do("POST", base+"?name="+url.QueryEscape(name), pngBytes)
			if e := r.Err(); r.Status != 400 || e.Field != "name" {
				t.Errorf("name %q: %d %s, want 400 naming name", name, r.Status, r.Body)
			}
		}
		r := o.env.Admin.Do("POST", base, append([]byte("%PDF-1.4\n"), make([]byte, 5<<20)...))
		if e := r.Err(); r.Status != 413 || e.Field != "body" {
			t.Errorf("oversized attachment: %d %s, want 413 naming body", r.Status, r.Body)
		}
		o.env.Admin.Must(201, "POST", base+"?name="+url.QueryEscape("Schéma v2.png"), pngBytes, nil)
	})
}

// TestBuyFirstNamesCurrency is review fix 11: the refusal to enroll in a
// paid training not bought names the price with its currency.
func TestBuyFirstNamesCurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		var tr ids
		w.e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Paid", "price": 0.5,
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &tr)
		s := w.session(tr.ID, false)
		r := w.e.As(idOf(t, w.learners[0])).Do("POST", "/api/v1/sessions/"+s+"/enrollments", map[string]any{})
		if r.Status != 422 || !strings.Contains(r.Err().Message, "costs 0.50 EUR: buy it") {
			t.Errorf("enrolling unbought: %d %s", r.Status, r.Body)
		}
	})
}
