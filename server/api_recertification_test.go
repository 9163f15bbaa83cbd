package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// recert is a small organisation for the recertification tests of issue
// 13: a group, learners, and helpers that build certificates, paths and
// sessions through the API and move the business clock.
type recert struct {
	t        *testing.T
	e        *apitest.Env
	group    string
	learners []string
}

func newRecert(t *testing.T, dialect string, now string, learners int) *recert {
	w := &recert{t: t, e: apitest.Start(t, dialect, at(t, now))}
	var g ids
	w.e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Crew"}, &g)
	w.group = g.ID
	for i := range learners {
		var u ids
		w.e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": string(rune('a'+i)) + "@example.com",
			"name": "Learner " + string(rune('A'+i)), "group_ids": []string{g.ID}}, &u)
		w.learners = append(w.learners, u.ID)
	}
	return w
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (w *recert) setNow(s string) { w.e.Store.Now = skillpath.FixedClock(at(w.t, s)) }

func (w *recert) certificate(fields map[string]any) string {
	body := map[string]any{"title": "Licence", "owner_group_id": w.group}
	for k, v := range fields {
		body[k] = v
	}
	var c ids
	w.e.Admin.Must(201, "POST", "/api/v1/certificates", body, &c)
	return c.ID
}

// path creates a training of one content page granting certificates.
func (w *recert) path(title string, certificates ...string) apitest.Tree {
	var tr apitest.Tree
	w.e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": title, "certificate_ids": certificates,
		"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &tr)
	return tr
}

func (w *recert) session(training string, auto bool) string {
	var s ids
	w.e.Admin.Must(201, "POST", "/api/v1/trainings/"+training+"/sessions", map[string]any{"name": "S", "starts_at": "2020-01-01T00:00:00Z", "auto_reenroll": auto}, &s)
	return s.ID
}

func (w *recert) enroll(session, user string) string {
	var r result
	w.e.Admin.Must(201, "POST", "/api/v1/sessions/"+session+"/enrollments", map[string]any{"user_id": user}, &r)
	return r.ID
}

// pass takes an enrollment in a path of one content page to passed.
func (w *recert) pass(tr apitest.Tree, enrollment, user string) {
	w.t.Helper()
	c := w.e.As(idOf(w.t, user))
	c.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/start", nil, nil)
	c.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/activities/"+tr.Modules[0].Activities[0].ID+"/view", nil, nil)
}

func (w *recert) result(enrollment string) result {
	var r result
	w.e.Admin.Must(200, "GET", "/api/v1/enrollments/"+enrollment, nil, &r)
	return r
}

