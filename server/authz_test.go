package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	validator "github.com/pb33f/libopenapi-validator"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
)

// The authorization matrix (issue 11): every route of the route table
// (server.Routes), called by every role on objects in and out of the
// role's scope, on both databases. The rules are the table in
// authz_matrix_test.go; this file builds the organisation and runs it.

// role is who calls: one person of the matrix organisation, or nobody.
type role int

const (
	platformAdmin role = iota
	groupAdmin         // admin of North, whose subgroup North Sub holds the learner
	coach              // coach of North
	instructor         // instructor of the training in scope
	author             // author of the training in scope
	learner            // the learner in scope (North Sub): the objects in scope are his own
	otherLearner       // a learner of another group (South), who owns none of the objects
	deletedUser        // a learner of North deleted after his token and session were made
	anonymous          // no token, no session
)

var roles = []role{platformAdmin, groupAdmin, coach, instructor, author, learner, otherLearner, deletedUser, anonymous}

// signedIn are the roles of live users.
var signedIn = []role{platformAdmin, groupAdmin, coach, instructor, author, learner, otherLearner}

func (r role) String() string {
	return [...]string{"platform admin", "group admin", "coach", "instructor", "author", "learner",
		"learner of another group", "deleted user", "no token"}[r]
}

// objects are the ids a route's path and body name, on one side of the
// scopes: in scope (the learner Leo of North Sub, his enrollment in the
// training that the instructor and author staff, its certificate) or out
// of it (Sam of South, in a training nobody of the matrix staffs). They
// fill the {placeholders} of an entry's path.
type objects struct {
	scope        string // "in" or "out"
	user         string // the learner
	email        string // his email, to find him in answers
	group        string // a top group: North, or South
	learnerGroup string // the learner's group: North Sub (under North), or South
	training     string
	session      string
	enrollment   string // the learner's, started, with an essay awaiting scoring
	certificate  string // granted by the training
	module       string
	content      string // a content activity
	essay        string // a manually scored text question
	staff        string // a user who is coach of group (for removing staff)
	token        string // an API token of the learner (for revoking it)
	certified    string // another enrollment of the learner in the training, passed: it delivered the certificate
	code         string // the verification code of that certificate
	webhook      string // a webhook (for reading and deleting it)
	attachment   string // an image attached to the training
	award        string // a certificate delivered by hand to another learner of the side (issue 13)
}

func (o *objects) path(p string) string {
	return strings.NewReplacer("{user}", o.user, "{group}", o.group, "{training}", o.training, "{session}", o.session,
		"{enrollment}", o.enrollment, "{certificate}", o.certificate, "{module}", o.module, "{content}", o.content,
		"{essay}", o.essay, "{staff}", o.staff, "{token}", o.token, "{certified}", o.certified, "{code}", o.code, "{webhook}", o.webhook,
		"{attachment}", o.attachment, "{award}", o.award).Replace(p)
}

// matrixNow is the business time of the matrix.
var matrixNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	learnerPass = "leo-password"
	lrsEndpoint = "https://lrs.example.com/xapi"
)

// fixture is the matrix organisation on one database, built once:
//
//	North (Olga admin, Carl coach)     South
//	└── North Sub: Leo                 Sam, Gina
//	Dan (North) is deleted.
//	Training In: Ivan instructor, Aria author; grants Certificate In; Leo enrolled.
//	Training Out: no staff of the matrix; grants Certificate Out; Sam enrolled.
type fixture struct {
	t       *testing.T
	env     *apitest.Env
	in, out objects
	tokens  map[role]string // API tokens
	cookies map[role]string // web session cookies
	csrf    map[role]string // their form tokens
	people  map[role]string // user ids
	trees   map[string]json.RawMessage
	open    string // a training without staff or certificate, open to self-enrollment
	seq     int
}

