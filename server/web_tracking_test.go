package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"skillpath/internal/lrstest"
	"skillpath/internal/testdb"
	"skillpath/lrs"
	"skillpath/secret"
)

const (
	authorEmail    = "ada@example.com"
	authorPassword = "ada-password"
)

// trackingOrg is the web organisation plus an author with a training of
// their own ("Warehouse safety"), for the results tracking pages.
type trackingOrg struct {
	*webOrg
	authored string // the author's training
}

func newTrackingOrg(t *testing.T, dialect string) *trackingOrg {
	t.Helper()
	o := &trackingOrg{webOrg: newWebOrg(t, dialect)}
	var u, tr ids
	o.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": authorEmail, "name": "Ada Author", "password": authorPassword}, &u)
	o.env.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Warehouse safety", "author_ids": []string{u.ID},
		"modules": []any{map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content"}}}}}, &tr)
	o.authored = tr.ID
	return o
}

// signedIn returns a web client signed in as the user.
func (o *trackingOrg) signedIn(t *testing.T, email, password string) *webClient {
	c := o.client(t)
	c.mustSignIn(email, password)
	return c
}

// lrsSettings reads a training's settings through the API: the status, and
// the view when there is one.
func (o *trackingOrg) lrsSettings(t *testing.T, training string) (int, lrsView) {
	t.Helper()
	var v lrsView
	r := o.env.Admin.Do("GET", "/api/v1/trainings/"+training+"/lrs", nil)
	if r.Status == 200 {
		o.env.Admin.Must(200, "GET", "/api/v1/trainings/"+training+"/lrs", nil, &v)
	}
	return r.Status, v
}

func trackingForm(endpoint, login, password string, verbs ...string) url.Values {
	return url.Values{"endpoint": {endpoint}, "lrs_login": {login}, "lrs_password": {password}, "verbs": verbs}
}

// TestWebTrackingAccess: the pages follow the API's rule — platform admins
// and the training's authors configure and publish; the outbox and its
// retry are for platform admins; anyone else is refused and changes nothing.
func TestWebTrackingAccess(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newTrackingOrg(t, dialect)
		admin := o.signedIn(t, "admin@example.com", "admin-password")
		author := o.signedIn(t, authorEmail, authorPassword)
		instructor := o.signedIn(t, instructorEmail, instructorPassword)
		learner := o.signedIn(t, learnerEmail, learnerPassword)
		mine, theirs := "/trainings/"+o.authored+"/tracking", "/trainings/"+o.training.ID+"/tracking"
		form := trackingForm("https://lrs.example.com/xapi/", "", "", "started")
		cases := []struct {
			name   string
			who    *webClient
			method string
			path   string
			status int
		}{
			{"learner opens the page", learner, "GET", theirs, 403},
			{"learner saves", learner, "POST", theirs, 403},
			{"learner publishes", learner, "POST", theirs + "/publish", 403},
			{"learner opens the overview", learner, "GET", "/tracking", 403},
			{"instructor opens the page", instructor, "GET", theirs, 403},
			{"instructor saves", instructor, "POST", theirs, 403},
			{"instructor opens the overview", instructor, "GET", "/tracking", 403},
			{"author opens another training's page", author, "GET", theirs, 403},
			{"author saves another training's settings", author, "POST", theirs, 403},
			{"author retries parked statements", author, "POST", mine + "/retry", 403},
			{"author saves", author, "POST", mine, 303},
			{"author publishes", author, "POST", mine + "/publish", 303},
			{"author opens the page", author, "GET", mine, 200},
			{"author opens the overview", author, "GET", "/tracking", 200},
			{"admin opens an unknown training", admin, "GET", "/trainings/999999/tracking", 404},
			{"admin opens the page", admin, "GET", theirs, 200},
			{"admin retries", admin, "POST", theirs + "/retry", 303},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var p page
				if tc.method == "GET" {
					p = tc.who.get(tc.path)
				} else {
					p = tc.who.post("/learn", tc.path, form)
				}
				if p.Status != tc.status {
					t.Fatalf("status %d, want %d: %.300s", p.Status, tc.status, p.Body)
				}
			})
		}
		if status, _ := o.lrsSettings(t, o.training.ID); status != 404 {
			t.Errorf("refused forms saved settings: GET …/lrs answers %d", status)
		}
		if _, v := o.lrsSettings(t, o.authored); v.Live == nil || v.Live.Endpoint != "https://lrs.example.com/xapi/" {
			t.Errorf("the author's settings are not live: %+v", v)
		}

		p := author.get("/tracking")
		if !strings.Contains(p.Body, "Warehouse safety") || strings.Contains(p.Body, "Forklift basics") {
			t.Errorf("the author's overview lists other trainings or misses theirs: %s", p.Body)
		}
		if strings.Contains(author.get(mine).Body, `id="outbox"`) {
			t.Error("the author sees the outbox")
		}
		for who, c := range map[string]*webClient{"admin": admin, "author": author} {
			if !strings.Contains(c.get("/trainings").Body, `href="/tracking"`) {
				t.Errorf("%s: no Tracking in the navigation", who)
			}
		}
		if strings.Contains(instructor.get("/trainings").Body, "/tracking") {
			t.Error("the instructor is offered results tracking")
		}
		if p := admin.get("/trainings/" + o.training.ID + "/results"); !strings.Contains(p.Body, `href="`+theirs+`"`) {
			t.Error("the results page does not link to results tracking")
		}
		help := regexp.MustCompile(`id="verb-(\w+)-help">\s*<p><span class="term">Purpose:</span> [^<]+</p>\s*<p><span class="term">When:</span> [^<]+</p>`)
		var verbs []string
		for _, m := range help.FindAllStringSubmatch(admin.get(theirs).Body, -1) {
			verbs = append(verbs, m[1])
		}
		if got := strings.Join(verbs, " "); got != "started progressed experienced answered mastered passed failed" {
			t.Errorf("the statements with their purpose and when: %q", got)
		}
		if p := admin.get("/tracking"); !strings.Contains(p.Body, "Forklift basics") || !strings.Contains(p.Body, "Warehouse safety") {
			t.Errorf("the admin's overview misses trainings: %s", p.Body)
		}
	})
}

