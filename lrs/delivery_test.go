package lrs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"skillpath/internal/testdb"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestFullPath: the exact statements of one learner's whole path reach the
// LRS, valid, in order, once each (SPEC §4).
func TestFullPath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": allVerbs})
		run(t, fast(p.env.Store))
		lee := p.learner(t, "lee@example.com")
		lee.walk(t)
		stmts := p.lrs.WaitStored(t, walkStatements, 10*time.Second)
		settled(t, p.env.Store, walkStatements, 0)

		want := []string{"started", "experienced", "progressed", "answered", "progressed", "mastered", "answered", "progressed", "passed"}
		if got := verbsOf(stmts); !slices.Equal(got, want) {
			t.Fatalf("verbs in the order the LRS stored them:\n got %v\nwant %v", got, want)
		}
		if invalid := p.lrs.Invalid(); len(invalid) > 0 {
			t.Fatalf("the LRS refused statements as invalid: %v", invalid)
		}
		registrations, statementIDs := map[string]bool{}, map[string]bool{}
		for _, s := range stmts {
			id := s["id"].(string)
			if !uuidPattern.MatchString(id) || statementIDs[id] {
				t.Errorf("statement id %q is not a fresh UUID", id)
			}
			statementIDs[id] = true
			if n := p.lrs.Received(id); n != 1 {
				t.Errorf("statement %s received %d times", id, n)
			}
			registrations[s["context"].(map[string]any)["registration"].(string)] = true
			if mbox := s["actor"].(map[string]any)["mbox"]; mbox != "mailto:lee@example.com" {
				t.Errorf("actor mbox %v", mbox)
			}
			if ts := s["timestamp"]; ts != "2026-01-31T10:00:00.000Z" {
				t.Errorf("timestamp %v, want the business clock's time", ts)
			}
		}
		if len(registrations) != 1 {
			t.Errorf("registrations %v, want the one training attempt", registrations)
		}
		for r := range registrations {
			if !uuidPattern.MatchString(r) {
				t.Errorf("registration %q is not a UUID", r)
			}
		}
		for _, req := range p.lrs.Requests() {
			if req.Version != "1.0.3" || req.ContentType != "application/json" || req.Status != 200 {
				t.Errorf("request %+v", req)
			}
		}
		// The passed statement reports the training's score and completion.
		passed := stmts[len(stmts)-1]["result"].(map[string]any)
		if passed["success"] != true || passed["completion"] != true || passed["score"].(map[string]any)["scaled"] != 1.0 {
			t.Errorf("passed result %v", passed)
		}
	})
}

// TestVerbSelection: only the verbs selected are written to the outbox and sent.
func TestVerbSelection(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": []string{"passed", "started", "answered"}})
		run(t, fast(p.env.Store))
		p.learner(t, "lee@example.com").walk(t)
		settled(t, p.env.Store, 4, 0)
		if got := verbsOf(p.lrs.Stored()); !slices.Equal(got, []string{"started", "answered", "answered", "passed"}) {
			t.Fatalf("verbs %v", got)
		}
	})
}