func newFixture(t *testing.T, dialect string) *fixture {
	t.Helper()
	e := apitest.Start(t, dialect, matrixNow, func(s *server.Server) {
		s.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "# metrics") })
	})
	f := &fixture{t: t, env: e, tokens: map[role]string{}, cookies: map[role]string{}, csrf: map[role]string{},
		people: map[role]string{}, trees: map[string]json.RawMessage{}}
	north := f.create("/api/v1/groups", map[string]any{"name": "North"})
	sub := f.create("/api/v1/groups", map[string]any{"name": "North Sub", "parent_id": north})
	south := f.create("/api/v1/groups", map[string]any{"name": "South"})
	person := func(name, group string) string {
		body := map[string]any{"email": strings.ToLower(name) + "@matrix.test", "name": name}
		if name == "Leo" { // who signs in with a password (POST /api/v1/tokens, POST /login)
			body["password"] = learnerPass
		}
		if group != "" {
			body["group_ids"] = []string{group}
		}
		return f.create("/api/v1/users", body)
	}
	f.people[groupAdmin] = person("Olga", "")
	f.people[coach] = person("Carl", "")
	f.people[instructor] = person("Ivan", "")
	f.people[author] = person("Aria", "")
	f.people[learner] = person("Leo", sub)
	f.people[otherLearner] = person("Gina", south)
	f.people[deletedUser] = person("Dan", north)
	sam := person("Sam", south)
	e.Admin.Must(201, "POST", "/api/v1/groups/"+north+"/staff", map[string]any{"user_id": f.people[groupAdmin], "role": "admin"}, nil)
	e.Admin.Must(201, "POST", "/api/v1/groups/"+north+"/staff", map[string]any{"user_id": f.people[coach], "role": "coach"}, nil)

	f.in = objects{scope: "in", user: f.people[learner], email: "leo@matrix.test", group: north, learnerGroup: sub}
	f.out = objects{scope: "out", user: sam, email: "sam@matrix.test", group: south, learnerGroup: south}
	f.in.staff, f.out.staff = f.people[coach], f.newStaff(south)
	for _, o := range []*objects{&f.in, &f.out} {
		o.certificate = f.create("/api/v1/certificates", map[string]any{"title": "Certificate " + o.scope, "owner_group_id": o.group, "validity_months": 12})
		body := map[string]any{"title": "Training " + o.scope, "certificate_ids": []string{o.certificate},
			"modules": []any{map[string]any{"title": "Module", "activities": []any{
				map[string]any{"title": "Read", "kind": "content"},
				map[string]any{"title": "Explain", "kind": "text", "points": 10, "manual_scoring": true},
			}}}}
		if o.scope == "in" {
			body["instructor_ids"] = []string{f.people[instructor]}
			body["author_ids"] = []string{f.people[author]}
		}
		var tr apitest.Tree
		r := e.Admin.Must(201, "POST", "/api/v1/trainings", body, &tr)
		o.training, f.trees[tr.ID] = tr.ID, r.Body
		o.module, o.content, o.essay = tr.Modules[0].ID, tr.Modules[0].Activities[0].ID, tr.Modules[0].Activities[1].ID
		e.Admin.Must(200, "PUT", "/api/v1/trainings/"+o.training+"/lrs", map[string]any{"endpoint": lrsEndpoint, "verbs": []string{}}, nil)
		o.session = f.newSession(o)
		o.enrollment = f.newEnrollment(o)
		o.attachment = f.attach(o)
		learnerClient := e.As(id(t, o.user))
		learnerClient.Must(200, "POST", "/api/v1/enrollments/"+o.enrollment+"/start", nil, nil)
		learnerClient.Must(200, "POST", "/api/v1/enrollments/"+o.enrollment+"/activities/"+o.essay+"/answer", map[string]any{"response": "Because."}, nil)
		f.certify(o)
		o.award = f.newAward(o)
	}

	f.open = f.create("/api/v1/trainings", map[string]any{"title": "Open",
		"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "A", "kind": "content"}}}}})
	for _, r := range signedIn {
		if r == platformAdmin {
			f.tokens[r] = e.Admin.Token
			var me apitest.Ref
			e.Admin.Must(200, "GET", "/api/v1/me", nil, &me)
			f.people[r] = me.ID
		} else {
			f.tokens[r] = e.As(id(t, f.people[r])).Token
		}
		f.signIn(r)
	}
	f.tokens[deletedUser] = e.As(id(t, f.people[deletedUser])).Token
	f.signIn(deletedUser)
	e.Admin.Must(204, "DELETE", "/api/v1/users/"+f.people[deletedUser], nil, nil)
	return f
}

func id(t testing.TB, s string) skillpath.ID {
	v, ok := skillpath.ParseID(s)
	if !ok {
		t.Fatalf("id %q", s)
	}
	return v
}

// create posts body to path as the platform admin and returns the new id.
func (f *fixture) create(path string, body any) string {
	f.t.Helper()
	var r apitest.Ref
	f.env.Admin.Must(201, "POST", path, body, &r)
	return r.ID
}

// signIn opens a web session for the role's person.
func (f *fixture) signIn(r role) {
	f.t.Helper()
	token, ws, err := f.env.Store.CreateWebSession(context.Background(), id(f.t, f.people[r]))
	if err != nil {
		f.t.Fatal(err)
	}
	f.cookies[r], f.csrf[r] = token, ws.CSRF
}

func (f *fixture) next() int { f.seq++; return f.seq }

// newSession adds a session to the side's training.
func (f *fixture) newSession(o *objects) string {
	return f.create("/api/v1/trainings/"+o.training+"/sessions", map[string]any{"name": fmt.Sprintf("Session %d", f.next()), "starts_at": "2026-01-01T00:00:00Z"})
}

// newWebhook subscribes a webhook through the API and returns its id.
func (f *fixture) newWebhook() string {
	return f.create("/api/v1/webhooks", map[string]any{"url": fmt.Sprintf("https://hooks.example.com/%d", f.next()), "events": []string{"certificate.delivered"}})
}

// newEnrollment assigns the side's learner to its session.
func (f *fixture) newEnrollment(o *objects) string {
	return f.create("/api/v1/sessions/"+o.session+"/enrollments", map[string]any{"user_id": o.user})
}

// newToken mints an API token for the user through the API and returns
// its id.
func (f *fixture) newToken(user string) string {
	return f.create("/api/v1/users/"+user+"/tokens", nil)
}

// certify makes the side's learner pass the training in a session of his
// own, which delivers its certificate, and notes that enrollment and the
// certificate's verification code.
func (f *fixture) certify(o *objects) {
	f.t.Helper()
	session := f.newSession(o)
	o.certified = f.create("/api/v1/sessions/"+session+"/enrollments", map[string]any{"user_id": o.user})
	base := "/api/v1/enrollments/" + o.certified
	learnerClient := f.env.As(id(f.t, o.user))
	learnerClient.Must(200, "POST", base+"/start", nil, nil)
	learnerClient.Must(200, "POST", base+"/activities/"+o.content+"/view", nil, nil)
	learnerClient.Must(200, "POST", base+"/activities/"+o.essay+"/answer", map[string]any{"response": "Because."}, nil)
	f.env.Admin.Must(200, "POST", base+"/activities/"+o.essay+"/score", map[string]any{"score": 10}, nil)
	docs, err := f.env.Store.CertificateDocuments(context.Background(), id(f.t, o.certified))
	if err != nil || len(docs) != 1 {
		f.t.Fatalf("the passed enrollment %s delivered %d certificates (%v), want 1", o.certified, len(docs), err)
	}
	o.code = docs[0].Code
}

// newAward certifies a new learner of the side by hand, in a new session
// of the side's training, and returns the delivered certificate's id.
func (f *fixture) newAward(o *objects) string {
	f.t.Helper()
	session := f.newSession(o)
	user := f.newLearner(o)
	var a struct {
		ID string `json:"id"`
	}
	f.env.Admin.Must(201, "POST", "/api/v1/certificates/"+o.certificate+"/awards",
		map[string]any{"user_id": user, "session_id": session, "reason": "Certified elsewhere"}, &a)
	return a.ID
}

// newLearner adds a learner to the side's learner group.
func (f *fixture) newLearner(o *objects) string {
	n := f.next()
	return f.create("/api/v1/users", map[string]any{"email": fmt.Sprintf("new%d@matrix.test", n), "name": fmt.Sprintf("New %d", n), "group_ids": []string{o.learnerGroup}})
}

// newStaff makes a new user coach of the group.
func (f *fixture) newStaff(group string) string {
	n := f.next()
	u := f.create("/api/v1/users", map[string]any{"email": fmt.Sprintf("staff%d@matrix.test", n), "name": fmt.Sprintf("Staff %d", n)})
	f.env.Admin.Must(201, "POST", "/api/v1/groups/"+group+"/staff", map[string]any{"user_id": u, "role": "coach"}, nil)
	return u
}

// TestAuthorizationMatrix calls every route of the route table as every
// role, on objects in and out of the role's scope, and checks the answer
// against the rule of the route in the matrix: an allowed call is not
// refused for access (2xx, a redirect other than to /login, or a 400, 409
// or 422 of a rule or of the input), a refused one gets exactly the
// API's refusal (401 without a live user, then 403 or 404 as docs/API.md
// says), a page sends the signed-out to /login. No answer to anyone but
// the platform admin ever shows the learner out of everyone's scope.
func TestAuthorizationMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		f := newFixture(t, dialect)
		routes := server.New(f.env.Store, testdb.Logger(t)).Routes()
		checkMatrixCoversRoutes(t, routes)
		v := openAPIValidator(t)
		calls := 0
		for _, pattern := range routes {
			e, ok := matrix[pattern]
			if !ok {
				continue
			}
			method, _, _ := strings.Cut(pattern, " ")
			sides := []objects{f.in, f.out}
			if e.out.allow == nil && e.out.deny == 0 {
				sides = sides[:1]
			}
			for _, side := range sides {
				for _, r := range roles {
					o := side
					if e.fresh != nil {
						e.fresh(f, &o)
					}
					path := o.path(e.path)
					ans := f.call(r, method, path, e.body, &o)
					if isAPI(path) {
						checkAgainstOpenAPI(t, v, ans, r)
					}
					if e.endsSession && r != deletedUser && r != anonymous {
						f.signIn(r)
					}
					calls++
					allowed, refusal := e.expect(r, o.scope, isAPI(path))
					what := fmt.Sprintf("%s %s (%s scope) as %s", method, path, o.scope, r)
					switch {
					case allowed:
						if !answersAllowed(ans) {
							t.Errorf("%s: status %d, want it allowed; body: %.300s", what, ans.status, ans.body)
						} else if r != platformAdmin && strings.Contains(ans.body, f.out.email) {
							t.Errorf("%s: the answer shows %s, who is out of the caller's scope: %.300s", what, f.out.email, ans.body)
						}
					case refusal == http.StatusSeeOther:
						if ans.status != refusal || !toLogin(ans.location) {
							t.Errorf("%s: status %d to %q, want %d to /login", what, ans.status, ans.location, refusal)
						}
					case ans.status != refusal:
						t.Errorf("%s: status %d, want %d; body: %.300s", what, ans.status, refusal, ans.body)
					}
				}
			}
		}
		t.Logf("%d routes, %d calls", len(routes), calls)
	})
}