// TestWebTrackingForgery: a settings form without the page's token, or
// from another site, is refused and saves nothing.
func TestWebTrackingForgery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newTrackingOrg(t, dialect)
		admin := o.signedIn(t, "admin@example.com", "admin-password")
		path := "/trainings/" + o.training.ID + "/tracking"
		token := admin.get(path).hidden(t, "csrf_token")
		with := func(token string) url.Values {
			f := trackingForm("https://lrs.example.com/xapi/", "", "", "started")
			if token != "" {
				f.Set("csrf_token", token)
			}
			return f
		}
		for _, tc := range []struct {
			name    string
			path    string
			form    url.Values
			headers []string
		}{
			{"save without a token", path, with(""), nil},
			{"save with a wrong token", path, with("forged"), nil},
			{"save from another site", path, with(token), []string{"Origin", "https://evil.example"}},
			{"publish without a token", path + "/publish", url.Values{}, nil},
			{"retry from another site", path + "/retry", with(token), []string{"Sec-Fetch-Site", "cross-site"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if p := admin.do("POST", tc.path, tc.form, tc.headers...); p.Status != 403 {
					t.Fatalf("status %d, want 403", p.Status)
				}
			})
		}
		if status, _ := o.lrsSettings(t, o.training.ID); status != 404 {
			t.Fatalf("a forged form saved settings (GET …/lrs: %d)", status)
		}
		if p := admin.do("POST", path, with(token)); p.Status != 303 || p.Header.Get("Location") != path {
			t.Fatalf("the real form: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if status, _ := o.lrsSettings(t, o.training.ID); status != 200 {
			t.Fatalf("the real form saved nothing (GET …/lrs: %d)", status)
		}
	})
}