func (w *recert) sweep() int {
	w.t.Helper()
	n, err := w.e.Store.Reenroll(context.Background(), store.DefaultReenrollLead)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

type historyRow struct {
	EnrollmentID        string  `json:"enrollment_id"`
	CertificationStatus string  `json:"certification_status"`
	DeliveredAt         *string `json:"delivered_at"`
	ExpiresAt           *string `json:"expires_at"`
	PathStatus          string  `json:"path_status"`
	AutoReenrolled      bool    `json:"auto_reenrolled"`
	AwardID             *string `json:"award_id"`
	AwardedBy           *string `json:"awarded_by"`
	Reason              string  `json:"reason"`
	ExtendedAt          *string `json:"extended_at"`
	RevokedAt           *string `json:"revoked_at"`
}

func (w *recert) history(certificate, user string) []historyRow {
	w.t.Helper()
	var h struct {
		Rows []historyRow `json:"rows"`
	}
	w.e.Admin.Must(200, "GET", "/api/v1/stats/certificates/"+certificate+"/learners/"+user+"/history", nil, &h)
	return h.Rows
}

// checkStored proves stored statuses, expirations and links against the
// rules (what skillpath recompute --check runs).
func (w *recert) checkStored() {
	w.t.Helper()
	ctx := context.Background()
	if m, err := w.e.Store.CheckStatuses(ctx); err != nil || len(m) > 0 {
		w.t.Fatalf("stored statuses differ from the facts: %+v %v", m, err)
	}
	if m, err := w.e.Store.CheckAwards(ctx); err != nil || len(m) > 0 {
		w.t.Fatalf("stored expirations differ from the rules: %+v %v", m, err)
	}
	if m, err := w.e.Store.CheckCertificateLearners(ctx); err != nil || len(m) > 0 {
		w.t.Fatalf("certificate_learners differs from the facts: %+v %v", m, err)
	}
}

// TestPassCountsForEver is fault 1 of issue 13: a prerequisite's pass
// keeps counting after an edit of its training changes the learner's
// status there, for the dependent enrollment and for an automatic
// re-enrollment in the dependent path alike (SPEC §9).
func TestPassCountsForEver(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		admin, learner := w.e.Admin, w.e.As(idOf(t, w.learners[0]))
		certA, certB := w.certificate(map[string]any{"validity_months": 12}), w.certificate(map[string]any{"validity_months": 12})
		var a apitest.Tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "A", "certificate_ids": []string{certA}, "modules": []any{
			map[string]any{"title": "Q", "min_score": 50, "activities": []any{
				map[string]any{"title": "One", "kind": "choice", "choices": []string{"x", "y"}, "correct": "x"},
				map[string]any{"title": "Two", "kind": "choice", "choices": []string{"x", "y"}, "correct": "x"},
			}}}}, &a)
		var b apitest.Tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "B", "prerequisite_ids": []string{a.ID}, "certificate_ids": []string{certB},
			"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Page", "kind": "content"}}}}}, &b)
		ea := w.enroll(w.session(a.ID, false), w.learners[0])
		learner.Must(200, "POST", "/api/v1/enrollments/"+ea+"/start", nil, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+ea+"/activities/"+a.Modules[0].Activities[0].ID+"/answer", map[string]any{"response": "x"}, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+ea+"/activities/"+a.Modules[0].Activities[1].ID+"/answer", map[string]any{"response": "y"}, nil)
		if r := w.result(ea); r.Status != "passed" {
			t.Fatalf("A at 50%%: %s", r.Status)
		}
		sb := w.session(b.ID, true)
		eb := w.enroll(sb, w.learners[0])
		if r := w.result(eb); r.Status != "not_started" {
			t.Fatalf("B once A is passed: %s", r.Status)
		}

		// Raising A's minimum fails the learner there; B still counts the pass.
		tr := fullTree{}
		admin.Must(200, "GET", "/api/v1/trainings/"+a.ID, nil, &tr)
		tr.Modules[0].MinScore = ptr(80.0)
		admin.Must(200, "PUT", "/api/v1/trainings/"+a.ID, tr, nil)
		if r := w.result(ea); r.Status != "failed" || r.Certificate == nil || r.Certificate.DeliveredAt == nil {
			t.Fatalf("A after raising min_score: %s %+v (the certificate stays)", r.Status, r.Certificate)
		}
		if r := w.result(eb); r.Status != "not_started" {
			t.Fatalf("B after A's edit: %s, want not_started", r.Status)
		}
		// Appending a content module makes A started; B still counts it.
		admin.Must(200, "GET", "/api/v1/trainings/"+a.ID, nil, &tr)
		tr.Modules = append(tr.Modules, fullModule{Title: "More", MaxAttempts: 1, Activities: []fullActivity{{Title: "Read", Kind: "content"}}})
		admin.Must(200, "PUT", "/api/v1/trainings/"+a.ID, tr, nil)
		if r := w.result(ea); r.Status != "started" {
			t.Fatalf("A after appending a module: %s", r.Status)
		}
		w.pass(b, eb, w.learners[0]) // starting B is allowed
		w.checkStored()

		// The automatic re-enrollment in B, a year on, is not held back either.
		w.setNow("2026-12-20T09:00:00Z")
		if n := w.sweep(); n != 1 {
			t.Fatalf("sweep enrolled %d, want 1", n)
		}
		h := w.history(certB, w.learners[0])
		if len(h) != 2 || !h[1].AutoReenrolled || h[1].PathStatus != "not_started" {
			t.Fatalf("B's history after the re-enrollment: %+v", h)
		}
		w.checkStored()
	})
}

// TestReenrollmentFollowsNewestCertificate is fault 2: a learner who
// renewed elsewhere is not re-enrolled when the older certificate nears
// its expiry, but when the newest does (SPEC §9).
func TestReenrollmentFollowsNewestCertificate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s, s2 := w.session(tr.ID, true), w.session(tr.ID, false)
		w.pass(tr, w.enroll(s, w.learners[0]), w.learners[0]) // expires 2027-01-10
		w.setNow("2026-07-10T09:00:00Z")
		w.pass(tr, w.enroll(s2, w.learners[0]), w.learners[0]) // expires 2027-07-10
		for _, step := range []struct {
			now  string
			want int
		}{
			{"2026-12-20T09:00:00Z", 0}, // S's certificate within 30 days: renewed already
			{"2027-01-11T09:00:00Z", 0}, // S's certificate expired: still renewed
			{"2027-06-11T09:00:00Z", 1}, // the newest is within 30 days: back to S, the automatic session
			{"2027-06-12T09:00:00Z", 0},
		} {
			w.setNow(step.now)
			if n := w.sweep(); n != step.want {
				t.Fatalf("sweep at %s enrolled %d, want %d", step.now, n, step.want)
			}
		}
		w.checkStored()
	})
}

