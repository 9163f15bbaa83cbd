// Command screenshots takes the pictures of the web pages in
// docs/screenshots: it loads the demo organisation into a temporary SQLite
// database with a frozen clock, lets some demo learners make progress
// through the store (the same methods the pages use), serves the pages, and
// photographs them with chromium.
//
//	go run ./internal/screenshots [-out docs/screenshots]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"skillpath"
	"skillpath/demo"
	"skillpath/internal/browser"
	"skillpath/server"
	"skillpath/store"
)

// now is the business time of the pictures, fixed so they can be taken again.
var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func main() {
	out := flag.String("out", "docs/screenshots", "folder for the PNG files")
	flag.Parse()
	if err := run(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string) error {
	dir, err := os.MkdirTemp("", "skillpath-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "demo.db"), log)
	if err != nil {
		return err
	}
	defer st.Close()
	st.Now = skillpath.FixedClock(now)
	if _, err := demo.Load(ctx, st, "", ""); err != nil {
		return err
	}
	if err := progress(ctx, st); err != nil {
		return fmt.Errorf("demo progress: %w", err)
	}
	srv := httptest.NewServer(server.New(st, log))
	defer srv.Close()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b, err := browser.Start(1280, 900)
	if err != nil {
		return err
	}
	defer b.Close()
	return photograph(b, srv.URL, out)
}

// shot is one picture: who looks at which page, at which width.
type shot struct {
	file, email, password, path string
	width                       int
}

func photograph(b *browser.Browser, base, out string) error {
	learner, admin, instructor := "learner01@demo.skillpath.test", demo.AdminEmail, "ivy.instructor@demo.skillpath.test"
	shots := []shot{
		{"login.png", "", "", "/login", 1280},
		{"learn.png", learner, demo.LearnerPassword, "/learn", 1280},
		{"player.png", learner, demo.LearnerPassword, "/learn/enrollments/{forklift}", 1280},
		{"player-phone.png", learner, demo.LearnerPassword, "/learn/enrollments/{forklift}", 360},
		{"grading.png", instructor, demo.LearnerPassword, "/grading", 1280},
		{"trainings.png", admin, demo.AdminPassword, "/trainings", 1280},
		{"results.png", admin, demo.AdminPassword, "/trainings/1/results", 1280},
		{"results-phone.png", admin, demo.AdminPassword, "/trainings/1/results", 360},
	}
	for _, s := range shots {
		if err := take(b, base, out, s); err != nil {
			return fmt.Errorf("%s: %w", s.file, err)
		}
		fmt.Println("wrote", filepath.Join(out, s.file))
	}
	return nil
}

func take(b *browser.Browser, base, out string, s shot) error {
	tab, cancel := b.User()
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(tab, time.Minute)
	defer cancelTimeout()
	path := s.path
	if path == "/learn/enrollments/{forklift}" {
		path = "/learn/enrollments/" + forkliftEnrollment.String()
	}
	steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(int64(s.width), 800), chromedp.Navigate(base + path)}
	if s.email != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.ID("email"), s.email), chromedp.SendKeys(chromedp.ID("password"), s.password),
			func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
				_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form[action="/login"] button`)))(ctx, t)
				return chromedp.Void{}, err
			})
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		return err
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, s.file), png, 0o644)
}

// forkliftEnrollment is the demo learner's enrollment the player shows.
var forkliftEnrollment skillpath.ID

// progress gives the demo's first learners a history: passes of Data
// Protection Essentials (one of them a year ago, now expired), some in
// progress, and Forklift essays waiting for the instructor.
func progress(ctx context.Context, st *store.Store) error {
	users, _, err := st.ListUsers(ctx, store.UserFilter{Query: "learner", Limit: 20})
	if err != nil {
		return err
	}
	trainings, err := st.ListTrainings(ctx)
	if err != nil {
		return err
	}
	byTitle := map[string]*skillpath.Training{}
	for _, ts := range trainings {
		t, err := st.FindTraining(ctx, ts.ID)
		if err != nil {
			return err
		}
		byTitle[t.Title] = t
	}
	dpe, forklift := byTitle["Data Protection Essentials"], byTitle["Forklift Operator Certification"]
	dpeSessions, err := st.ListSessions(ctx, dpe.ID)
	if err != nil {
		return err
	}
	forkliftSessions, err := st.ListSessions(ctx, forklift.ID)
	if err != nil {
		return err
	}
	admins, _, err := st.ListUsers(ctx, store.UserFilter{Query: demo.AdminEmail, Limit: 1})
	if err != nil || len(admins) != 1 {
		return fmt.Errorf("the demo admin: %v", err)
	}
	admin := admins[0].ID
	l := &learning{ctx: ctx, st: st}
	for i, u := range users[:14] {
		session := dpeSessions[len(dpeSessions)-1].ID // the rolling session
		if i == 13 {
			st.Now = skillpath.FixedClock(now.AddDate(-1, -1, 0)) // a pass of last year, expired now
			session = dpeSessions[0].ID
		}
		e := l.enroll(session, u.ID, admin)
		switch {
		case i < 6 || i == 13:
			l.pass(e, dpe)
		case i < 9:
			l.start(e)
			l.view(e, dpe.Modules[0].Activities[0].ID)
			l.answer(e, dpe.Modules[0].Activities[1].ID, "Yes")
		case i == 9:
			l.start(e)
			l.view(e, dpe.Modules[0].Activities[0].ID)
			l.answer(e, dpe.Modules[0].Activities[1].ID, "No")
			l.answer(e, dpe.Modules[0].Activities[2].ID, "Forever")
		}
		st.Now = skillpath.FixedClock(now)
	}
	for i, u := range users[:4] {
		e := l.enroll(forkliftSessions[0].ID, u.ID, admin)
		l.start(e)
		l.view(e, forklift.Modules[0].Activities[0].ID)
		l.answer(e, forklift.Modules[0].Activities[1].ID, "Forks and chains")
		if i == 0 {
			forkliftEnrollment = e
			continue
		}
		l.answer(e, forklift.Modules[1].Activities[0].ID, essays[i%len(essays)])
	}
	return l.err
}

var essays = []string{
	"Lower the forks fully, tilt the mast back, and lift only once the load sits square against the backrest. On the top rack I check the height gauge and keep the mast vertical while placing the load.",
	"Check the rated capacity first. Approach slowly, raise the load to rack height before moving in, then lower it gently onto the beams and back out with the forks level.",
	"Heaviest loads on the lowest levels, and never lift above the rack's marked height.",
}

// learning runs store actions and keeps the first error, so the demo's
// history reads as a script.
type learning struct {
	ctx context.Context
	st  *store.Store
	err error
}

func (l *learning) enroll(session, user, by skillpath.ID) skillpath.ID {
	if l.err != nil {
		return 0
	}
	r, err := l.st.Enroll(l.ctx, session, user, by, false)
	if err != nil {
		l.err = err
		return 0
	}
	return r.ID
}

func (l *learning) start(e skillpath.ID) { l.do(func() error { return l.st.Start(l.ctx, e) }) }
func (l *learning) view(e, a skillpath.ID) {
	l.do(func() error { return l.st.View(l.ctx, e, a) })
}
func (l *learning) answer(e, a skillpath.ID, response string) {
	l.do(func() error { return l.st.Answer(l.ctx, e, a, response) })
}

func (l *learning) do(fn func() error) {
	if l.err == nil {
		l.err = fn()
	}
}

// pass answers every activity of the training correctly.
func (l *learning) pass(e skillpath.ID, t *skillpath.Training) {
	l.start(e)
	for _, m := range t.Modules {
		for _, a := range m.Activities {
			switch {
			case a.Kind == skillpath.KindContent:
				l.view(e, a.ID)
			case a.Correct != nil:
				l.answer(e, a.ID, *a.Correct)
			default:
				l.err = errors.Join(l.err, fmt.Errorf("activity %s has no correct answer to give", a.ID))
			}
		}
	}
}