// TestWebTrackingRefusals: bad settings are refused with the API's
// message, beside the field and with the API's status; what was typed is
// kept, except a password, which is never written back into a page.
func TestWebTrackingRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newTrackingOrg(t, dialect)
		admin := o.signedIn(t, "admin@example.com", "admin-password")
		path := "/trainings/" + o.training.ID + "/tracking"
		const secretWord = "Sup3r-secret-LAP"
		cases := []struct {
			name    string
			form    url.Values
			status  int
			field   string // the element the message is shown beside
			message string
			noKey   bool // the server has no SKILLPATH_SECRET_KEY
		}{
			{"no endpoint", trackingForm("", "", "", "started"), 400, "endpoint", "The LRS endpoint is required.", false},
			{"not an http URL", trackingForm("ftp://lrs.example.com/xapi", "", "", "started"), 400, "endpoint", "is not an http or https URL", false},
			{"a relative URL", trackingForm("lrs.example.com/xapi", "", "", "started"), 400, "endpoint", "is not an http or https URL", false},
			{"a query", trackingForm("https://lrs.example.com/xapi?key=1", "", "", "started"), 400, "endpoint", "must have no query or fragment", false},
			{"credentials in the URL", trackingForm("https://u:p@lrs.example.com/xapi", "", "", "started"), 400, "endpoint", "not in the URL", false},
			{"a colon in the login", trackingForm("https://lrs.example.com/xapi", "a:b", "", "started"), 400, "lrs-login", "without ':'", false},
			{"a password without a login", trackingForm("https://lrs.example.com/xapi", "", secretWord, "started"), 400, "lrs-login", "The LRS login is required when a password is set (HTTP Basic auth).", false},
			{"a password without a server key", trackingForm("https://lrs.example.com/xapi", "lap", secretWord, "started"), 422, "lrs-password", "SKILLPATH_SECRET_KEY", true},
			{"an unknown verb", trackingForm("https://lrs.example.com/xapi", "", "", "started", "completed"), 400, "verbs", `"completed" is not one of`, false},
			{"a new password and its removal", func() url.Values {
				f := trackingForm("https://lrs.example.com/xapi", "lap", secretWord, "started")
				f.Set("remove_password", "1")
				return f
			}(), 400, "lrs-password", "not both", false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o.env.Store.Secrets = secret.DerivedKey("web tests")
				if tc.noKey {
					o.env.Store.Secrets = nil
				}
				p := admin.post(path, path, tc.form)
				if p.Status != tc.status || !strings.Contains(html.UnescapeString(p.Body), tc.message) {
					t.Fatalf("status %d, want %d with %q: %s", p.Status, tc.status, tc.message, p.Body)
				}
				if !strings.Contains(p.Body, `id="`+tc.field+`-error"`) {
					t.Errorf("the message is not beside the field %s", tc.field)
				}
				if !strings.Contains(p.Body, `value="`+tc.form.Get("endpoint")+`"`) {
					t.Error("the endpoint typed is not kept")
				}
				if strings.Contains(p.Body, secretWord) {
					t.Error("the typed password is written back into the page")
				}
				if tc.form.Get("lrs_password") != "" && !strings.Contains(p.Body, "type it again") {
					t.Error("the page does not ask for the password again")
				}
			})
		}
		if status, _ := o.lrsSettings(t, o.training.ID); status != 404 {
			t.Fatalf("a refused form saved settings (GET …/lrs: %d)", status)
		}
	})
}

