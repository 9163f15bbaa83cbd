package server_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"skillpath/internal/apitest"
	"skillpath/internal/browser"
	"skillpath/internal/testdb"
)

// The browser tests drive Debian's chromium through the pages as people
// use them. One browser serves the whole test binary; each person is a
// browser context of their own (their own cookies).

var (
	browserOnce sync.Once
	theBrowser  *browser.Browser
	browserErr  error
)

// person is one user in the shared browser: a tab in a fresh browser
// context, closed when the test ends. Every step must finish within a
// minute.
type person struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newPerson(t *testing.T, base string) *person {
	t.Helper()
	browserOnce.Do(func() { theBrowser, browserErr = browser.Start(1280, 900) })
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	tab, cancelTab := theBrowser.User()
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		cancelTab()
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, time.Minute)
	t.Cleanup(func() { cancel(); cancelTab() })
	return &person{t: t, ctx: ctx, base: base}
}

func (p *person) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// open loads a page of the site.
func (p *person) open(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + path))
}

// click clicks the element and waits for the page it loads.
func (p *person) click(sel string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
}

func (p *person) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// see fails the test unless the element's text contains want.
func (p *person) see(sel, want string) {
	p.t.Helper()
	if got := p.text(sel); !strings.Contains(got, want) {
		p.t.Fatalf("%s says %q, want %q", sel, got, want)
	}
}

// at fails the test unless the browser shows the path.
func (p *person) at(path string) {
	p.t.Helper()
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	if got := strings.TrimPrefix(loc, p.base); got != path {
		p.t.Fatalf("at %s, want %s", got, path)
	}
}

// signIn fills and sends the sign-in form shown at the current page.
func (p *person) signIn(email, password string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	p.click(`form[action="/login"] button[type=submit]`)
}

// TestBrowserSignIn: a visitor asking for a page signs in, is told when the
// password is wrong, lands on the page asked for, and signs out.
func TestBrowserSignIn(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	p := newPerson(t, o.env.Server.URL)
	p.open("/learn")
	p.at("/login?next=%2Flearn")
	p.signIn(learnerEmail, "not-my-password")
	p.see("#page-error", "The email or password is not correct.")
	if v, _ := chromedp.Run(p.ctx, chromedp.Value(chromedp.ID("email"))); v != learnerEmail {
		t.Errorf("the email field lost what was typed: %q", v)
	}
	p.do(chromedp.Clear(chromedp.ID("email")))
	p.signIn(learnerEmail, learnerPassword)
	p.at("/learn")
	p.see("h1", "Learn")
	p.see("header .who", "Lee Learner")
	p.click(`form[action="/logout"] button`)
	p.at("/login?signed_out=1")
	p.see("main", "You are signed out.")
	p.open("/learn/enrollments/1")
	p.at("/login?next=%2Flearn%2Fenrollments%2F1")
}

// TestBrowserTrainingToPassed: a learner enrolls from the catalog and takes
// the training in the player; an instructor scores the essay in /grading;
// the admin watches the results page go from "In progress" to "Passed".
func TestBrowserTrainingToPassed(t *testing.T) {
	testdb.Each(t, trainingToPassed)
}

func trainingToPassed(t *testing.T, dialect string) {
	o := newWebOrg(t, dialect)
	base := o.env.Server.URL
	learner, instructor, admin := newPerson(t, base), newPerson(t, base), newPerson(t, base)
	results := "/trainings/" + o.training.ID + "/results"

	learner.open("/")
	learner.signIn(learnerEmail, learnerPassword)
	learner.at("/learn")
	learner.see("#mine + p", "not enrolled")
	learner.click("#training-" + o.training.ID + " form button")
	learner.see("h1", "Forklift basics")
	learner.see(".facts", "Not started")
	learner.click(`form[action$="/start"] button`)
	learner.see(".facts", "In progress")

	admin.open(results)
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	admin.at(results)
	admin.see("tbody tr", "Lee Learner")
	admin.see("tbody tr", "In progress")
	admin.see("tbody tr", "0 of 2 modules completed")

	intro, lever, essay := "#activity-"+o.intro, "#activity-"+o.lever, "#activity-"+o.essay
	learner.click(intro + " button")
	learner.see(intro+" .badge", "Done")
	learner.do(chromedp.Click(chromedp.CSS(`input[name=response][value="right"]`)))
	learner.click(lever + " button[type=submit]")
	learner.see(lever+" .meta", "1 / 1 points")
	learner.see("#module-"+o.quizModule+" .meta", "Passed")
	learner.do(chromedp.SendKeys(chromedp.CSS(essay+" textarea"), "The heaviest load goes at the bottom."))
	learner.click(essay + " button[type=submit]")
	learner.see(essay, "An instructor will score this answer.")
	learner.see(".facts", "Awaiting scoring")

	admin.open(results)
	admin.see("tbody tr", "Awaiting scoring")
	admin.see("tbody tr", "1 of 2 modules completed")

	instructor.open("/grading")
	instructor.signIn(instructorEmail, instructorPassword)
	instructor.at("/grading")
	instructor.see(".card", "The heaviest load goes at the bottom.")
	instructor.see(".card", "Lee Learner")
	instructor.do(chromedp.SendKeys(chromedp.CSS(".card input[name=score]"), "8"))
	instructor.click(".card button[type=submit]")
	instructor.see("main .notice", "The score is saved.")
	instructor.see("main .cards", "No answer is waiting for a score.")

	admin.open(results)
	admin.see("tbody tr", "Passed")
	admin.see("tbody tr", "2 of 2 modules completed")
	admin.see("tbody tr", "81.8%")
	admin.see("tbody tr", "Valid")
	admin.do(chromedp.SetValue(chromedp.ID("status"), "started"))
	admin.click(".filters button[type=submit]")
	admin.at(results + "?status=started#results-heading") // the filter lands on the table
	admin.see("main", "No learner has this status.")
	admin.do(chromedp.SetValue(chromedp.ID("status"), "passed"))
	admin.click(".filters button[type=submit]")
	admin.see("tbody tr", "Lee Learner")

	learner.open("/learn")
	learner.see("#mine ~ .table-scroll", "Passed")
	learner.click("#mine ~ .table-scroll a")
	learner.see(".facts", "Passed")
	learner.see(".certificates", "Forklift licence")
	learner.see(".certificates", "Delivered on 2026-01-31 · expires on 2027-01-31")
}