// TestDraftAndPublish: settings apply only once the training is published,
// and changed verbs only once it is published again (SPEC §4, seed 001).
func TestDraftAndPublish(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		run(t, fast(p.env.Store))
		p.track(t, false, map[string]any{"verbs": allVerbs})
		lee := p.learner(t, "lee@example.com")
		lee.start(t)
		lee.view(t)
		if c, err := p.env.Store.CountOutbox(context.Background(), 0); err != nil || c.Pending+c.Delivered+c.Parked != 0 {
			t.Fatalf("before publishing, the outbox holds %+v (%v)", c, err)
		}

		p.env.Admin.Must(200, "POST", "/api/v1/trainings/"+p.training.ID+"/publish", nil, nil)
		lee.answerLever(t) // answered, progressed, mastered
		settled(t, p.env.Store, 3, 0)

		p.track(t, false, map[string]any{"verbs": []string{"passed"}})
		var view struct {
			Verbs              []string `json:"verbs"`
			UnpublishedChanges bool     `json:"unpublished_changes"`
			Live               struct {
				Verbs []string `json:"verbs"`
			} `json:"live"`
		}
		p.env.Admin.Must(200, "GET", "/api/v1/trainings/"+p.training.ID+"/lrs", nil, &view)
		if !view.UnpublishedChanges || !slices.Equal(view.Verbs, []string{"passed"}) || len(view.Live.Verbs) != len(allVerbs) {
			t.Fatalf("draft and live: %+v", view)
		}
		other := p.learner(t, "max@example.com")
		other.start(t) // the live settings still send started
		settled(t, p.env.Store, 4, 0)

		p.env.Admin.Must(200, "POST", "/api/v1/trainings/"+p.training.ID+"/publish", nil, nil)
		p.env.Admin.Must(200, "GET", "/api/v1/trainings/"+p.training.ID+"/lrs", nil, &view)
		if view.UnpublishedChanges || !slices.Equal(view.Live.Verbs, []string{"passed"}) {
			t.Fatalf("after publishing again: %+v", view)
		}
		other.view(t)
		lee.answerBrake(t) // answered, progressed, passed: only passed now
		settled(t, p.env.Store, 5, 0)
		if got := verbsOf(p.lrs.Stored()); !slices.Equal(got, []string{"answered", "progressed", "mastered", "started", "passed"}) {
			t.Fatalf("verbs %v", got)
		}
	})
}

// TestBasicAuth: the login and password go as HTTP Basic auth; a wrong
// password parks the statements with the LRS's 401, and once the settings
// are mended and published, an admin's retry delivers them.
func TestBasicAuth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.lrs.RequireAuth("lap", "s3cret:pass")
		p.track(t, true, map[string]any{"login": "lap", "password": "wrong", "verbs": []string{"started", "experienced"}})
		run(t, fast(p.env.Store))
		lee := p.learner(t, "lee@example.com")
		lee.start(t)
		lee.view(t)
		settled(t, p.env.Store, 0, 2)
		var out outbox
		p.env.Admin.Must(200, "GET", "/api/v1/lrs/outbox", nil, &out)
		if len(out.ParkedList) != 2 || !strings.Contains(out.ParkedList[0].Error, "401") || !strings.Contains(out.ParkedList[0].Error, "bad credentials") {
			t.Fatalf("parked: %+v", out)
		}

		p.track(t, true, map[string]any{"login": "lap", "password": "s3cret:pass", "verbs": []string{"started", "experienced"}})
		p.env.Admin.Must(200, "POST", "/api/v1/lrs/outbox/retry", map[string]any{}, nil)
		settled(t, p.env.Store, 2, 0)
		reqs := p.lrs.Requests()
		last := reqs[len(reqs)-1]
		if last.Login != "lap" || last.Password != "s3cret:pass" || last.Status != 200 {
			t.Fatalf("last request %+v", last)
		}
	})
}

type outbox struct {
	Pending    int `json:"pending"`
	Delivered  int `json:"delivered"`
	Parked     int `json:"parked"`
	ParkedList []struct {
		ID         string `json:"id"`
		TrainingID string `json:"training_id"`
		Verb       string `json:"verb"`
		Error      string `json:"error"`
		Attempts   int    `json:"attempts"`
	} `json:"parked_statements"`
}

// TestOutage: an LRS answering 503 several times gets every statement once
// it recovers, each stored once.
func TestOutage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": allVerbs})
		p.lrs.Fail(4, http.StatusServiceUnavailable)
		run(t, fast(p.env.Store))
		p.learner(t, "lee@example.com").walk(t)
		p.learner(t, "max@example.com").walk(t)
		stmts := p.lrs.WaitStored(t, 2*walkStatements, 10*time.Second)
		settled(t, p.env.Store, 2*walkStatements, 0)
		failed := 0
		for _, r := range p.lrs.Requests() {
			if r.Status == 503 {
				failed++
			}
		}
		if failed != 4 {
			t.Errorf("%d requests failed with 503, want 4", failed)
		}
		for _, s := range stmts {
			if n := p.lrs.Received(s["id"].(string)); n != 1 {
				t.Errorf("statement %s received %d times", s["id"], n)
			}
		}
	})
}

