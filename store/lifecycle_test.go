package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/status"
	"skillpath/store"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// certWorld is a content-only training granting one certificate, with one
// learner enrolled in a session, on a store whose clock the test moves.
type certWorld struct {
	st         *store.Store
	url        string
	learner    skillpath.ID
	training   *skillpath.Training
	session    *skillpath.Session
	enrollment skillpath.ID
}

func newCertWorld(t *testing.T, dialect string, now time.Time, validity *int, autoReenroll bool) *certWorld {
	ctx := context.Background()
	w := &certWorld{url: testdb.URL(t, dialect)}
	w.open(t, now)
	g := &skillpath.Group{Name: "G"}
	must(t, w.st.CreateGroup(ctx, g))
	u := &skillpath.User{Email: "lee@example.com", Name: "Lee", GroupIDs: []skillpath.ID{g.ID}}
	must(t, w.st.CreateUser(ctx, u, ""))
	w.learner = u.ID
	c := &skillpath.Certificate{Title: "Licence", OwnerGroupID: g.ID, ValidityMonths: validity}
	must(t, w.st.CreateCertificate(ctx, c))
	w.training = &skillpath.Training{Title: "T", CertificateIDs: []skillpath.ID{c.ID}, Modules: []*skillpath.Module{
		{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Page", Kind: skillpath.KindContent}}}}}
	must(t, w.st.CreateTraining(ctx, w.training))
	w.session = &skillpath.Session{TrainingID: w.training.ID, Name: "S", StartsAt: now.Add(-time.Hour), AutoReenroll: autoReenroll}
	must(t, w.st.CreateSession(ctx, w.session))
	e, err := w.st.Enroll(ctx, w.session.ID, u.ID, u.ID, false)
	must(t, err)
	w.enrollment = e.ID
	return w
}

// open (re)opens the store on the same database, as a restarted process
// would, with the clock frozen at now.
func (w *certWorld) open(t *testing.T, now time.Time) {
	if w.st != nil {
		w.st.Close()
	}
	st, err := store.Open(context.Background(), w.url, testdb.Logger(t))
	must(t, err)
	st.Now = skillpath.FixedClock(now)
	t.Cleanup(func() { st.Close() })
	w.st = st
}

// pass takes the enrollment to passed at the store's time.
func (w *certWorld) pass(t *testing.T, enrollment skillpath.ID) {
	ctx := context.Background()
	must(t, w.st.Start(ctx, enrollment))
	must(t, w.st.View(ctx, enrollment, w.training.Modules[0].Activities[0].ID))
}

func (w *certWorld) result(t *testing.T, enrollment skillpath.ID) *skillpath.EnrollmentResult {
	r, err := w.st.Result(context.Background(), enrollment)
	must(t, err)
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeliveryClampsToMonthEnd: expiration = delivery + validity months,
// clamped to the month's last day (SPEC §2).
func TestDeliveryClampsToMonthEnd(t *testing.T) {
	cases := []struct {
		delivered string
		months    int
		expires   string
	}{
		{"2026-01-31T10:00:00Z", 1, "2026-02-28T10:00:00Z"},
		{"2028-01-31T10:00:00Z", 1, "2028-02-29T10:00:00Z"},
		{"2026-01-31T10:00:00Z", 13, "2027-02-28T10:00:00Z"},
		{"2026-03-31T10:00:00Z", 1, "2026-04-30T10:00:00Z"},
		{"2026-05-15T10:00:00Z", 12, "2027-05-15T10:00:00Z"},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			w := newCertWorld(t, dialect, at(tc.delivered), &tc.months, false)
			w.pass(t, w.enrollment)
			c := w.result(t, w.enrollment).Certificate
			if c == nil || c.DeliveredAt == nil || !c.DeliveredAt.Equal(at(tc.delivered)) || c.ExpiresAt == nil || !c.ExpiresAt.Equal(at(tc.expires)) {
				t.Errorf("%s + %d months: %+v, want expiry %s", tc.delivered, tc.months, c, tc.expires)
			}
		}
	})
}

// TestCertificateLifeAcrossRestarts: valid → expiring soon → expired as the
// clock moves, computed at read time by whichever process reads it.
func TestCertificateLifeAcrossRestarts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(2), false) // expires 2026-03-10T09:00Z
		w.pass(t, w.enrollment)
		steps := []struct {
			now      string
			cert     status.Certification
			training status.Training
		}{
			{"2026-01-10T09:00:00Z", status.CertificationValid, status.TrainingPassed},
			{"2026-02-08T08:59:59Z", status.CertificationValid, status.TrainingPassed},
			{"2026-02-08T09:00:00Z", status.CertificationExpiringSoon, status.TrainingPassed},
			{"2026-03-10T08:59:59Z", status.CertificationExpiringSoon, status.TrainingPassed},
			{"2026-03-10T09:00:00Z", status.CertificationExpired, status.TrainingExpired},
			{"2036-01-01T00:00:00Z", status.CertificationExpired, status.TrainingExpired},
		}
		for _, s := range steps {
			w.open(t, at(s.now))
			r := w.result(t, w.enrollment)
			if r.Certificate.Status != s.cert || r.Status != s.training {
				t.Errorf("at %s: certificate %s, training %s; want %s, %s", s.now, r.Certificate.Status, r.Status, s.cert, s.training)
			}
			list, err := w.st.UserEnrollments(context.Background(), w.learner)
			must(t, err)
			if len(list) != 1 || list[0].Status != s.training {
				t.Errorf("at %s: the learner's list says %+v, want %s", s.now, list, s.training)
			}
			mismatches, err := w.st.CheckStatuses(context.Background())
			must(t, err)
			if len(mismatches) > 0 {
				t.Errorf("at %s: stored statuses differ from the facts: %+v", s.now, mismatches)
			}
		}
	})
}