// TestBrowserForgery: a form the page did not make, even sent from the
// site's own origin with the user's cookie, is refused.
func TestBrowserForgery(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	enrollment := o.enroll(t)
	p := newPerson(t, o.env.Server.URL)
	p.open("/learn/enrollments/" + enrollment)
	p.signIn(learnerEmail, learnerPassword)
	p.see(".facts", "Not started")
	post := func(withToken bool) int {
		t.Helper()
		js := `(() => { const f = new URLSearchParams();` +
			map[bool]string{true: `f.set("csrf_token", document.querySelector("input[name=csrf_token]").value);`, false: ``}[withToken] +
			`return fetch("/learn/enrollments/` + enrollment + `/start", {method: "POST", body: f, redirect: "manual"}).then(r => r.status); })()`
		status, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return status
	}
	if got := post(false); got != 403 {
		t.Fatalf("a POST without the form token: %d, want 403", got)
	}
	if got := o.status(t, enrollment); got != "not_started" {
		t.Fatalf("the refused POST changed the status to %s", got)
	}
	if got := post(true); got != 0 { // an opaque redirect: the form was taken
		t.Fatalf("a POST with the form token: %d, want a redirect", got)
	}
	if got := o.status(t, enrollment); got != "started" {
		t.Fatalf("after the real form: %s", got)
	}
}

// pageChecks is a script that reports what makes a page hard to use at the
// current width or without sight or a mouse: horizontal scrolling, form
// fields without a label, headings that skip a level, a missing h1 or main
// landmark, and images without a text alternative.
const pageChecks = `(() => {
	const problems = [];
	const doc = document.documentElement;
	if (doc.scrollWidth > window.innerWidth) problems.push("scrolls sideways: " + doc.scrollWidth + "px in " + window.innerWidth + "px");
	for (const f of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
		if (f.labels.length === 0 && !f.getAttribute("aria-label")) problems.push("no label: " + f.outerHTML.slice(0, 80));
	}
	let level = 0;
	for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
		const l = Number(h.tagName[1]);
		if (l > level + 1) problems.push("heading skips a level: " + h.tagName + " " + h.textContent.trim());
		level = l;
	}
	if (document.querySelectorAll("h1").length !== 1) problems.push("not one h1");
	if (!document.querySelector("main")) problems.push("no main landmark");
	for (const img of document.querySelectorAll("img:not([alt])")) problems.push("image without alt: " + img.src);
	return problems;
})()`

// TestBrowserPages: every page fits a 360px wide phone without sideways
// scrolling, and passes the checks above.
func TestBrowserPages(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	enrollment := o.enroll(t)
	base := o.env.Server.URL
	learner, admin := newPerson(t, base), newPerson(t, base)
	phone := chromedp.EmulateViewport(360, 740)
	learner.do(phone)
	admin.do(phone)
	learner.open("/learn")
	learner.signIn(learnerEmail, learnerPassword)
	learner.open("/learn/enrollments/" + enrollment)
	learner.click(`form[action$="/start"] button`)
	learner.do(chromedp.SendKeys(chromedp.CSS("#activity-"+o.essay+" textarea"), "Averyveryverylongwordthatdoesnotbreakanywhereatallnotevenonaphone and more."))
	learner.click("#activity-" + o.essay + " button[type=submit]")
	admin.open("/login")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	var list struct {
		Rows []struct{ ID string } `json:"rows"`
	}
	o.env.Admin.Must(200, "GET", "/api/v1/stats/certificates", nil, &list)
	certificate := "/certificates/" + list.Rows[0].ID
	var groups struct {
		Groups []struct{ ID string } `json:"groups"`
	}
	o.env.Admin.Must(200, "GET", "/api/v1/groups", nil, &groups)

	for _, tc := range []struct {
		who  *person
		path string
	}{
		{learner, "/learn"},
		{learner, "/learn/enrollments/" + enrollment},
		{admin, "/grading"},
		{admin, "/trainings"},
		{admin, "/trainings/" + o.training.ID + "/results"},
		{admin, "/learn/enrollments/999999"},
		{admin, "/certificates"},
		{admin, "/certificates?group=" + groups.Groups[0].ID + "&field.region=North&user_status=all"}, // the group tree open
		{admin, "/certificates?registered_from=2026-02-30"},                                           // a refused filter
		{admin, certificate},
		{admin, certificate + "/certified"},
		{admin, certificate + "/paths"},
		{admin, certificate + "/learners/" + o.learnerID},
		{newPerson(t, base), "/login"},
	} {
		tc.who.do(phone)
		tc.who.open(tc.path)
		problems, err := chromedp.Run(tc.who.ctx, chromedp.Evaluate[[]string](pageChecks))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", tc.path, p)
		}
	}
}