// checkMatrixCoversRoutes fails for a route without an entry in the
// matrix, and for an entry whose route is not registered or whose path
// does not fit its pattern.
func checkMatrixCoversRoutes(t *testing.T, routes []string) {
	t.Helper()
	for _, p := range routes {
		if _, ok := matrix[p]; !ok {
			t.Errorf("route %q has no entry in the authorization matrix (server/authz_matrix_test.go): say who may call it", p)
		}
	}
	for p, e := range matrix {
		if !slices.Contains(routes, p) {
			t.Errorf("the authorization matrix has an entry for %q, which the server does not register", p)
			continue
		}
		_, pat, _ := strings.Cut(p, " ")
		if !pathFits(pat, e.path) {
			t.Errorf("matrix entry %q: path %q does not fit the pattern", p, e.path)
		}
	}
}

// pathFits reports whether a matrix path (with {placeholders} of objects)
// matches a route pattern segment by segment.
func pathFits(pattern, path string) bool {
	pattern = strings.TrimSuffix(pattern, "{$}")
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if strings.HasSuffix(pattern, "/") && len(xs) >= len(ps) { // a subtree: GET /static/
		xs = xs[:len(ps)]
		xs[len(xs)-1] = ""
	}
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		open := strings.Index(ps[i], "{")
		if open < 0 {
			if ps[i] != xs[i] {
				return false
			}
			continue
		}
		// a wildcard takes a placeholder or a literal value, and keeps
		// what the pattern has around it ("{id}.csv")
		suffix := ps[i][strings.Index(ps[i], "}")+1:]
		if !strings.HasPrefix(xs[i], ps[i][:open]) || !strings.HasSuffix(xs[i], suffix) {
			return false
		}
	}
	return true
}

