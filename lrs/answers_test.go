package lrs_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
	"skillpath/lrs"
)

// pendingThree has a learner start and view a page with started,
// experienced and progressed tracked: three statements wait in the outbox
// before any worker runs, so they go as one batch.
func pendingThree(t *testing.T, p *path) {
	t.Helper()
	p.track(t, true, map[string]any{"verbs": []string{"started", "experienced", "progressed"}})
	lee := p.learner(t, "lee@example.com")
	lee.start(t)
	lee.view(t)
}

// parkedReasons reads the parked statements' reasons through the API.
func parkedReasons(t *testing.T, p *path) outbox {
	t.Helper()
	var out outbox
	p.env.Admin.Must(200, "GET", "/api/v1/lrs/outbox?training_id="+p.training.ID, nil, &out)
	return out
}

// TestRedirectNeverFollowed: a POST of statements answered with a
// redirect is never sent again to the new address (301, 302 and 303 would
// make it a GET without body, whose 200 once passed for a delivery): the
// statements are parked with where the LRS redirects, for the admin to fix
// the endpoint (SPEC §4).
func TestRedirectNeverFollowed(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, dialect string) {
				p := newPath(t, dialect)
				pendingThree(t, p)
				// The new address is the stand-in itself: followed, the
				// statements would be stored (307, 308) or answered 404 (a GET).
				moved := p.lrs.URL + "/statements"
				p.lrs.Script(lrstest.Answer{Status: status, Header: http.Header{"Location": {moved}}, Body: "moved"})
				run(t, fast(p.env.Store))
				settled(t, p.env.Store, 0, 3)

				if reqs := p.lrs.Requests(); len(reqs) != 1 {
					t.Fatalf("the LRS got %d requests, want the one POST: %+v", len(reqs), reqs)
				}
				if n := len(p.lrs.Stored()); n != 0 {
					t.Fatalf("the LRS stored %d statements", n)
				}
				out := parkedReasons(t, p)
				if len(out.ParkedList) != 3 {
					t.Fatalf("parked %+v", out)
				}
				for _, st := range out.ParkedList {
					if !strings.Contains(st.Error, "the LRS redirected to "+moved) {
						t.Errorf("parked with %q, want it to name the redirect", st.Error)
					}
				}
			})
		})
	}
}

// TestOnlyStoredCounts: only 200 with a JSON array of one statement id per
// statement sent, 204 or 409 count as delivered (SPEC §4, xAPI 1.0.3
// §2.1.3). Any other answer is a proxy, a login page or a broken LRS: the
// statements are parked with a reason an admin can act on, since sending
// them again would be answered the same.
func TestOnlyStoredCounts(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	for _, tc := range []struct {
		name      string
		answer    lrstest.Answer
		delivered bool
		reason    string
	}{
		{"200 with the ids", lrstest.Answer{Status: 200, Body: `["a","b","c"]`}, true, ""},
		{"204", lrstest.Answer{Status: 204}, true, ""},
		{"200 with an error object", lrstest.Answer{Status: 200, Body: `{"error":"not stored"}`}, false,
			`without the JSON array of statement ids xAPI requires, so nothing is known to be stored; not counted as delivered. Check that the endpoint is the LRS's xAPI endpoint, then retry. The answer: {"error":"not stored"}`},
		{"200 with a login page", lrstest.Answer{Status: 200, Header: html, Body: "<!doctype html><title>Sign in</title><form>…</form>"}, false,
			"with an HTML page instead of the statement ids, so nothing is known to be stored: a login page or a proxy answers at this endpoint"},
		{"200 with a page not labelled HTML", lrstest.Answer{Status: 200, Body: "\n <html><body>Proxy</body></html>"}, false, "HTML page"},
		{"200 with text", lrstest.Answer{Status: 200, Body: "OK"}, false, "without the JSON array of statement ids"},
		{"200 with nothing", lrstest.Answer{Status: 200}, false, "without the JSON array of statement ids"},
		{"200 with an array of numbers", lrstest.Answer{Status: 200, Body: `[1,2,3]`}, false, "without the JSON array of statement ids"},
		{"200 with too few ids", lrstest.Answer{Status: 200, Body: `["a"]`}, false, "with 1 statement ids for 3 statements sent"},
		{"200 with too many ids", lrstest.Answer{Status: 200, Body: `["a","b","c","d"]`}, false, "with 4 statement ids for 3 statements sent"},
		{"202", lrstest.Answer{Status: 202, Body: `{"queued":true}`}, false, "202 Accepted, which is not how an LRS says it stored statements"},
		{"201", lrstest.Answer{Status: 201, Body: `["a","b","c"]`}, false, "201 Created, which is not how an LRS says it stored statements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, dialect string) {
				p := newPath(t, dialect)
				pendingThree(t, p)
				p.lrs.Script(tc.answer)
				run(t, fast(p.env.Store))
				if tc.delivered {
					settled(t, p.env.Store, 3, 0)
					return
				}
				settled(t, p.env.Store, 0, 3)
				if reqs := p.lrs.Requests(); len(reqs) != 1 {
					t.Errorf("the LRS got %d requests, want 1", len(reqs))
				}
				out := parkedReasons(t, p)
				for _, st := range out.ParkedList {
					if !strings.Contains(st.Error, tc.reason) {
						t.Errorf("parked with %q, want %q in it", st.Error, tc.reason)
					}
				}
				// Once the endpoint answers as an LRS, the admin's retry delivers.
				p.env.Admin.Must(200, "POST", "/api/v1/lrs/outbox/retry", map[string]any{}, nil)
				settled(t, p.env.Store, 3, 0)
			})
		})
	}
}

