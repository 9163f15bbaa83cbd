package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// sent is one email row of the outbox, as the tests read it.
type sent struct {
	reason  string
	user    skillpath.ID
	created time.Time
	data    skillpath.MailData
}

// emails reads the email rows of the outbox, in order.
func emails(t *testing.T, url string) []sent {
	t.Helper()
	rows, err := testdb.Raw(t, url).Query(`SELECT reason, user_id, created_at, payload FROM notifications WHERE channel = 'email' ORDER BY id`)
	must(t, err)
	defer rows.Close()
	var out []sent
	for rows.Next() {
		var s sent
		var created int64
		var payload string
		must(t, rows.Scan(&s.reason, &s.user, &created, &payload))
		s.created = time.UnixMilli(created).UTC()
		must(t, json.Unmarshal([]byte(payload), &s.data))
		out = append(out, s)
	}
	must(t, rows.Err())
	return out
}

// reminders lists the reminder and expiry emails as "reason/days@date".
func reminders(list []sent) []string {
	var out []string
	for _, s := range list {
		if s.reason == "reminder" || s.reason == "expired" {
			out = append(out, fmt.Sprintf("%s/%d@%s", s.reason, s.data.DaysBefore, s.created.Format(time.DateOnly)))
		}
	}
	return out
}

// TestRemindersExactlyOnce: a certificate delivered on 2026-01-10, valid
// two months (expiring 2026-03-10), reaches its 30-day reminder, its 7-day
// reminder and its expiry notice exactly once each, on their days, though
// the sweep runs twice a day, the process restarts every few days, and on
// PostgreSQL two processes sweep at once.
func TestRemindersExactlyOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		start := at("2026-01-10T09:00:00Z")
		w := newCertWorld(t, dialect, start, ptr(2), false)
		w.st.Mail = true
		w.pass(t, w.enrollment)
		var other *store.Store
		for day := 0; day <= 70; day++ {
			now := start.AddDate(0, 0, day).Add(3 * time.Hour)
			if day%5 == 0 { // a restart
				w.open(t, now)
				w.st.Mail = true
				if dialect == "postgres" {
					if other != nil {
						other.Close()
					}
					other = testdb.OpenURL(t, w.url, now)
					other.Mail = true
				}
			}
			w.st.Now = skillpath.FixedClock(now)
			stores := []*store.Store{w.st, w.st}
			if other != nil {
				other.Now = skillpath.FixedClock(now)
				stores = append(stores, other, other)
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(stores))
			for _, st := range stores {
				wg.Go(func() {
					_, err := st.NotifySweep(ctx)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
		}
		got := reminders(emails(t, w.url))
		want := []string{"reminder/30@2026-02-08", "reminder/7@2026-03-03", "expired/0@2026-03-10"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("reminders %v, want %v", got, want)
		}
		all := emails(t, w.url)
		if all[0].reason != "delivered" || all[0].data.Certificate != "Licence" || all[0].data.Training != "T" {
			t.Errorf("first email %+v, want the delivered certificate", all[0])
		}
	})
}

// TestReminderDaysPerCertificate: a certificate's own reminder_days replace
// the default; a server down on a reminder's day sends only the latest one
// due when it comes back.
func TestReminderDaysPerCertificate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		start := at("2026-01-10T09:00:00Z")
		w := newCertWorld(t, dialect, start, ptr(2), false)
		w.st.Mail = true
		w.pass(t, w.enrollment)
		c := w.training.CertificateIDs[0]
		must(t, w.st.SetReminderDays(ctx, c, []int{45, 14, 1}))
		got, err := w.st.FindCertificate(ctx, c)
		must(t, err)
		if fmt.Sprint(got.ReminderDays) != "[45 14 1]" {
			t.Fatalf("reminder_days %v", got.ReminderDays)
		}
		// Down from 2026-01-20 to 2026-02-28: the 45-day reminder
		// (2026-01-24) is skipped, the 14-day one (2026-02-24) goes late.
		for _, day := range []string{"2026-01-20", "2026-02-28", "2026-03-01", "2026-03-09", "2026-03-10", "2026-03-11"} {
			w.st.Now = skillpath.FixedClock(at(day + "T12:00:00Z"))
			_, err := w.st.NotifySweep(ctx)
			must(t, err)
		}
		r := reminders(emails(t, w.url))
		want := []string{"reminder/10@2026-02-28", "reminder/1@2026-03-09", "expired/0@2026-03-10"} // the late one tells the days left
		if fmt.Sprint(r) != fmt.Sprint(want) {
			t.Fatalf("reminders %v, want %v", r, want)
		}
	})
}