// toLogin reports whether a redirect sends the caller to sign in.
func toLogin(location string) bool {
	return location == "/login" || strings.HasPrefix(location, "/login?next=")
}

func isAPI(path string) bool { return strings.HasPrefix(path, "/api/") }

// answer is what the matrix looks at in a response, with the exchange
// itself for checking it against the OpenAPI document.
type answer struct {
	status   int
	location string
	body     string
	req      *http.Request
	reqBody  []byte
	resp     *http.Response
}

// checkAgainstOpenAPI validates an API answer against the OpenAPI
// document (server/openapi.json), and the request too when it was
// accepted: the document describes what the server really does.
func checkAgainstOpenAPI(t *testing.T, v validator.Validator, a answer, r role) {
	t.Helper()
	what := fmt.Sprintf("%s %s as %s: status %d", a.req.Method, a.req.URL.Path, r, a.status)
	a.resp.Body = io.NopCloser(bytes.NewReader([]byte(a.body)))
	if ok, errs := v.ValidateHttpResponse(a.req, a.resp); !ok {
		for _, e := range errs {
			t.Errorf("%s: the answer does not fit the OpenAPI document: %s: %s; body: %.300s", what, e.Message, e.Reason, a.body)
		}
	}
	if a.status >= 200 && a.status < 300 {
		a.req.Body = io.NopCloser(bytes.NewReader(a.reqBody))
		if ok, errs := v.ValidateHttpRequestSync(a.req); !ok {
			for _, e := range errs {
				t.Errorf("%s: the accepted request does not fit the OpenAPI document: %s: %s; body: %s", what, e.Message, e.Reason, a.reqBody)
			}
		}
	}
}