// TestRetryAfter: after a 429, the worker waits as long as Retry-After says,
// though its own back-off is milliseconds.
func TestRetryAfter(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": []string{"started"}})
		p.lrs.Fail(1, http.StatusTooManyRequests, "Retry-After", "1")
		run(t, fast(p.env.Store))
		p.learner(t, "lee@example.com").start(t)
		settled(t, p.env.Store, 1, 0)
		reqs := p.lrs.Requests()
		if len(reqs) != 2 || reqs[0].Status != 429 {
			t.Fatalf("requests %+v", reqs)
		}
		if gap := reqs[1].At.Sub(reqs[0].At); gap < time.Second {
			t.Fatalf("retried %v after a 429 with Retry-After: 1", gap)
		}
	})
}

// TestConflict: 409 means the LRS holds the statement already: delivered.
// Answered to a batch, the statements are sent again one by one, since the
// LRS may have refused the whole batch for one id.
func TestConflict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": allVerbs})
		lee := p.learner(t, "lee@example.com")
		lee.start(t)
		lee.view(t) // three statements wait in the outbox
		p.lrs.Fail(4, http.StatusConflict)
		run(t, fast(p.env.Store))
		settled(t, p.env.Store, 3, 0)
		reqs := p.lrs.Requests()
		sizes := []int{}
		for _, r := range reqs {
			sizes = append(sizes, r.Statements)
		}
		if !slices.Equal(sizes, []int{3, 1, 1, 1}) {
			t.Fatalf("statements per request %v, want the batch then each alone", sizes)
		}
	})
}

// TestParkAndRetry: a statement the LRS refuses (400) is parked with the
// LRS's answer, the others of its batch are delivered; an admin sees it and
// re-queues it, and it is delivered.
func TestParkAndRetry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": allVerbs})
		lee := p.learner(t, "lee@example.com")
		lee.walk(t)
		rows, _, err := p.env.Store.ParkedStatements(context.Background(), 0, 10, "")
		if err != nil || len(rows) != 0 {
			t.Fatal(rows, err)
		}
		mastered := statementID(t, p, "mastered")
		p.lrs.Reject(mastered, http.StatusBadRequest, `{"error":"mastered is not accepted here"}`)
		stop := run(t, fast(p.env.Store))
		settled(t, p.env.Store, walkStatements-1, 1)
		stop()
		var out outbox
		p.env.Admin.Must(200, "GET", "/api/v1/lrs/outbox?training_id="+p.training.ID, nil, &out)
		if out.Parked != 1 || out.Delivered != walkStatements-1 || out.Pending != 0 || len(out.ParkedList) != 1 {
			t.Fatalf("outbox %+v", out)
		}
		got := out.ParkedList[0]
		if got.ID != mastered || got.Verb != "mastered" || got.TrainingID != p.training.ID || got.Attempts != 1 ||
			!strings.Contains(got.Error, "400") || !strings.Contains(got.Error, "mastered is not accepted here") {
			t.Fatalf("parked statement %+v", got)
		}
		if verbs := verbsOf(p.lrs.Stored()); slices.Contains(verbs, "mastered") || verbs[len(verbs)-1] != "passed" {
			t.Fatalf("stored %v", verbs)
		}

		p.lrs.Reject(mastered, 0, "")
		var res struct {
			Requeued int `json:"requeued"`
		}
		p.env.Admin.Must(200, "POST", "/api/v1/lrs/outbox/retry", map[string]any{"ids": []string{mastered}}, &res)
		if res.Requeued != 1 {
			t.Fatalf("requeued %d", res.Requeued)
		}
		run(t, fast(p.env.Store))
		settled(t, p.env.Store, walkStatements, 0)
		p.env.Admin.Must(200, "POST", "/api/v1/lrs/outbox/retry", map[string]any{"ids": []string{mastered}}, &res)
		if res.Requeued != 0 {
			t.Fatalf("a delivered statement was re-queued")
		}
	})
}