// TestEnrollAgainAfterDeletingReenrollment is fault 3: after deleting an
// automatic re-enrollment, the sweep leaves the learner alone (the admin's
// choice) and the admin can enroll them in the session again.
func TestEnrollAgainAfterDeletingReenrollment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s := w.session(tr.ID, true)
		first := w.enroll(s, w.learners[0])
		// enrolled and not through: a second enrollment is refused
		w.e.Admin.Must(409, "POST", "/api/v1/sessions/"+s+"/enrollments", map[string]any{"user_id": w.learners[0]}, nil)
		w.pass(tr, first, w.learners[0])
		w.setNow("2027-01-11T09:00:00Z")
		if n := w.sweep(); n != 1 {
			t.Fatalf("sweep: %d", n)
		}
		h := w.history(c, w.learners[0])
		auto := h[len(h)-1]
		// open automatic re-enrollment: the admin cannot add another
		w.e.Admin.Must(409, "POST", "/api/v1/sessions/"+s+"/enrollments", map[string]any{"user_id": w.learners[0]}, nil)
		w.e.Admin.Must(204, "DELETE", "/api/v1/enrollments/"+auto.EnrollmentID, nil, nil)
		if n := w.sweep(); n != 0 {
			t.Fatalf("the sweep re-enrolled %d after the admin deleted the re-enrollment", n)
		}
		again := w.enroll(s, w.learners[0])
		if r := w.result(again); r.Status != "not_started" || r.AutoReenrolled {
			t.Fatalf("enrolled again: %+v", r)
		}
		// the learner cannot enroll themself twice
		w.e.As(idOf(t, w.learners[0])).Must(409, "POST", "/api/v1/sessions/"+s+"/enrollments", map[string]any{}, nil)
		w.pass(tr, again, w.learners[0])
		if h := w.history(c, w.learners[0]); len(h) != 2 || h[1].CertificationStatus != "valid" {
			t.Fatalf("history: %+v", h)
		}
		w.checkStored()
	})
}