// answersAllowed reports whether an answer lets the call through: not a
// refusal for access (401, 403, 404), not a failure (5xx), and not a
// redirect to the sign-in page.
func answersAllowed(a answer) bool {
	switch {
	case a.status >= 200 && a.status < 300:
		return true
	case a.status >= 300 && a.status < 400:
		return !toLogin(a.location)
	}
	return a.status == http.StatusBadRequest || a.status == http.StatusConflict || a.status == http.StatusUnprocessableEntity
}

// loginFormToken is the double-submit token of the sign-in form that every
// call carries in its cookie and its form, as a browser that opened the
// form would.
const loginFormToken = "matrix-login-form"

// call sends one request as the role: its bearer token and its session
// cookie both, so API routes and pages alike see the caller; a form body
// carries the session's form token and comes from this site.
func (f *fixture) call(r role, method, path string, body func(*fixture, *objects) any, o *objects) answer {
	f.t.Helper()
	var b any
	if body != nil {
		b = body(f, o)
	}
	var sent []byte
	contentType := ""
	switch v := b.(type) {
	case url.Values:
		form := url.Values{"csrf_token": {f.csrf[r]}, "login_token": {loginFormToken}}
		for k, vs := range v {
			form[k] = vs
		}
		sent, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	case nil:
	case []byte:
		sent, contentType = v, "application/octet-stream"
	default:
		j, err := json.Marshal(v)
		if err != nil {
			f.t.Fatal(err)
		}
		sent, contentType = j, "application/json"
	}
	req, err := http.NewRequest(method, f.env.Server.URL+path, bytes.NewReader(sent))
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(&http.Cookie{Name: "skillpath_login", Value: loginFormToken})
	if tok := f.tokens[r]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if c := f.cookies[r]; c != "" {
		req.AddCookie(&http.Cookie{Name: "skillpath_session", Value: c})
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw), req: req, reqBody: sent, resp: resp}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// pngBytes is a 1×1 PNG, an attachment's body.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// attach uploads an image to o's training as the platform admin and
// returns its id.
func (f *fixture) attach(o *objects) string {
	f.t.Helper()
	var r apitest.Ref
	f.env.Admin.Must(201, "POST", "/api/v1/trainings/"+o.training+"/attachments?name=dot.png", pngBytes, &r)
	return r.ID
}
