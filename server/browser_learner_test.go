package server_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"skillpath"
	"skillpath/demo"
	"skillpath/internal/axe"
	"skillpath/internal/testdb"
	"skillpath/server"
)

// TestBrowserLearnerReadsAndPasses (issue 18): a learner finds a training
// in the catalog, enrolls, reads its content, takes it, is told "You
// passed — certificate valid until …" with the focus on it, and finds the
// certificate among theirs.
func TestBrowserLearnerReadsAndPasses(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	admin := o.env.Admin
	var certs struct {
		Certificates []struct{ ID string } `json:"certificates"`
	}
	admin.Must(200, "GET", "/api/v1/certificates", nil, &certs)
	var tr tree
	admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Pallet safety", "certificate_ids": []string{certs.Certificates[0].ID},
		"modules": []any{map[string]any{"title": "Pallets", "activities": []any{
			map[string]any{"title": "Read first", "kind": "content", "body": "## Lifting a pallet\n\nKeep the load **low** and tilted back.",
				"url": "https://video.example.org/pallets"},
			map[string]any{"title": "How do you carry a load?", "kind": "choice", "choices": []string{"Low", "High"}, "correct": "Low"},
		}}}}, &tr)
	var s ids
	admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Spring", "starts_at": "2026-01-01T00:00:00Z"}, &s)

	p := newPerson(t, o.env.Server.URL)
	p.open("/learn")
	p.signIn(learnerEmail, learnerPassword)
	card := "#training-" + tr.ID
	p.see(card+" h3", "Pallet safety")
	p.click(card + " form button")
	p.see("h1", "Pallet safety")
	p.click(`form[action$="/start"] button`)
	content := "#activity-" + tr.Modules[0].Activities[0].ID
	p.see(content+" .content-body h2", "Lifting a pallet")
	p.see(content+" .content-body", "Keep the load low and tilted back.")
	p.see(content+` a[href="https://video.example.org/pallets"]`, "Open the video or page")
	p.click(content + " button")
	p.see(content+" .badge", "Done")
	question := "#activity-" + tr.Modules[0].Activities[1].ID
	p.do(chromedp.Click(chromedp.CSS(question + ` input[value="Low"]`)))
	p.click(question + " button[type=submit]")
	p.see("#passed", "You passed — certificate Forklift licence valid until 2027-01-31")
	if focused, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "passed" {
		t.Errorf("the focus is on %q, want the success box", focused)
	}
	p.open("/learn")
	p.see("#my-certificates + ul", "Forklift licence")
	p.see("#my-certificates + ul", "Valid until 2027-01-31")
}

// roleWalk is one person of the demo organisation and the pages they
// reach from their home page by its links.
type roleWalk struct {
	role, email, password string
	extra                 []string // pages reached by forms rather than links
}

// TestBrowserAccessibility (issue 18): every page each role reaches —
// learner, instructor, group admin, platform admin, following the links
// of their pages from their home page, one page per kind — has no
// critical or serious violation of WCAG 2.1 A and AA as axe-core finds
// them, at 1280 and at 390 px, and does not scroll sideways at 390 px.
func TestBrowserAccessibility(t *testing.T) {
	if _, err := axe.Script(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := testdb.Open(t, "sqlite", now)
	if _, err := demo.Load(context.Background(), st, "", ""); err != nil {
		t.Fatal(err)
	}
	// A newcomer enrolled in nothing: the catalog offers a session select
	// on every free training.
	if err := st.CreateUser(context.Background(), &skillpath.User{Email: "newcomer@demo.skillpath.test", Name: "Nina Newcomer"}, demo.LearnerPassword); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, testdb.Logger(t)))
	t.Cleanup(srv.Close)
	walks := []roleWalk{
		{"learner", "learner01@demo.skillpath.test", demo.LearnerPassword, []string{"/no-such-page"}},
		{"newcomer", "newcomer@demo.skillpath.test", demo.LearnerPassword, nil},
		{"instructor", "ivy.instructor@demo.skillpath.test", demo.LearnerPassword, nil},
		{"group admin", "olga.ops@demo.skillpath.test", demo.LearnerPassword, nil},
		{"platform admin", demo.AdminEmail, demo.AdminPassword, []string{"/no-such-page"}},
	}
	loads := 0
	for _, w := range walks {
		t.Run(w.role, func(t *testing.T) {
			p := newPerson(t, srv.URL)
			p.open("/login")
			p.signIn(w.email, w.password)
			pages := p.reach(append([]string{"/"}, w.extra...), 40)
			for _, path := range pages {
				loads += 2
				p.checkPage(path)
			}
			t.Logf("%s: %d pages, each at 1280 and 390 px: %v", w.role, len(pages), pages)
		})
	}
	// Signed out: the sign-in page and the public verification page, of a
	// real code and of an unknown one.
	t.Run("anyone", func(t *testing.T) {
		code := ""
		for id := skillpath.ID(1); id < 200 && code == ""; id++ {
			if docs, err := st.CertificateDocuments(context.Background(), id); err == nil && len(docs) > 0 {
				code = docs[0].Code
			}
		}
		if code == "" {
			t.Fatal("no demo certificate to verify")
		}
		p := newPerson(t, srv.URL)
		for _, path := range []string{"/login", "/verify/" + code, "/verify/00000000000000000000000000000000"} {
			loads += 2
			p.checkPage(path)
		}
	})
	t.Logf("%d page loads checked", loads)
}