// TestLeadShorterThanValidity is fault 4: reenroll_days_before must be
// shorter than the validity (28 days a month), on create and on change,
// and a one-month certificate with the default lead is not renewed the
// moment it is delivered.
func TestLeadShorterThanValidity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		for _, bad := range []map[string]any{
			{"validity_months": 1, "reenroll_days_before": 30},
			{"validity_months": 1, "reenroll_days_before": 28},
			{"validity_months": 12, "reenroll_days_before": -1},
		} {
			body := map[string]any{"title": "Bad", "owner_group_id": w.group}
			for k, v := range bad {
				body[k] = v
			}
			if e := w.e.Admin.Do("POST", "/api/v1/certificates", body).Err(); e.Field != "reenroll_days_before" {
				t.Errorf("%v: error %+v, want one naming reenroll_days_before", bad, e)
			}
		}
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"expiry_base": "fixed", "validity_months": 12}, "fixed_month"},
			{map[string]any{"expiry_base": "fixed", "validity_months": 12, "fixed_month": 2, "fixed_day": 30}, "fixed_day"},
			{map[string]any{"expiry_base": "fixed", "fixed_month": 2, "fixed_day": 29}, "expiry_base"},
			{map[string]any{"expiry_base": "someday"}, "expiry_base"},
			{map[string]any{"fixed_month": 3}, "fixed_month"},
		} {
			body := map[string]any{"title": "Bad", "owner_group_id": w.group}
			for k, v := range bad.body {
				body[k] = v
			}
			if e := w.e.Admin.Do("POST", "/api/v1/certificates", body).Err(); e.Field != bad.field {
				t.Errorf("%v: error %+v, want one naming %s", bad.body, e, bad.field)
			}
		}
		c := w.certificate(map[string]any{"validity_months": 1, "reenroll_days_before": 27})
		// shortening the validity below the lead is refused too, and changes nothing
		if e := w.e.Admin.Do("PATCH", "/api/v1/certificates/"+c, map[string]any{"reenroll_days_before": 40}).Err(); e.Field != "reenroll_days_before" {
			t.Errorf("PATCH a lead of 40 days on one month: %+v", e)
		}
		var got map[string]any
		w.e.Admin.Must(200, "GET", "/api/v1/certificates/"+c, nil, &got)
		if got["reenroll_days_before"] != float64(27) || got["expiry_base"] != "delivery" {
			t.Errorf("the certificate after a refused change: %v", got)
		}

		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"validity_months": "x"}, "validity_months"},
			{map[string]any{"reenroll_days_before": 1.5}, "reenroll_days_before"},
			{map[string]any{"validity": 3}, "validity"},
			{map[string]any{"title": ""}, "title"},
		} {
			if e := w.e.Admin.Do("PATCH", "/api/v1/certificates/"+c, bad.body).Err(); e.Field != bad.field {
				t.Errorf("PATCH %v: %+v, want an error naming %s", bad.body, e, bad.field)
			}
		}
		// null clears a rule: back to the default lead
		w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c, map[string]any{"reenroll_days_before": nil}, nil)
		w.e.Admin.Must(200, "GET", "/api/v1/certificates/"+c, nil, &got)
		if got["reenroll_days_before"] != nil || got["validity_months"] != float64(1) {
			t.Errorf("after clearing the lead: %v", got)
		}

		// The default lead (30 days) on a one-month certificate is 14 days.
		d := w.certificate(map[string]any{"validity_months": 1})
		tr := w.path("T", d)
		w.pass(tr, w.enroll(w.session(tr.ID, true), w.learners[0]), w.learners[0]) // expires 2026-02-10 09:00
		for _, step := range []struct {
			now  string
			want int
		}{
			{"2026-01-10T09:00:00Z", 0},
			{"2026-01-27T08:59:59Z", 0},
			{"2026-01-27T09:00:00Z", 1},
		} {
			w.setNow(step.now)
			if n := w.sweep(); n != step.want {
				t.Fatalf("sweep at %s: %d, want %d", step.now, n, step.want)
			}
		}
	})
}

// TestDeletedLearnerLeavesGrading is fault 5: a deleted learner's answer
// leaves the grading queue, cannot be scored, and delivers nothing.
func TestDeletedLearnerLeavesGrading(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		c := w.certificate(map[string]any{"validity_months": 12})
		var tr apitest.Tree
		w.e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Essay", "certificate_ids": []string{c}, "modules": []any{
			map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Why", "kind": "text", "points": 10, "manual_scoring": true}}}}}, &tr)
		e := w.enroll(w.session(tr.ID, false), w.learners[0])
		learner := w.e.As(idOf(t, w.learners[0]))
		learner.Must(200, "POST", "/api/v1/enrollments/"+e+"/start", nil, nil)
		essay := tr.Modules[0].Activities[0].ID
		learner.Must(200, "POST", "/api/v1/enrollments/"+e+"/activities/"+essay+"/answer", map[string]any{"response": "Because."}, nil)
		admin := &skillpath.User{ID: 1, PlatformAdmin: true}
		queue, err := w.e.Store.Grading(context.Background(), admin)
		if err != nil || len(queue) != 1 {
			t.Fatalf("grading queue before the deletion: %+v %v", queue, err)
		}
		w.setNow("2026-02-01T09:00:00Z")
		w.e.Admin.Must(204, "DELETE", "/api/v1/users/"+w.learners[0], nil, nil)
		if queue, err := w.e.Store.Grading(context.Background(), admin); err != nil || len(queue) != 0 {
			t.Fatalf("grading queue after the deletion: %+v %v", queue, err)
		}
		w.e.Admin.Must(404, "POST", "/api/v1/enrollments/"+e+"/activities/"+essay+"/score", map[string]any{"score": 10}, nil)
		if r := w.result(e); r.Certificate != nil && r.Certificate.DeliveredAt != nil {
			t.Fatalf("a certificate was delivered to the deleted learner: %+v", r.Certificate)
		}
	})
}