// TestVersionRefused: an LRS that does not accept X-Experience-API-Version
// 1.0.3 answers 400; the statements are parked with a reason naming the
// versions its About resource lists, not one by one with the raw answer.
// A 400 about one statement that happens to speak of a version, from an
// LRS whose About lists 1.0.3, parks that statement only.
func TestVersionRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		t.Run("the header", func(t *testing.T) {
			p := newPath(t, dialect)
			pendingThree(t, p)
			p.lrs.Speak("2.0.0")
			run(t, fast(p.env.Store))
			settled(t, p.env.Store, 0, 3)
			out := parkedReasons(t, p)
			want := "the LRS refuses xAPI version 1.0.3 (the X-Experience-API-Version header skillpath sends); its About resource lists 2.0.0."
			for _, st := range out.ParkedList {
				if !strings.HasPrefix(st.Error, want) || !strings.Contains(st.Error, "X-Experience-API-Version 1.0.3 is not supported") {
					t.Errorf("parked with %q, want it to start %q and quote the LRS", st.Error, want)
				}
			}
			var posts, abouts int
			for _, r := range p.lrs.Requests() {
				switch {
				case r.Method == "POST":
					posts++
				case r.Method == "GET" && strings.HasSuffix(r.Path, "/xapi/about"):
					abouts++
				}
			}
			if posts != 1 || abouts != 1 {
				t.Errorf("%d POSTs and %d About requests, want 1 and 1", posts, abouts)
			}
		})
		t.Run("a statement", func(t *testing.T) {
			p := newPath(t, dialect)
			pendingThree(t, p)
			started := statementID(t, p, "started")
			p.lrs.Reject(started, http.StatusBadRequest, `{"error":"statement version 0.9 is invalid"}`)
			run(t, fast(p.env.Store))
			settled(t, p.env.Store, 2, 1)
			out := parkedReasons(t, p)
			if len(out.ParkedList) != 1 || out.ParkedList[0].ID != started || out.ParkedList[0].Error != `LRS answered 400 Bad Request: {"error":"statement version 0.9 is invalid"}` {
				t.Fatalf("parked %+v", out.ParkedList)
			}
		})
	})
}

// TestHeadOfLine: four trainings report to LRSs that never answer; a
// fifth, healthy training's first statement still reaches its LRS within
// a second, with the worker's default lanes and timeouts (SPEC §4: one
// hanging LRS never delays another training).
func TestHeadOfLine(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		p := newPath(t, dialect)
		var hanging []*path
		for i := range 4 {
			q := p
			if i > 0 {
				q = &path{env: p.env, lrs: lrstest.Start(t)}
				q.create(t)
			}
			q.lrs.Hang()
			q.track(t, true, map[string]any{"verbs": []string{"started"}})
			hanging = append(hanging, q)
		}
		healthy := &path{env: p.env, lrs: lrstest.Start(t)}
		healthy.create(t)
		healthy.track(t, true, map[string]any{"verbs": []string{"started"}})
		// The hanging trainings' statements are written first: they are
		// claimed first.
		for _, q := range hanging {
			q.learner(t, "lee."+q.training.ID+"@example.com").start(t)
		}
		healthy.learner(t, "max@example.com").start(t)

		began := time.Now()
		run(t, &lrs.Worker{Store: p.env.Store})
		healthy.lrs.WaitStored(t, 1, 10*time.Second)
		if waited := time.Since(began); waited > time.Second {
			t.Errorf("the healthy training's first statement took %v", waited)
		}
		for i, q := range hanging {
			select {
			case <-q.lrs.Arrived():
			case <-time.After(5 * time.Second):
				t.Errorf("hanging LRS %d was never sent its statement", i)
			}
		}
		// A statement written while they all hang goes as fast.
		began = time.Now()
		healthy.learner(t, "ann@example.com").start(t)
		healthy.lrs.WaitStored(t, 2, 10*time.Second)
		if waited := time.Since(began); waited > time.Second {
			t.Errorf("the healthy training's next statement took %v", waited)
		}
	})
}