// skipLink: links that are not pages to check (downloads, files, signing
// out, other sites).
var skipLink = regexp.MustCompile(`\.(csv|pdf)$|^/logout|^/static/|/attachments/`)

// kind is a page's path with its ids and query left out: pages of one
// kind share a template.
var idSegment = regexp.MustCompile(`/\d+`)

func kind(path string) string {
	path, _, _ = strings.Cut(path, "?")
	return idSegment.ReplaceAllString(path, "/N")
}

// reach follows the links of the pages from start, breadth first, and
// returns one page of each kind, at most limit.
func (p *person) reach(start []string, limit int) []string {
	p.t.Helper()
	seen, kinds := map[string]bool{}, map[string]bool{}
	var out []string
	queue := start
	for len(queue) > 0 && len(out) < limit {
		path := queue[0]
		queue = queue[1:]
		if seen[path] || kinds[kind(path)] {
			continue
		}
		seen[path] = true
		p.open(path)
		loc, err := chromedp.Run(p.ctx, chromedp.Location())
		if err != nil {
			p.t.Fatal(err)
		}
		landed := strings.TrimPrefix(loc, p.base)
		if i := strings.Index(landed, "#"); i >= 0 {
			landed = landed[:i]
		}
		if kinds[kind(landed)] {
			continue
		}
		kinds[kind(landed)] = true
		out = append(out, landed)
		links, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href]"), a => a.href)`))
		if err != nil {
			p.t.Fatal(err)
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || u.Scheme+"://"+u.Host != p.base || skipLink.MatchString(u.Path) {
				continue
			}
			next := u.Path
			if u.RawQuery != "" {
				next += "?" + u.RawQuery
			}
			if !seen[next] && !kinds[kind(next)] {
				queue = append(queue, next)
			}
		}
	}
	return out
}

// checkPage opens path and checks it with axe-core at 1280 px, then at
// 390 px, where it must not scroll sideways either.
func (p *person) checkPage(path string) {
	p.t.Helper()
	for _, width := range []int64{1280, 390} {
		p.do(chromedp.EmulateViewport(width, 900))
		if width == 1280 {
			p.open(path)
		}
		violations, err := axe.Run(p.ctx)
		if err != nil {
			p.t.Fatalf("%s at %d px: %v", path, width, err)
		}
		for _, v := range violations {
			if v.Impact == "critical" || v.Impact == "serious" {
				p.t.Errorf("%s at %d px: %s", path, width, v)
			}
		}
		if width == 390 {
			over, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(function () {
				const d = document.documentElement;
				if (d.scrollWidth <= d.clientWidth) return "";
				const wide = Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)
					.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className : ""));
				return d.scrollWidth + " > " + d.clientWidth + ": " + wide.join(", ");
			})()`))
			if err != nil {
				p.t.Fatal(err)
			}
			if over != "" {
				p.t.Errorf("%s scrolls sideways at 390 px: %s", path, over)
			}
		}
	}
	p.do(chromedp.EmulateViewport(1280, 900))
}