// TestArchivingSaysWhoStopsBeingReenrolled is fault 6: archiving an
// automatic session answers how many certified learners it will no longer
// re-enroll, and the dry run says so before, archiving nothing.
func TestArchivingSaysWhoStopsBeingReenrolled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 3)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s := w.session(tr.ID, true)
		for i, u := range w.learners {
			e := w.enroll(s, u)
			if i < 2 {
				w.pass(tr, e, u)
			}
		}
		var preview struct {
			DryRun             bool    `json:"dry_run"`
			ReenrollmentsEnded int     `json:"reenrollments_ended"`
			ArchivedAt         *string `json:"archived_at"`
		}
		w.e.Admin.Must(200, "POST", "/api/v1/sessions/"+s+"/archive?dry_run=true", nil, &preview)
		if !preview.DryRun || preview.ReenrollmentsEnded != 2 || preview.ArchivedAt != nil {
			t.Fatalf("dry run: %+v", preview)
		}
		w.e.Admin.Must(200, "POST", "/api/v1/sessions/"+s+"/archive", nil, &preview)
		if preview.DryRun || preview.ReenrollmentsEnded != 2 || preview.ArchivedAt == nil {
			t.Fatalf("archive: %+v", preview)
		}
		w.setNow("2027-01-01T09:00:00Z")
		if n := w.sweep(); n != 0 {
			t.Fatalf("an archived session re-enrolled %d", n)
		}
		w.e.Admin.Must(409, "POST", "/api/v1/sessions/"+s+"/archive?dry_run=true", nil, nil)
	})
}

// TestTwoValiditiesInOnePath is fault 7: a path granting a one-month and a
// twelve-month certificate. The first expiry re-enrolls the learner (to
// renew that certificate) while the first enrollment stays passed — the
// other certificate still holds — and each certificate's history tells
// its own status; renewing delivers both again, and previous_expiry keeps
// the long one's remaining time.
func TestTwoValiditiesInOnePath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		short := w.certificate(map[string]any{"validity_months": 1, "reenroll_days_before": 7})
		long := w.certificate(map[string]any{"validity_months": 12, "expiry_base": "previous_expiry"})
		tr := w.path("T", short, long)
		first := w.enroll(w.session(tr.ID, true), w.learners[0])
		w.pass(tr, first, w.learners[0])
		w.setNow("2026-02-03T09:00:00Z") // 7 days before the short one expires
		if n := w.sweep(); n != 1 {
			t.Fatalf("sweep: %d", n)
		}
		if r := w.result(first); r.Status != "passed" {
			t.Fatalf("the first enrollment once the short certificate is due: %s", r.Status)
		}
		w.setNow("2026-02-11T09:00:00Z")
		if r := w.result(first); r.Status != "passed" {
			t.Fatalf("the first enrollment once the short certificate expired: %s (the long one holds)", r.Status)
		}
		hs, hl := w.history(short, w.learners[0]), w.history(long, w.learners[0])
		if len(hs) != 2 || hs[0].CertificationStatus != "expired" || hs[0].PathStatus != "passed" || !hs[1].AutoReenrolled {
			t.Fatalf("history of the short certificate: %+v", hs)
		}
		if len(hl) != 2 || hl[0].CertificationStatus != "valid" || hl[1].CertificationStatus != "not_obtained" {
			t.Fatalf("history of the long certificate: %+v", hl)
		}
		w.pass(tr, hs[1].EnrollmentID, w.learners[0])
		hl = w.history(long, w.learners[0])
		if hl[1].ExpiresAt == nil || *hl[1].ExpiresAt != "2028-01-10T09:00:00Z" {
			t.Fatalf("the long certificate renewed early extends from its expiry: %+v", hl[1])
		}
		if n := w.sweep(); n != 0 {
			t.Fatalf("sweep after renewing: %d", n)
		}
		w.checkStored()
	})
}

type award struct {
	ID           string  `json:"id"`
	EnrollmentID string  `json:"enrollment_id"`
	ExpiresAt    *string `json:"expires_at"`
	AwardedBy    *string `json:"awarded_by"`
	Reason       string  `json:"reason"`
	ExtendedAt   *string `json:"extended_at"`
	ExtendedBy   *string `json:"extended_by"`
	RevokedAt    *string `json:"revoked_at"`
	RevokedBy    *string `json:"revoked_by"`
}