// TestWebTrackingDraftAndLive: saving changes the draft only; the page
// says when it differs from what is live and what publishing would change;
// the password is never shown, blank keeps it and only the checkbox
// removes it.
func TestWebTrackingDraftAndLive(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newTrackingOrg(t, dialect)
		o.env.Store.Secrets = secret.DerivedKey("web tests")
		admin := o.signedIn(t, "admin@example.com", "admin-password")
		path := "/trainings/" + o.training.ID + "/tracking"
		const secretWord = "Sup3r-secret-LAP"
		save := func(form url.Values) page {
			t.Helper()
			p := admin.post(path, path, form)
			if p.Status != 303 {
				t.Fatalf("save: status %d: %s", p.Status, p.Body)
			}
			return admin.get(path)
		}
		state := func(p page) string {
			m := regexp.MustCompile(`(?s)<div[^>]*id="tracking-state">(.*?)</div>`).FindStringSubmatch(p.Body)
			if m == nil {
				m = regexp.MustCompile(`(?s)<p[^>]*id="tracking-state">(.*?)</p>`).FindStringSubmatch(p.Body)
			}
			if m == nil {
				t.Fatalf("no state on the page: %s", p.Body)
			}
			return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")), " ")
		}

		if s := state(admin.get(path)); !strings.Contains(s, "Not set up") {
			t.Errorf("before any setting: %q", s)
		}
		p := save(trackingForm(" https://lrs.example.com/xapi/ ", "lap", secretWord, "passed", "started"))
		if s := state(p); !strings.Contains(s, "Not published yet") || !strings.Contains(p.Body, "The draft is saved. Publish the training to apply it.") {
			t.Errorf("after saving: %q", s)
		}
		if strings.Contains(p.Body, secretWord) || !strings.Contains(p.Body, "A password is set") {
			t.Error("the page shows the password, or not that one is set")
		}
		if _, v := o.lrsSettings(t, o.training.ID); v.Endpoint != "https://lrs.example.com/xapi/" || !v.PasswordSet || v.Live != nil ||
			strings.Join(v.Verbs, ",") != "started,passed" {
			t.Fatalf("saved: %+v", v)
		}

		if p := admin.post(path, path+"/publish", nil); p.Status != 303 {
			t.Fatalf("publish: %d", p.Status)
		}
		if s := state(admin.get(path)); !strings.HasPrefix(s, "Live.") {
			t.Errorf("after publishing: %q", s)
		}

		p = save(trackingForm("https://lrs.example.com/xapi/", "lap", "", "started", "mastered", "passed")) // blank keeps the password
		s := state(p)
		if !strings.Contains(s, "The draft differs from what is live") || !strings.Contains(s, "Starts sending: mastered") || strings.Contains(s, "Password") {
			t.Errorf("after changing the verbs: %q", s)
		}
		if live := regexp.MustCompile(`(?s)id="live">.*?</dl>`).FindString(p.Body); !strings.Contains(live, "started, passed") || strings.Contains(live, "mastered") {
			t.Errorf("what is live: %s", live)
		}
		if _, v := o.lrsSettings(t, o.training.ID); !v.PasswordSet {
			t.Error("a blank password removed the stored one")
		}

		form := trackingForm("https://lrs.example.com/xapi/", "lap", "", "started", "mastered", "passed")
		form.Set("remove_password", "1")
		if s := state(save(form)); !strings.Contains(s, "Password: removed") {
			t.Errorf("after removing the password: %q", s)
		}
		if _, v := o.lrsSettings(t, o.training.ID); v.PasswordSet || !v.Live.PasswordSet {
			t.Errorf("removing the password: %+v", v)
		}
		admin.post(path, path+"/publish", nil)
		if s := state(save(trackingForm("https://lrs.example.com/xapi/", "lap", "", "started", "mastered", "passed"))); !strings.HasPrefix(s, "Live.") ||
			!strings.Contains(admin.get(path).Body, "No password is set") {
			t.Errorf("after publishing and saving the same draft: %q", s)
		}
	})
}

