// Command screenshots takes the pictures of the web pages in
// docs/screenshots: it loads the demo organisation into a temporary SQLite
// database with a frozen clock, lets some demo learners make progress
// through the store (the same methods the pages use), serves the pages, and
// photographs them with chromium, the certificate statistics, a
// certificate's PDF and its verification page included. Last,
// it publishes the demo's results
// tracking and delivers statements to an in-process LRS, for the picture of
// the tracking page.
//
//	go run ./internal/screenshots [-out docs/screenshots]
package main

import (
	"context"
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
	player, err := forkliftEnrollment(ctx, st, learner)
	if err != nil {
		return err
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
	if err := photograph(b, srv.URL, out, player); err != nil {
		return err
	}
	certificates, err := certificateShots(ctx, st)
	if err != nil {
		return fmt.Errorf("certificate statistics: %w", err)
	}
	for _, s := range certificates {
		if err := shoot(b, srv.URL, out, s); err != nil {
			return err
		}
	}
	documents, err := documentShots(ctx, st, srv.URL, out)
	if err != nil {
		return fmt.Errorf("certificate documents: %w", err)
	}
	for _, s := range documents {
		if err := shoot(b, srv.URL, out, s); err != nil {
			return err
		}
	}
	admin, err := adminShots(ctx, st)
	if err != nil {
		return fmt.Errorf("administration: %w", err)
	}
	for _, s := range admin {
		if err := shoot(b, srv.URL, out, s); err != nil {
			return err
		}
	}
	people, err := peopleShots(ctx, st)
	if err != nil {
		return fmt.Errorf("people: %w", err)
	}
	for _, s := range people {
		if err := shoot(b, srv.URL, out, s); err != nil {
			return err
		}
	}
	if err := importShot(b, srv.URL, out); err != nil {
		return err
	}
	fork, err := liveTracking(ctx, st)
	if err != nil {
		return fmt.Errorf("results tracking: %w", err)
	}
	if err := shoot(b, srv.URL, out, shot{"tracking.png", demo.AdminEmail, demo.AdminPassword, "/trainings/" + fork.String() + "/tracking", 1280}); err != nil {
		return err
	}
	if err := liveNotifications(ctx, st); err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	for _, s := range []shot{
		{"notifications.png", demo.AdminEmail, demo.AdminPassword, "/notifications", 1280},
		{"notifications-phone.png", demo.AdminEmail, demo.AdminPassword, "/notifications", 360},
		{"webhooks.png", demo.AdminEmail, demo.AdminPassword, "/webhooks", 1280},
	} {
		if err := shoot(b, srv.URL, out, s); err != nil {
			return err
		}
	}
	return nil
}

// learner is the demo learner whose pages are photographed.
const learner = "learner01@demo.skillpath.test"

// shot is one picture: who looks at which page, at which width.
type shot struct {
	file, email, password, path string
	width                       int
}

func photograph(b *browser.Browser, base, out string, player skillpath.ID) error {
	admin, instructor := demo.AdminEmail, "ivy.instructor@demo.skillpath.test"
	shots := []shot{
		{"login.png", "", "", "/login", 1280},
		{"learn.png", learner, demo.LearnerPassword, "/learn", 1280},
		{"player.png", learner, demo.LearnerPassword, "/learn/enrollments/" + player.String(), 1280},
		{"player-phone.png", learner, demo.LearnerPassword, "/learn/enrollments/" + player.String(), 360},
		{"grading.png", instructor, demo.LearnerPassword, "/grading", 1280},
		{"trainings.png", admin, demo.AdminPassword, "/trainings", 1280},
		{"results.png", admin, demo.AdminPassword, "/trainings/1/results", 1280},
		{"results-phone.png", admin, demo.AdminPassword, "/trainings/1/results", 360},
	}
	for _, s := range shots {
		if err := shoot(b, base, out, s); err != nil {
			return err
		}
	}
	return nil
}

func shoot(b *browser.Browser, base, out string, s shot) error {
	if err := take(b, base, out, s); err != nil {
		return fmt.Errorf("%s: %w", s.file, err)
	}
	fmt.Println("wrote", filepath.Join(out, s.file))
	return nil
}

func take(b *browser.Browser, base, out string, s shot) error {
	tab, cancel := b.User()
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(tab, time.Minute)
	defer cancelTimeout()
	steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(int64(s.width), 800), chromedp.Navigate(base + s.path)}
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

// forkliftEnrollment finds the demo learner's Forklift enrollment, in
// progress, for the player's picture.
func forkliftEnrollment(ctx context.Context, st *store.Store, email string) (skillpath.ID, error) {
	users, _, err := st.ListUsers(ctx, store.UserFilter{Query: email, Limit: 1})
	if err != nil || len(users) != 1 {
		return 0, fmt.Errorf("demo learner %s: %v", email, err)
	}
	list, err := st.UserEnrollments(ctx, users[0].ID)
	if err != nil {
		return 0, err
	}
	for _, e := range list {
		if e.TrainingTitle == "Forklift Operator Certification" {
			return e.ID, nil
		}
	}
	return 0, fmt.Errorf("demo learner %s has no Forklift enrollment", email)
}