// TestManualCertificateActions: an admin certifies a learner without a
// pass, extends one certificate and revokes another; each is recorded
// with who and when, shown in the history, and audited; a revoked
// certificate counts nowhere and its verification code is unknown.
func TestManualCertificateActions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 2)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		other := w.path("Other")
		s := w.session(tr.ID, false)
		admin := w.e.Admin
		base := "/api/v1/certificates/" + c + "/awards"
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"user_id": w.learners[0], "session_id": s}, "reason"},
			{map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "  "}, "reason"},
			{map[string]any{"session_id": s, "reason": "R"}, "user_id"},
			{map[string]any{"user_id": w.learners[0], "reason": "R"}, "session_id"},
			{map[string]any{"user_id": w.learners[0], "session_id": w.session(other.ID, false), "reason": "R"}, "session_id"},
		} {
			if e := admin.Do("POST", base, bad.body).Err(); e.Field != bad.field {
				t.Errorf("certify %v: %+v, want an error naming %s", bad.body, e, bad.field)
			}
		}
		var manual award
		admin.Must(201, "POST", base, map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "Certified by the previous employer"}, &manual)
		if manual.AwardedBy == nil || manual.Reason != "Certified by the previous employer" || manual.ExpiresAt == nil || *manual.ExpiresAt != "2027-01-10T09:00:00Z" {
			t.Fatalf("manual certification: %+v", manual)
		}
		admin.Must(409, "POST", base, map[string]any{"user_id": w.learners[0], "session_id": s, "reason": "Twice"}, nil)
		h := w.history(c, w.learners[0])
		if len(h) != 1 || h[0].CertificationStatus != "valid" || h[0].AwardedBy == nil || h[0].Reason == "" || h[0].PathStatus != "not_started" {
			t.Fatalf("history of the manual certification: %+v", h)
		}

		// Extend: later than the current expiry only, with a reason.
		ext := "/api/v1/awards/" + manual.ID + "/extend"
		if e := admin.Do("POST", ext, map[string]any{"expires_at": "2026-12-01", "reason": "R"}).Err(); e.Field != "expires_at" {
			t.Errorf("an earlier expiry: %+v", e)
		}
		if e := admin.Do("POST", ext, map[string]any{"expires_at": "2027-06-01"}).Err(); e.Field != "reason" {
			t.Errorf("no reason: %+v", e)
		}
		var extended award
		admin.Must(200, "POST", ext, map[string]any{"expires_at": "2027-06-01T00:00:00Z", "reason": "Audit postponed"}, &extended)
		if extended.ExtendedAt == nil || extended.ExtendedBy == nil || *extended.ExpiresAt != "2027-06-01T00:00:00Z" {
			t.Fatalf("extended: %+v", extended)
		}
		if h := w.history(c, w.learners[0]); h[0].ExtendedAt == nil || *h[0].ExpiresAt != "2027-06-01T00:00:00Z" {
			t.Fatalf("history after extending: %+v", h)
		}
		w.checkStored() // an expiry set by hand is kept as set

		// Revoke the other learner's certificate, delivered by a pass.
		e2 := w.enroll(s, w.learners[1])
		w.pass(tr, e2, w.learners[1])
		docs, err := w.e.Store.CertificateDocuments(context.Background(), idOf(t, e2))
		if err != nil || len(docs) != 1 {
			t.Fatal(docs, err)
		}
		w.e.Anonymous().Must(200, "GET", "/api/v1/verify/"+docs[0].Code, nil, nil)
		learnersOf := func() map[string]string {
			var l struct {
				Rows []struct {
					UserID       string `json:"user_id"`
					LatestStatus string `json:"latest_status"`
				} `json:"rows"`
			}
			admin.Must(200, "GET", "/api/v1/stats/certificates/"+c+"/learners", nil, &l)
			out := map[string]string{}
			for _, r := range l.Rows {
				out[r.UserID] = r.LatestStatus
			}
			return out
		}
		certified := func() float64 {
			var l struct {
				Rows []map[string]any `json:"rows"`
			}
			admin.Must(200, "GET", "/api/v1/stats/certificates", nil, &l)
			for _, r := range l.Rows {
				if r["id"] == c {
					return r["certified_learners"].(float64)
				}
			}
			return -1
		}
		if got := certified(); got != 2 {
			t.Fatalf("certified learners before revoking: %v", got)
		}
		h2 := w.history(c, w.learners[1])
		rev := "/api/v1/awards/" + *h2[0].AwardID + "/revoke"
		if e := admin.Do("POST", rev, map[string]any{}).Err(); e.Field != "reason" {
			t.Errorf("revoke without a reason: %+v", e)
		}
		var revoked award
		admin.Must(200, "POST", rev, map[string]any{"reason": "Issued in error"}, &revoked)
		if revoked.RevokedAt == nil || revoked.RevokedBy == nil {
			t.Fatalf("revoked: %+v", revoked)
		}
		admin.Must(409, "POST", rev, map[string]any{"reason": "Twice"}, nil)
		admin.Must(422, "POST", "/api/v1/awards/"+revoked.ID+"/extend", map[string]any{"expires_at": "2030-01-01", "reason": "R"}, nil)
		if got := certified(); got != 1 {
			t.Errorf("certified learners after revoking: %v, want 1", got)
		}
		if got := learnersOf()[w.learners[1]]; got != "not_obtained" {
			t.Errorf("the revoked learner's latest status: %q", got)
		}
		w.e.Anonymous().Must(404, "GET", "/api/v1/verify/"+docs[0].Code, nil, nil)
		if r := w.e.Anonymous().Get("/verify/" + docs[0].Code); r.Status != 404 {
			t.Errorf("verification page of a revoked certificate: %d", r.Status)
		}
		if h := w.history(c, w.learners[1]); len(h) != 1 || h[0].CertificationStatus != "revoked" || h[0].RevokedAt == nil || h[0].PathStatus != "passed" {
			t.Errorf("history keeps the revoked row, marked: %+v", h)
		}
		if r := w.result(e2); r.Certificate != nil && r.Certificate.DeliveredAt != nil {
			t.Errorf("the enrollment still shows the revoked certificate: %+v", r.Certificate)
		}
		w.checkStored()

		// Each action is in the audit log with who and when.
		var audit struct {
			Entries []struct {
				ActorID string `json:"actor_id"`
				Action  string `json:"action"`
				At      string `json:"at"`
			} `json:"entries"`
		}
		admin.Must(200, "GET", "/api/v1/audit", nil, &audit)
		seen := map[string]bool{}
		for _, r := range audit.Entries {
			seen[r.Action] = r.ActorID != "" && r.At != ""
		}
		for _, action := range []string{"POST /api/v1/certificates/{id}/awards", "POST /api/v1/awards/{id}/extend", "POST /api/v1/awards/{id}/revoke"} {
			if !seen[action] {
				t.Errorf("the audit log lacks %s: %+v", action, audit.Entries)
			}
		}
	})
}

