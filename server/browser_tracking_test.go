package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"skillpath/internal/apitest"
	"skillpath/internal/lrstest"
	"skillpath/lrs"
)

// TestBrowserTracking: an admin sets up results tracking from the
// trainings list, sees that the draft is not live, publishes it, changes it
// and sees what differs from live, and publishes again; the learner's
// progress then reaches a stand-in LRS through the delivery worker, and
// the page's counts follow; statements the LRS refuses are parked, shown
// with its answer, and retried from the page.
func TestBrowserTracking(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	enrollment := o.enroll(t)
	stand := lrstest.Start(t)
	startWorker(t, &lrs.Worker{Store: o.env.Store, Poll: 20 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	base := o.env.Server.URL
	admin, learner := newPerson(t, base), newPerson(t, base)
	tracking := "/trainings/" + o.training.ID + "/tracking"

	admin.open("/trainings")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	admin.click(`a[href="` + tracking + `"]`)
	admin.at(tracking)
	admin.see("h1", "Results tracking: Forklift basics")
	admin.see("#tracking-state", "Not set up")
	admin.do(chromedp.SendKeys(chromedp.ID("endpoint"), stand.URL),
		chromedp.Click(chromedp.ID("verb-mastered")), // a first setup offers every statement:
		chromedp.Click(chromedp.ID("verb-failed")))   // leave these two out
	admin.click(`form[action="` + tracking + `"] button[type=submit]`)
	admin.see("main .notice", "The draft is saved. Publish the training to apply it.")
	admin.see("#tracking-state", "Not published yet")

	admin.click(`form[action$="/tracking/publish"] button`)
	admin.see("main .notice", "The training is published: the settings are live.")
	admin.see("#tracking-state", "Live.")
	admin.see("#live", stand.URL)
	admin.see("#live", "started, progressed, experienced, answered, passed")

	admin.do(chromedp.Click(chromedp.ID("verb-failed")))
	admin.click(`form[action="` + tracking + `"] button[type=submit]`)
	admin.see("#tracking-state", "The draft differs from what is live")
	admin.see("#tracking-state", "Starts sending: failed")
	if live := admin.text("#live"); strings.Contains(live, "failed") {
		t.Fatalf("saving the draft changed what is live: %s", live)
	}
	admin.click(`form[action$="/tracking/publish"] button`)
	admin.see("#tracking-state", "Live.")
	admin.see("#live", "answered, passed, failed")

	player := "/learn/enrollments/" + enrollment
	learner.open(player)
	learner.signIn(learnerEmail, learnerPassword)
	learner.click(`form[action$="/start"] button`)
	learner.click("#activity-" + o.intro + " button")
	var verbs []string
	for _, st := range stand.WaitStored(t, 3, 15*time.Second) {
		verbs = append(verbs, st["verb"].(map[string]any)["display"].(map[string]any)["en-US"].(string))
	}
	if got := strings.Join(verbs, " "); got != "started experienced progressed" {
		t.Fatalf("the LRS holds %q, want started experienced progressed", got)
	}
	admin.reloadUntil(tracking, "#outbox", "Delivered 3")
	admin.see("#outbox", "Waiting to be sent 0")

	stand.Fail(3, 400) // the batch, then each of its two statements alone
	learner.do(chromedp.Click(chromedp.CSS(`input[name=response][value="right"]`)))
	learner.click("#activity-" + o.lever + " button[type=submit]")
	admin.reloadUntil(tracking, "#outbox", "Parked 2")
	admin.see("table.parked", "answered")
	admin.see("table.parked", "LRS answered 400")
	admin.see("table.parked", "scripted 400")
	admin.click(`form[action$="/tracking/retry"] button`)
	admin.see("main .notice", "2 parked statements are queued again.")
	admin.reloadUntil(tracking, "#outbox", "Delivered 5")
	admin.see("#outbox", "Parked 0")
	if n := len(stand.Stored()); n != 5 {
		t.Fatalf("the LRS holds %d statements, want 5", n)
	}

	admin.do(chromedp.EmulateViewport(360, 740))
	for _, path := range []string{tracking, "/tracking"} {
		admin.open(path)
		problems, err := chromedp.Run(admin.ctx, chromedp.Evaluate[[]string](pageChecks))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s at 360px: %s", path, p)
		}
	}
}

// startWorker runs a delivery worker until the test ends.
func startWorker(t *testing.T, w *lrs.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// reloadUntil opens the page again until the element says want: the
// delivery worker runs on its own.
func (p *person) reloadUntil(path, sel, want string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p.open(path)
		got := p.text(sel)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s says %q, want %q", sel, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