// TestDeletedLearnerGetsNothing: no reminder is written for a deleted
// learner, and one written before the deletion is not sent.
func TestDeletedLearnerGetsNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		start := at("2026-01-10T09:00:00Z")
		w := newCertWorld(t, dialect, start, ptr(2), false)
		w.st.Mail = true
		w.pass(t, w.enrollment)
		w.st.Now = skillpath.FixedClock(at("2026-02-08T12:00:00Z"))
		_, err := w.st.NotifySweep(ctx) // the 30-day reminder, pending
		must(t, err)
		must(t, w.st.DeleteUser(ctx, w.learner))
		for _, day := range []string{"2026-03-03", "2026-03-10"} {
			w.st.Now = skillpath.FixedClock(at(day + "T12:00:00Z"))
			_, err := w.st.NotifySweep(ctx)
			must(t, err)
		}
		if r := reminders(emails(t, w.url)); len(r) != 1 {
			t.Fatalf("reminders %v: only the one written before the deletion", r)
		}
		c, err := w.st.ClaimNotifications(ctx, 10, time.Minute)
		must(t, err)
		if len(c.List) != 0 {
			t.Fatalf("claimed %+v for a deleted learner", c.List)
		}
		counts, _, err := w.st.Notifications(ctx, "", 10)
		must(t, err)
		if counts.Pending != 0 || counts.Failed != 2 {
			t.Fatalf("counts %+v: the delivered email and the reminder fail, unsent", counts)
		}
	})
}

// TestWithoutMailNothingIsKept: with no SMTP server configured, no email is
// written at all: nothing waits to be sent.
func TestWithoutMailNothingIsKept(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		w := newCertWorld(t, dialect, at("2026-01-10T09:00:00Z"), ptr(2), false)
		w.pass(t, w.enrollment)
		w.st.Now = skillpath.FixedClock(at("2026-03-10T12:00:00Z"))
		_, err := w.st.NotifySweep(ctx)
		must(t, err)
		if got := emails(t, w.url); len(got) != 0 {
			t.Fatalf("emails %+v without mail", got)
		}
	})
}

// TestWeeklyDigest: on Monday from 08:00 platform time, each group's
// admins and coaches get one digest listing only the learners of their
// groups (subgroups included) whose certificate expires in the next 30
// days or expired in the last 7.
func TestWeeklyDigest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		zone, _ := time.LoadLocation("Europe/Paris")
		delivered := at("2026-01-10T09:00:00Z") // + 2 months: 2026-03-10
		url := testdb.URL(t, dialect)
		st := testdb.OpenURL(t, url, delivered)
		st.Zone = zone
		st.Mail = true
		group := func(name string, parent skillpath.ID) skillpath.ID {
			g := &skillpath.Group{Name: name}
			if parent != 0 {
				g.ParentID = &parent
			}
			must(t, st.CreateGroup(ctx, g))
			return g.ID
		}
		a := group("A", 0)
		a1 := group("A1", a)
		b := group("B", 0)
		user := func(name string, groups ...skillpath.ID) skillpath.ID {
			u := &skillpath.User{Email: name + "@example.com", Name: name, GroupIDs: groups}
			must(t, st.CreateUser(ctx, u, ""))
			return u.ID
		}
		adminA, coachB := user("Ada"), user("Bea")
		must(t, st.AddStaff(ctx, skillpath.Staff{GroupID: a, UserID: adminA, Role: skillpath.RoleGroupAdmin}))
		must(t, st.AddStaff(ctx, skillpath.Staff{GroupID: b, UserID: coachB, Role: skillpath.RoleCoach}))
		soon, inB, later, gone := user("Sam", a1), user("Bob", b), user("Lou", a), user("Del", a1)
		cert := &skillpath.Certificate{Title: "Licence", OwnerGroupID: a, ValidityMonths: ptr(2)}
		must(t, st.CreateCertificate(ctx, cert))
		tr := &skillpath.Training{Title: "T", CertificateIDs: []skillpath.ID{cert.ID}, Modules: []*skillpath.Module{
			{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Page", Kind: skillpath.KindContent}}}}}
		must(t, st.CreateTraining(ctx, tr))
		se := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: delivered.Add(-time.Hour)}
		must(t, st.CreateSession(ctx, se))
		pass := func(u skillpath.ID, when time.Time) {
			st.Now = skillpath.FixedClock(when)
			e, err := st.Enroll(ctx, se.ID, u, u, false)
			must(t, err)
			must(t, st.Start(ctx, e.ID))
			must(t, st.View(ctx, e.ID, tr.Modules[0].Activities[0].ID))
		}
		pass(soon, delivered)
		pass(inB, delivered.AddDate(0, 0, -12)) // expires 2026-02-28 (clamped): expired 2 days before the Monday
		pass(later, delivered.AddDate(0, 1, 0)) // expires 2026-04-10
		pass(gone, delivered)                   // deleted below: never listed
		must(t, st.DeleteUser(ctx, gone))
		sweep := func(when string) {
			st.Now = skillpath.FixedClock(at(when))
			_, err := st.NotifySweep(ctx)
			must(t, err)
		}
		sweep("2026-03-01T12:00:00Z") // a Sunday
		sweep("2026-03-02T06:59:00Z") // Monday 07:59 in Paris
		sweep("2026-03-02T07:00:00Z") // Monday 08:00 in Paris
		sweep("2026-03-02T09:00:00Z") // again
		var digests []sent
		for _, s := range emails(t, url) {
			if s.reason == "digest" {
				digests = append(digests, s)
			}
		}
		if len(digests) != 2 {
			t.Fatalf("digests %+v, want one to Ada and one to Bea", digests)
		}
		for _, d := range digests {
			var names []string
			for _, e := range d.data.Digest {
				names = append(names, fmt.Sprintf("%s %s expired=%v", e.Learner, e.ExpiresAt.In(zone).Format(time.DateOnly), e.Expired))
			}
			want := map[skillpath.ID]string{adminA: "[Sam 2026-03-10 expired=false]", coachB: "[Bob 2026-02-28 expired=true]"}[d.user]
			if fmt.Sprint(names) != want || !d.created.Equal(at("2026-03-02T07:00:00Z")) {
				t.Errorf("digest to %s at %s: %v, want %s", d.user, d.created, names, want)
			}
		}
	})
}

