package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
)

// TestLearnerPagesIssue18: what a learner reads on their pages — the
// prerequisites named and linked, leaving a self-enrollment, the moment of
// success with the certificate's validity and the focus on it, their
// certificates on /learn, and, on an automatic re-enrollment, why and by
// when; prices in the platform currency.
func TestLearnerPagesIssue18(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		admin := o.env.Admin
		var pre, quick, paid, s ids
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Safety first", "modules": []any{
			map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content", "body": "Wear **boots**."}}}}}, &pre)
		var cert ids
		var certs struct {
			Certificates []struct{ ID, Title string } `json:"certificates"`
		}
		admin.Must(200, "GET", "/api/v1/certificates", nil, &certs)
		cert.ID = certs.Certificates[0].ID
		var quickTree tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Quick check", "prerequisite_ids": []string{pre.ID},
			"certificate_ids": []string{cert.ID}, "modules": []any{map[string]any{"title": "Check", "activities": []any{
				map[string]any{"title": "Ready?", "kind": "choice", "choices": []string{"yes", "no"}, "correct": "yes"}}}}}, &quickTree)
		quick.ID = quickTree.ID
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Paid course", "price": 49, "modules": []any{
			map[string]any{"title": "M", "activities": []any{map[string]any{"title": "A", "kind": "content"}}}}}, &paid)
		var preSess, quickSess string
		admin.Must(201, "POST", "/api/v1/trainings/"+pre.ID+"/sessions", map[string]any{"name": "Always", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		preSess = s.ID
		admin.Must(201, "POST", "/api/v1/trainings/"+quick.ID+"/sessions", map[string]any{"name": "Rolling", "starts_at": "2026-01-01T00:00:00Z", "auto_reenroll": true}, &s)
		quickSess = s.ID

		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		p := learner.get("/learn")
		for _, want := range []string{`First pass: <a href="#training-` + pre.ID + `">Safety first</a>`, "Price: 49.00 EUR", "This training costs 49.00 EUR"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("/learn lacks %q", want)
			}
		}

		// Enrolled in the training whose prerequisite is pending: the
		// player names and links it, and the learner may leave.
		enroll := learner.post("/learn", "/learn/enroll", url.Values{"session_id": {quickSess}})
		if enroll.Status != 303 {
			t.Fatalf("enroll: %d %s", enroll.Status, enroll.Body)
		}
		player := enroll.Header.Get("Location")
		p = learner.get(player)
		for _, want := range []string{`<a href="/learn#training-` + pre.ID + `">Safety first</a> — not passed yet`, "Leave this training", "Yes, leave the training"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the player lacks %q", want)
			}
		}
		if l := learner.post(player, player+"/leave", nil); l.Status != 303 || l.Header.Get("Location") != "/learn" {
			t.Fatalf("leave: %d to %q", l.Status, l.Header.Get("Location"))
		}
		if p := learner.get("/learn"); !strings.Contains(p.Body, "You have left the training") || strings.Contains(p.Body, `href="`+player+`"`) {
			t.Errorf("after leaving, /learn: %s", p.Body)
		}

		// Pass the prerequisite, then the training: the success box.
		preEnroll := learner.post("/learn", "/learn/enroll", url.Values{"session_id": {preSess}}).Header.Get("Location")
		learner.post(preEnroll, preEnroll+"/start", nil)
		var preTree tree
		admin.Must(200, "GET", "/api/v1/trainings/"+pre.ID, nil, &preTree)
		if v := learner.post(preEnroll, preEnroll+"/activities/"+preTree.Modules[0].Activities[0].ID+"/view", nil); v.Header.Get("Location") != preEnroll+"#passed" {
			t.Errorf("passing by reading goes to %q, want the success box", v.Header.Get("Location"))
		}
		player = learner.post("/learn", "/learn/enroll", url.Values{"session_id": {quickSess}}).Header.Get("Location")
		learner.post(player, player+"/start", nil)
		a := learner.post(player, player+"/activities/"+quickTree.Modules[0].Activities[0].ID+"/answer", url.Values{"response": {"yes"}})
		if a.Status != 303 || a.Header.Get("Location") != player+"#passed" {
			t.Fatalf("the passing answer: %d to %q", a.Status, a.Header.Get("Location"))
		}
		p = learner.get(player)
		if !strings.Contains(p.Body, `id="passed" tabindex="-1"`) || !strings.Contains(p.Body, "You passed — certificate Forklift licence valid until 2027-01-31") {
			t.Errorf("no success box: %s", p.Body)
		}
		p = learner.get("/learn")
		if !strings.Contains(p.Body, "My certificates") || !strings.Contains(p.Body, "Valid until 2027-01-31") {
			t.Errorf("/learn does not show the certificate: %s", p.Body)
		}

		// Eleven months later the sweep re-enrolls the learner: the new
		// enrollment says why and until when the current one is valid.
		later := webNow.AddDate(0, 11, 5)
		o.env.Store.Now = skillpath.FixedClock(later)
		if n, err := o.env.Store.Reenroll(context.Background(), 30*24*time.Hour); err != nil || n != 1 {
			t.Fatalf("re-enroll: %d, %v", n, err)
		}
		var mine struct {
			Enrollments []struct {
				ID             string `json:"id"`
				AutoReenrolled bool   `json:"auto_reenrolled"`
			} `json:"enrollments"`
		}
		o.env.As(idOf(t, o.learnerID)).Must(200, "GET", "/api/v1/me/enrollments", nil, &mine)
		var again string
		for _, e := range mine.Enrollments {
			if e.AutoReenrolled {
				again = e.ID
			}
		}
		p = learner.get("/learn/enrollments/" + again)
		if !strings.Contains(p.Body, "You were enrolled again automatically to renew your certificate <strong>Forklift licence</strong>, which is valid until <strong>2027-01-31</strong>") {
			t.Errorf("the re-enrollment does not say why: %s", p.Body)
		}
		if strings.Contains(p.Body, "Leave this training") {
			t.Error("an automatic re-enrollment offers to leave")
		}
		if p := learner.get("/learn"); !strings.Contains(p.Body, "Expiring soon") {
			t.Errorf("/learn does not say the certificate expires soon: %s", p.Body)
		}
	})
}