// TestCertificateRulePreview: PATCH ?dry_run=true answers which learners'
// expirations and re-enrollments would change, changing nothing; the real
// run changes exactly that.
func TestCertificateRulePreview(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 3)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		auto, manual := w.session(tr.ID, true), w.session(tr.ID, false)
		w.pass(tr, w.enroll(auto, w.learners[0]), w.learners[0]) // expires 2027-01-10
		w.setNow("2026-06-10T09:00:00Z")
		w.pass(tr, w.enroll(manual, w.learners[1]), w.learners[1]) // expires 2027-06-10
		w.setNow("2026-12-01T09:00:00Z")
		// learner 0 renews early in the manual session: delivery base, 2027-12-01
		w.pass(tr, w.enroll(manual, w.learners[0]), w.learners[0])
		w.enroll(auto, w.learners[2]) // enrolled, no certificate
		w.setNow("2027-02-01T09:00:00Z")

		snapshot := func() string {
			var b strings.Builder
			for _, u := range w.learners {
				j, _ := json.Marshal(w.history(c, u))
				b.Write(j)
			}
			var cert json.RawMessage
			w.e.Admin.Must(200, "GET", "/api/v1/certificates/"+c, nil, &cert)
			b.Write(cert)
			return b.String()
		}
		before := snapshot()
		change := map[string]any{"expiry_base": "previous_expiry", "reenroll_days_before": 60}
		var preview, done struct {
			Certificate   map[string]any   `json:"certificate"`
			DryRun        bool             `json:"dry_run"`
			Expirations   []map[string]any `json:"expirations"`
			Reenrollments []map[string]any `json:"reenrollments"`
		}
		w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c+"?dry_run=true", change, &preview)
		if after := snapshot(); after != before {
			t.Fatalf("the dry run changed something:\nbefore %s\nafter  %s", before, after)
		}
		if !preview.DryRun || preview.Certificate["expiry_base"] != "previous_expiry" {
			t.Fatalf("preview: %+v", preview)
		}
		// learner 0's renewal now extends from the expiry it renewed early
		if len(preview.Expirations) != 1 || preview.Expirations[0]["user_id"] != w.learners[0] ||
			preview.Expirations[0]["expires_at"] != "2027-12-01T09:00:00Z" || preview.Expirations[0]["new_expires_at"] != "2028-01-10T09:00:00Z" {
			t.Fatalf("expirations of the preview: %+v", preview.Expirations)
		}
		// learner 0 is in the automatic session: re-enrolled 60 days before 2028-01-10 instead of 30 before 2027-12-01
		if len(preview.Reenrollments) != 1 || preview.Reenrollments[0]["user_id"] != w.learners[0] ||
			preview.Reenrollments[0]["reenroll_at"] != "2027-11-01T09:00:00Z" || preview.Reenrollments[0]["new_reenroll_at"] != "2027-11-11T09:00:00Z" {
			t.Fatalf("re-enrollments of the preview: %+v", preview.Reenrollments)
		}
		w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c, change, &done)
		done.DryRun = true
		if a, b := mustJSON(t, preview), mustJSON(t, done); a != b {
			t.Fatalf("the real run differs from its preview:\npreview %s\nrun     %s", a, b)
		}
		h := w.history(c, w.learners[0])
		if last := h[len(h)-1]; last.ExpiresAt == nil || *last.ExpiresAt != "2028-01-10T09:00:00Z" {
			t.Fatalf("stored after the change: %+v", h)
		}
		w.checkStored()
		// a second preview of the same rules changes nothing more
		w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c+"?dry_run=true", change, &preview)
		if len(preview.Expirations) != 0 || len(preview.Reenrollments) != 0 {
			t.Fatalf("preview after applying: %+v", preview)
		}
		// A pass after a change follows the new rules (the paths' cached trees hold them).
		w.e.Admin.Must(200, "PATCH", "/api/v1/certificates/"+c, map[string]any{"validity_months": 24}, nil)
		for _, h := range w.history(c, w.learners[2]) {
			w.pass(tr, h.EnrollmentID, w.learners[2])
		}
		third := w.history(c, w.learners[2])
		if len(third) != 1 || third[0].ExpiresAt == nil || *third[0].ExpiresAt != "2029-02-01T09:00:00Z" {
			t.Fatalf("a pass after the change: %+v", third)
		}
		w.checkStored()
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeliveryFollowsExpiryBase: a renewal delivered by a pass expires as
// its certificate's base says (SPEC §9), from the learner's previous
// certificate — the store end of status.Expires' table.
func TestDeliveryFollowsExpiryBase(t *testing.T) {
	cases := []struct {
		name                 string
		fields               map[string]any
		first, renew         string // passes
		firstWant, renewWant string // expiries
	}{
		{"delivery, renewed early", map[string]any{"validity_months": 12}, "2026-01-31T10:00:00Z", "2026-12-15T10:00:00Z",
			"2027-01-31T10:00:00Z", "2027-12-15T10:00:00Z"},
		{"previous_expiry, renewed early", map[string]any{"validity_months": 12, "expiry_base": "previous_expiry"}, "2026-01-31T10:00:00Z", "2026-12-15T10:00:00Z",
			"2027-01-31T10:00:00Z", "2028-01-31T10:00:00Z"},
		{"previous_expiry, renewed late", map[string]any{"validity_months": 1, "expiry_base": "previous_expiry"}, "2026-01-31T10:00:00Z", "2026-03-15T10:00:00Z",
			"2026-02-28T10:00:00Z", "2026-04-15T10:00:00Z"},
		{"fixed 29 February", map[string]any{"validity_months": 12, "expiry_base": "fixed", "fixed_month": 2, "fixed_day": 29}, "2026-01-31T10:00:00Z", "2026-12-15T10:00:00Z",
			"2027-02-28T00:00:00Z", "2028-02-29T00:00:00Z"},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			w := newRecert(t, dialect, tc.first, 1)
			c := w.certificate(tc.fields)
			tr := w.path("T", c)
			s := w.session(tr.ID, false)
			w.pass(tr, w.enroll(s, w.learners[0]), w.learners[0])
			w.setNow(tc.renew)
			w.pass(tr, w.enroll(s, w.learners[0]), w.learners[0])
			h := w.history(c, w.learners[0])
			if len(h) != 2 || *h[0].ExpiresAt != tc.firstWant || *h[1].ExpiresAt != tc.renewWant {
				t.Errorf("%s: %+v", tc.name, h)
			}
			w.checkStored()
		}
	})
}