// TestCertificateWithoutValidity stays valid, and its training passed, ten
// years on.
func TestCertificateWithoutValidity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), nil, true)
		w.pass(t, w.enrollment)
		w.open(t, at("2036-01-10T09:00:00Z"))
		r := w.result(t, w.enrollment)
		if r.Certificate.Status != status.CertificationValid || r.Certificate.ExpiresAt != nil || r.Status != status.TrainingPassed {
			t.Errorf("ten years on: %s, %+v", r.Status, r.Certificate)
		}
		n, err := w.st.Reenroll(context.Background(), store.DefaultReenrollLead)
		must(t, err)
		if n != 0 {
			t.Errorf("a certificate that never expires caused %d re-enrollments", n)
		}
	})
}

// TestAutomaticReenrollment: one (not two) re-enrollment after two sweeps,
// within the lead time, in the same session, flagged automatic, with its
// own status; none for sessions without auto_reenroll.
func TestAutomaticReenrollment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(12), true) // expires 2027-01-10
		w.pass(t, w.enrollment)
		for _, s := range []struct {
			now  string
			want int
		}{
			{"2026-12-10T08:59:59Z", 0}, // 31 days before expiry
			{"2026-12-11T09:00:00Z", 1}, // within the 30-day lead
			{"2026-12-11T09:00:00Z", 0}, // the second sweep adds nothing
			{"2027-02-01T00:00:00Z", 0}, // nor after expiry
		} {
			w.open(t, at(s.now))
			n, err := w.st.Reenroll(ctx, store.DefaultReenrollLead)
			must(t, err)
			if n != s.want {
				t.Fatalf("sweep at %s enrolled %d, want %d", s.now, n, s.want)
			}
		}
		list, err := w.st.UserEnrollments(ctx, w.learner)
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("enrollments: %+v", list)
		}
		again, first := list[0], list[1]
		if !again.AutoReenrolled || again.SessionID != w.session.ID || again.Status != status.TrainingNotStarted || first.Status != status.TrainingExpired {
			t.Errorf("after re-enrollment: %+v", list)
		}
		// The new enrollment lives its own life: passing it delivers a new certificate.
		w.pass(t, again.ID)
		r := w.result(t, again.ID)
		if r.Status != status.TrainingPassed || r.Certificate.Status != status.CertificationValid || !r.AutoReenrolled {
			t.Errorf("the re-enrollment after passing: %s %+v", r.Status, r.Certificate)
		}
		// A later sweep near the second expiry re-enrolls from the newest enrollment only.
		w.open(t, at("2028-01-15T00:00:00Z"))
		n, err := w.st.Reenroll(ctx, store.DefaultReenrollLead)
		must(t, err)
		if n != 1 {
			t.Errorf("the second cycle enrolled %d, want 1", n)
		}
	})
}