// TestWebTrackingOutbox: platform admins see the training's statements
// waiting, delivered and parked, with the LRS's answer and the attempts,
// and retry the parked ones.
func TestWebTrackingOutbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newTrackingOrg(t, dialect)
		stand := lrstest.Start(t)
		admin := o.signedIn(t, "admin@example.com", "admin-password")
		path := "/trainings/" + o.training.ID + "/tracking"
		admin.post(path, path, trackingForm(stand.URL, "", "", "started", "experienced"))
		admin.post(path, path+"/publish", nil)
		enrollment := o.enroll(t)
		lee := o.env.As(idOf(t, o.learnerID))
		lee.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/start", nil, nil)
		counts := func() string {
			p := admin.get(path)
			var out []string
			for _, id := range []string{"outbox-pending", "outbox-delivered", "outbox-parked"} {
				m := regexp.MustCompile(`id="` + id + `">(\d+)<`).FindStringSubmatch(p.Body)
				if m == nil {
					t.Fatalf("no %s on the page", id)
				}
				out = append(out, m[1])
			}
			return strings.Join(out, " ")
		}
		if got := counts(); got != "1 0 0" {
			t.Fatalf("after the start, waiting/delivered/parked: %s, want 1 0 0", got)
		}

		w := &lrs.Worker{Store: o.env.Store, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
		deliver := func() {
			t.Helper()
			if _, err := w.DeliverOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// A login page answering 200 in front of the LRS: not a delivery
		// (SPEC §4), parked with why.
		stand.Script(lrstest.Answer{Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: `<html><title>Sign in</title></html>`})
		deliver()
		if got := counts(); got != "0 0 1" {
			t.Fatalf("after a login page: %s, want 0 0 1", got)
		}
		p := admin.get(path)
		row := regexp.MustCompile(`(?s)<table class="parked">.*?</table>`).FindString(p.Body)
		for _, want := range []string{"started", "a login page or a proxy answers at this endpoint", `<td class="num">1</td>`} {
			if !strings.Contains(row, want) {
				t.Errorf("the parked statement lacks %q: %s", want, row)
			}
		}
		if p := admin.post(path, path+"/retry", nil); p.Status != 303 || p.Header.Get("Location") != path+"#delivery" {
			t.Fatalf("retry: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if p := admin.get(path); !strings.Contains(p.Body, "1 parked statement is queued again.") {
			t.Error("no message after the retry")
		}
		if got := counts(); got != "1 0 0" {
			t.Fatalf("after the retry: %s, want 1 0 0", got)
		}
		deliver()
		if got := counts(); got != "0 1 0" || len(stand.Stored()) != 1 {
			t.Fatalf("after delivery: %s with %d stored, want 0 1 0 and 1", got, len(stand.Stored()))
		}
		if overview := admin.get("/tracking").Body; !strings.Contains(overview, stand.URL) {
			t.Errorf("the overview does not show the live endpoint: %s", overview)
		}
	})
}

// TestWebTrackingEndpointMoved: saving another endpoint with the password
// left blank drops the stored password (it is bound to its endpoint), and
// the page says so.
func TestWebTrackingEndpointMoved(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newTrackingOrg(t, dialect)
		o.env.Store.Secrets = secret.DerivedKey("web tests")
		admin := o.signedIn(t, "admin@example.com", "admin-password")
		path := "/trainings/" + o.training.ID + "/tracking"
		if p := admin.post(path, path, trackingForm("https://lrs.example.com/xapi", "lap", "Sup3r-secret-LAP", "started")); p.Status != 303 {
			t.Fatalf("save: %d %s", p.Status, p.Body)
		}
		if p := admin.post(path, path, trackingForm("https://lrs.example.org/xapi", "lap", "", "started")); p.Status != 303 {
			t.Fatalf("save another endpoint: %d %s", p.Status, p.Body)
		}
		if p := admin.get(path); !strings.Contains(p.Body, "The stored password was removed because the endpoint changed") {
			t.Errorf("the page does not say the password was removed: %s", p.Body)
		}
		if _, v := o.lrsSettings(t, o.training.ID); v.PasswordSet || v.Login != "lap" {
			t.Errorf("after moving the endpoint: %+v", v)
		}
	})
}
