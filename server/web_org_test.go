package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"skillpath/internal/apitest"
)

// webOrg is the organisation of the web page tests: a learner and an
// instructor who sign in with passwords, and a training with a content page,
// a choice question and a manually scored essay, granting a certificate.
type webOrg struct {
	env                     *apitest.Env
	training                tree
	session                 string
	learnerID               string
	intro, lever, essay     string // activity ids
	quizModule, essayModule string
}

const (
	learnerEmail       = "lee@example.com"
	learnerPassword    = "lee-password"
	instructorEmail    = "ivy@example.com"
	instructorPassword = "ivy-password"
)

// webNow is the business time of the web tests.
var webNow = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)

func newWebOrg(t *testing.T, dialect string) *webOrg {
	t.Helper()
	e := apitest.Start(t, dialect, webNow)
	o := &webOrg{env: e}
	var g, u, c, s ids
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Warehouse"}, &g)
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": learnerEmail, "name": "Lee Learner", "password": learnerPassword, "group_ids": []string{g.ID}}, &u)
	o.learnerID = u.ID
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": instructorEmail, "name": "Ivy Instructor", "password": instructorPassword}, &u)
	instructorID := u.ID
	e.Admin.Must(201, "POST", "/api/v1/certificates", map[string]any{"title": "Forklift licence", "owner_group_id": g.ID, "validity_months": 12}, &c)
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{
		"title": "Forklift basics", "certificate_ids": []string{c.ID}, "instructor_ids": []string{instructorID},
		"modules": []any{
			map[string]any{"title": "Quiz", "min_score": 100, "max_attempts": 2, "activities": []any{
				map[string]any{"title": "Intro", "kind": "content"},
				map[string]any{"title": "Which lever lifts the forks?", "kind": "choice", "choices": []string{"left", "right"}, "correct": "right"},
			}},
			map[string]any{"title": "Essay", "activities": []any{
				map[string]any{"title": "Explain stacking", "kind": "text", "points": 10, "manual_scoring": true},
			}},
		},
	}, &o.training)
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+o.training.ID+"/sessions", map[string]any{"name": "Winter", "starts_at": "2026-01-01T00:00:00Z"}, &s)
	o.session = s.ID
	quiz, essay := o.training.Modules[0], o.training.Modules[1]
	o.quizModule, o.essayModule = quiz.ID, essay.ID
	o.intro, o.lever, o.essay = quiz.Activities[0].ID, quiz.Activities[1].ID, essay.Activities[0].ID
	return o
}

// enroll assigns the learner to the session through the API.
func (o *webOrg) enroll(t *testing.T) string {
	t.Helper()
	var r ids
	o.env.Admin.Must(201, "POST", "/api/v1/sessions/"+o.session+"/enrollments", map[string]any{"user_id": o.learnerID}, &r)
	return r.ID
}

// status reads an enrollment's training status through the API.
func (o *webOrg) status(t *testing.T, enrollment string) string {
	t.Helper()
	var r result
	o.env.Admin.Must(200, "GET", "/api/v1/enrollments/"+enrollment, nil, &r)
	return r.Status
}

// webClient is a browser without a browser: cookies, forms and no
// automatic redirects, to check statuses and headers of the pages.
type webClient struct {
	t    testing.TB
	base string
	http *http.Client
}

func (o *webOrg) client(t testing.TB) *webClient {
	return newWebClient(t, o.env.Server.URL)
}

// newWebClient is a web client of the server at base.
func newWebClient(t testing.TB, base string) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, base: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer of the pages: status, headers and HTML.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *webClient) do(method, path string, form url.Values, headers ...string) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func (c *webClient) get(path string) page { c.t.Helper(); return c.do("GET", path, nil) }

// hidden reads a hidden field's value from a page.
func (p page) hidden(t testing.TB, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no hidden field %s in the page (status %d)", name, p.Status)
	}
	return m[1]
}

// signIn signs in through the form and returns the answer to the POST.
func (c *webClient) signIn(email, password, next string) page {
	c.t.Helper()
	form := c.get("/login?next=" + url.QueryEscape(next))
	return c.do("POST", "/login", url.Values{"login_token": {form.hidden(c.t, "login_token")}, "email": {email}, "password": {password}, "next": {next}})
}

// mustSignIn signs in and fails the test unless it worked.
func (c *webClient) mustSignIn(email, password string) {
	c.t.Helper()
	if p := c.signIn(email, password, ""); p.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d: %s", email, p.Status, p.Body)
	}
}

// post sends a form from a page, with the page's form token.
func (c *webClient) post(from, path string, form url.Values, headers ...string) page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.get(from).hidden(c.t, "csrf_token"))
	return c.do("POST", path, form, headers...)
}