// TestRetakeConfirmation (issue 18): a passed module of a failed training
// may be retaken, and the player asks first, saying what the retake does.
func TestRetakeConfirmation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		admin := o.env.Admin
		var tr tree
		admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Score drill", "passing_score": 50, "modules": []any{
			map[string]any{"title": "Drill", "max_attempts": 2, "activities": []any{
				map[string]any{"title": "Pick a", "kind": "choice", "choices": []string{"a", "b"}, "correct": "a"}}}}}, &tr)
		var s, enr ids
		admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Now", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": o.learnerID}, &enr)
		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		player := "/learn/enrollments/" + enr.ID
		learner.post(player, player+"/start", nil)
		learner.post(player, player+"/activities/"+tr.Modules[0].Activities[0].ID+"/answer", url.Values{"response": {"b"}})
		if st := o.status(t, enr.ID); st != "failed" {
			t.Fatalf("training %s, want failed (module passed without a minimum, score 0 < 50)", st)
		}
		p := learner.get(player)
		for _, want := range []string{`<details class="confirm">`, "A retake replaces your passed attempt (0%)", "Yes, start attempt 2"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the player lacks %q", want)
			}
		}
		retake := player + "/modules/" + tr.Modules[0].ID + "/retake"
		if r := learner.post(player, retake, nil); r.Status != 303 {
			t.Fatalf("retake: %d", r.Status)
		}
		if p := learner.get(player); !strings.Contains(p.Body, "Attempt 2 of 2") {
			t.Errorf("after the retake: %s", p.Body)
		}
	})
}