// TestScoringAtMostHourly: an instructor is emailed when an answer awaits
// scoring, at most once an hour.
func TestScoringAtMostHourly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := at("2026-01-10T09:10:00Z")
		url := testdb.URL(t, dialect)
		st := testdb.OpenURL(t, url, now)
		st.Mail = true
		g := &skillpath.Group{Name: "G"}
		must(t, st.CreateGroup(ctx, g))
		teacher := &skillpath.User{Email: "t@example.com", Name: "Teacher"}
		must(t, st.CreateUser(ctx, teacher, ""))
		tr := &skillpath.Training{Title: "Essays", InstructorIDs: []skillpath.ID{teacher.ID}, Modules: []*skillpath.Module{
			{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Essay", Kind: skillpath.KindText, Points: 1, ManualScoring: true}}}}}
		must(t, st.CreateTraining(ctx, tr))
		se := &skillpath.Session{TrainingID: tr.ID, Name: "S", StartsAt: now.Add(-time.Hour)}
		must(t, st.CreateSession(ctx, se))
		for i, when := range []string{"2026-01-10T09:10:00Z", "2026-01-10T09:50:00Z", "2026-01-10T10:05:00Z", "2026-01-10T10:20:00Z"} {
			st.Now = skillpath.FixedClock(at(when))
			u := &skillpath.User{Email: fmt.Sprintf("l%d@example.com", i), Name: "L", GroupIDs: []skillpath.ID{g.ID}}
			must(t, st.CreateUser(ctx, u, ""))
			e, err := st.Enroll(ctx, se.ID, u.ID, u.ID, false)
			must(t, err)
			must(t, st.Start(ctx, e.ID))
			_, err = st.Learn(ctx, e.ID, nil, nil, store.Act{Kind: store.ActAnswer, ActivityID: tr.Modules[0].Activities[0].ID, Response: "text"})
			must(t, err)
		}
		var got []string
		for _, s := range emails(t, url) {
			if s.reason == "scoring" {
				got = append(got, s.created.Format("15:04"))
			}
		}
		if fmt.Sprint(got) != "[09:10 10:20]" {
			t.Fatalf("scoring emails at %v, want [09:10 10:20]", got)
		}
	})
}

// TestEventEmails: an approved self-enrollment and an automatic
// re-enrollment email the learner, in their transactions, once.
func TestEventEmails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		start := at("2026-01-10T09:00:00Z")
		w := newCertWorld(t, dialect, start, ptr(2), true)
		w.st.Mail = true
		w.pass(t, w.enrollment)
		w.st.Now = skillpath.FixedClock(at("2026-02-20T09:00:00Z")) // within 30 days of expiry
		for range 2 {
			_, err := w.st.Reenroll(ctx, store.DefaultReenrollLead)
			must(t, err)
		}
		tr := &skillpath.Training{Title: "Approval needed", RequiresApproval: true, Modules: []*skillpath.Module{
			{Title: "M", MaxAttempts: 1, Activities: []*skillpath.Activity{{Title: "Page", Kind: skillpath.KindContent}}}}}
		must(t, w.st.CreateTraining(ctx, tr))
		se := &skillpath.Session{TrainingID: tr.ID, Name: "S2", StartsAt: start}
		must(t, w.st.CreateSession(ctx, se))
		e, err := w.st.Enroll(ctx, se.ID, w.learner, w.learner, true)
		must(t, err)
		must(t, w.st.Approve(ctx, e.ID, w.learner))
		var got []string
		for _, s := range emails(t, w.url) {
			got = append(got, s.reason+":"+s.data.Training)
		}
		want := []string{"delivered:T", "reenrolled:T", "approved:Approval needed"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("emails %v, want %v", got, want)
		}
	})
}