// statementID finds the pending statement with the verb in the outbox.
func statementID(t *testing.T, p *path, verb string) string {
	t.Helper()
	c, err := p.env.Store.ClaimStatements(context.Background(), 100, time.Millisecond, nil)
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	time.Sleep(5 * time.Millisecond) // let the lease lapse
	for _, st := range c.Statements {
		if string(st.Verb) == verb {
			var s struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(st.JSON, &s); err != nil || s.ID != st.StatementID {
				t.Fatalf("statement %s: id %q, %v", st.StatementID, s.ID, err)
			}
			return st.StatementID
		}
	}
	t.Fatalf("no %s statement pending", verb)
	return ""
}

// TestClaimOfSeveralBatches: a claim sends its statements a batch at a
// time; when the LRS fails in the middle, the batches it stored are
// delivered and the rest waits, in order, to be sent once it recovers —
// each statement stored once.
func TestClaimOfSeveralBatches(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		p.track(t, true, map[string]any{"verbs": allVerbs})
		p.learner(t, "lee@example.com").walk(t) // 9 statements: mastered is the sixth
		mastered := statementID(t, p, "mastered")
		p.lrs.Reject(mastered, http.StatusServiceUnavailable, `{"error":"busy"}`)
		w := fast(p.env.Store)
		w.BatchSize = 2
		run(t, w)

		deadline := time.Now().Add(15 * time.Second)
		for {
			c, err := p.env.Store.CountOutbox(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if c.Delivered == 4 && c.Pending == 5 && len(p.lrs.Requests()) >= 5 {
				break
			}
			if time.Now().After(deadline) || c.Delivered > 4 {
				t.Fatalf("outbox %+v, want the first two batches delivered and the rest waiting", c)
			}
			time.Sleep(10 * time.Millisecond)
		}
		p.lrs.Reject(mastered, 0, "")
		settled(t, p.env.Store, walkStatements, 0)
		stored := p.lrs.Stored()
		want := []string{"started", "experienced", "progressed", "answered", "progressed", "mastered", "answered", "progressed", "passed"}
		if got := verbsOf(stored); !slices.Equal(got, want) {
			t.Errorf("verbs in the LRS's order %v", got)
		}
		for i, s := range stored {
			// The batch with mastered was received at each attempt; the
			// others once.
			if n := p.lrs.Received(s["id"].(string)); (i < 4 || i > 5) && n != 1 {
				t.Errorf("statement %d received %d times", i, n)
			}
		}
	})
}

// TestClaimGoesOn checks that a claim that has sent all it claimed goes on
// with its training's next statements, in order, within Extend, and that
// a negative Extend keeps it to ClaimSize.
func TestClaimGoesOn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		for _, tc := range []struct {
			extend    time.Duration
			delivered int
		}{{-1, 2}, {time.Minute, walkStatements}} {
			p := newPath(t, dialect)
			p.track(t, true, map[string]any{"verbs": allVerbs})
			p.learner(t, "lee@example.com").walk(t)
			w := fast(p.env.Store)
			w.BatchSize, w.ClaimSize, w.Extend = 2, 2, tc.extend
			if ok, err := w.DeliverOnce(context.Background()); !ok || err != nil {
				t.Fatalf("DeliverOnce: %v, %v", ok, err)
			}
			c, err := p.env.Store.CountOutbox(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if c.Delivered != tc.delivered || c.Pending != walkStatements-tc.delivered {
				t.Errorf("Extend %v: outbox %+v after one claim, want %d delivered", tc.extend, c, tc.delivered)
			}
			want := []string{"started", "experienced", "progressed", "answered", "progressed", "mastered", "answered", "progressed", "passed"}
			if got := verbsOf(p.lrs.Stored()); !slices.Equal(got, want[:tc.delivered]) {
				t.Errorf("Extend %v: verbs in the LRS's order %v", tc.extend, got)
			}
		}
	})
}