// TestConcurrentSweeps: several processes sweeping one database at once
// enroll each learner once.
func TestConcurrentSweeps(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(1), true)
		w.pass(t, w.enrollment)
		var stores []*store.Store
		for range 4 {
			st, err := store.Open(context.Background(), w.url, testdb.Logger(t))
			must(t, err)
			st.Now = skillpath.FixedClock(at("2026-03-01T00:00:00Z"))
			t.Cleanup(func() { st.Close() })
			stores = append(stores, st)
		}
		var wg sync.WaitGroup
		counts := make([]int, len(stores))
		for i, st := range stores {
			wg.Go(func() {
				n, err := st.Reenroll(context.Background(), store.DefaultReenrollLead)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		total := 0
		for _, n := range counts {
			total += n
		}
		list, err := stores[0].UserEnrollments(context.Background(), w.learner)
		must(t, err)
		if total != 1 || len(list) != 2 {
			t.Errorf("concurrent sweeps enrolled %v (total %d), enrollments %d; want one re-enrollment", counts, total, len(list))
		}
	})
}

// TestDeletedSessionVanishes: deleting a session deletes its enrollments;
// they and their certificates vanish from the learner's lists, while the
// rows stay for audit.
func TestDeletedSessionVanishes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(12), false)
		w.pass(t, w.enrollment)
		must(t, w.st.DeleteSession(ctx, w.session.ID))
		if _, err := w.st.Result(ctx, w.enrollment); skillpath.ErrorCode(err) != skillpath.ENOTFOUND {
			t.Errorf("the deleted session's enrollment: %v", err)
		}
		if _, err := w.st.FindSession(ctx, w.session.ID); skillpath.ErrorCode(err) != skillpath.ENOTFOUND {
			t.Errorf("the deleted session: %v", err)
		}
		list, err := w.st.UserEnrollments(ctx, w.learner)
		must(t, err)
		if len(list) != 0 {
			t.Errorf("the learner still sees %+v", list)
		}
		if err := w.st.DeleteSession(ctx, w.session.ID); skillpath.ErrorCode(err) != skillpath.ENOTFOUND {
			t.Errorf("deleting twice: %v", err)
		}
	})
}

// TestDeliveryInPlatformZone: the month arithmetic happens in the platform's
// time zone, keeping the wall-clock time, near midnight and across a
// daylight-saving change; storage stays UTC.
func TestDeliveryInPlatformZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	must(t, err)
	cases := []struct {
		name, delivered, expires, expiresLocalDate string
	}{
		// 23:30 UTC on 31 Jan is 00:30 on 1 Feb in Paris: one month later is 1 Mar 00:30 Paris.
		{"delivery near midnight", "2026-01-31T23:30:00Z", "2026-02-28T23:30:00Z", "2026-03-01"},
		// 10:00 Paris on 15 Mar (UTC+1) + 1 month = 10:00 Paris on 15 Apr (UTC+2).
		{"across the spring change", "2026-03-15T09:00:00Z", "2026-04-15T08:00:00Z", "2026-04-15"},
	}
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range cases {
			w := newCertWorld(t, dialect, at(tc.delivered), ptr(1), false)
			w.st.Zone = paris
			w.pass(t, w.enrollment)
			c := w.result(t, w.enrollment).Certificate
			if !c.ExpiresAt.Equal(at(tc.expires)) || c.ExpiresAt.Location() != time.UTC {
				t.Errorf("%s: expires %s, want %s (UTC)", tc.name, c.ExpiresAt, tc.expires)
			}
			if got := c.ExpiresAt.In(paris).Format(time.DateOnly); got != tc.expiresLocalDate {
				t.Errorf("%s: the expiry date in Paris is %s, want %s", tc.name, got, tc.expiresLocalDate)
			}
		}
	})
}

// TestCertificateLinksFollowThePath: when a training stops or starts
// granting a certificate, the statistics' links follow at once.
func TestCertificateLinksFollowThePath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(12), false)
		other := &skillpath.Certificate{Title: "Other", OwnerGroupID: 1}
		must(t, w.st.CreateCertificate(ctx, other))
		check := func(step string) {
			t.Helper()
			diff, err := w.st.CheckCertificateLearners(ctx)
			must(t, err)
			if len(diff) > 0 {
				t.Fatalf("%s: certificate_learners differs from the facts: %+v", step, diff)
			}
		}
		check("enrolled")
		tr, err := w.st.FindTraining(ctx, w.training.ID)
		must(t, err)
		tr.CertificateIDs = []skillpath.ID{other.ID}
		must(t, w.st.UpdateTraining(ctx, tr))
		check("after changing the certificate the path grants")
		w.pass(t, w.enrollment)
		check("after passing")
		tr.CertificateIDs = nil
		must(t, w.st.UpdateTraining(ctx, tr))
		check("after the path grants nothing (the delivered certificate stays)")
	})
}
