package server_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// The grading queue pages (issue 18: 346 answers on one page): 20 answers
// a page, where the page is among all of them, pagers landing on the
// queue, one training's answers only from the results page's link, and a
// score that returns to the page it was given on.
func TestWebGradingPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
		var training tree
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Stacking", "modules": []any{
			map[string]any{"title": "Essay", "activities": []any{map[string]any{"title": "Explain", "kind": "text", "points": 10, "manual_scoring": true}}},
		}}, &training)
		var other tree
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Other", "modules": []any{
			map[string]any{"title": "Essay", "activities": []any{map[string]any{"title": "Why", "kind": "text", "points": 5, "manual_scoring": true}}},
		}}, &other)
		essay := func(tr tree, n int) {
			var s, u, enr ids
			e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &s)
			for i := range n {
				e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": fmt.Sprintf("l%d-%s@example.com", i, tr.ID), "name": fmt.Sprintf("Learner %02d", i)}, &u)
				learner := e.As(idOf(t, u.ID))
				e.Admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
				learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
				learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+tr.Modules[0].Activities[0].ID+"/answer", map[string]any{"response": "Because."}, nil)
			}
		}
		essay(training, 23)
		essay(other, 2)

		c := newWebClient(t, e.Server.URL)
		c.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		p := c.get("/grading")
		next := regexp.MustCompile(`<a href="([^"]*)" rel="next">`).FindStringSubmatch(p.Body)
		if !strings.Contains(p.Body, "Answers 1–20 of 25") || strings.Count(p.Body, `class="card"`) != 20 || next == nil || !strings.HasSuffix(next[1], "#queue") {
			t.Fatalf("first page: %d answers, position or next missing:\n%s", strings.Count(p.Body, `class="card"`), p.Body)
		}
		p = c.get(html.UnescapeString(next[1]))
		if !strings.Contains(p.Body, "Answers 21–25 of 25") || strings.Count(p.Body, `class="card"`) != 5 || !strings.Contains(p.Body, "« First page") {
			t.Errorf("second page: %d answers", strings.Count(p.Body, `class="card"`))
		}

		// the results page's link: one training's answers
		only := "/grading?training=" + training.ID
		p = c.get(only)
		if !strings.Contains(p.Body, "Answers 1–20 of 23") || !strings.Contains(p.Body, "Only the answers of <strong>Stacking</strong>") {
			t.Errorf("one training's queue: position or title missing")
		}
		// a score given on the second page returns there
		next = regexp.MustCompile(`<a href="([^"]*)" rel="next">`).FindStringSubmatch(p.Body)
		if next == nil {
			t.Fatal("one training's queue has no next page")
		}
		p = c.get(html.UnescapeString(next[1]))
		form := regexp.MustCompile(`action="(/grading/enrollments/\d+/activities/\d+/score)"`).FindStringSubmatch(p.Body)
		back := regexp.MustCompile(`name="back" value="([^"]*)"`).FindStringSubmatch(p.Body)
		if form == nil || back == nil {
			t.Fatalf("second page of one training: no score form\n%s", p.Body)
		}
		r := c.post(only, form[1], url.Values{"score": {"7"}, "back": {html.UnescapeString(back[1])}})
		if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/grading?") || !strings.Contains(r.Header.Get("Location"), "training="+training.ID) {
			t.Errorf("a score: %d to %s, want back to the queue's page", r.Status, r.Header.Get("Location"))
		}
		if p := c.get(only); !strings.Contains(p.Body, "of 22") {
			t.Errorf("after a score the queue of Stacking should hold 22 answers")
		}
		// a score refused in words, next to its field
		r = c.post(only, form[1], url.Values{"score": {"ten"}, "back": {only}})
		if r.Status != 400 || !strings.Contains(r.Body, "Enter the score as a number") || strings.Contains(r.Body, "score:") {
			t.Errorf("a score that is not a number: %d", r.Status)
		}
	})
}
