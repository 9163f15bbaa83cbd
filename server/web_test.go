package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"skillpath/internal/testdb"
)

// TestWebSignIn: the sign-in form's answers, where it leads, and the
// session cookie it sets.
func TestWebSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		cases := []struct {
			name, email, password, next string
			status                      int
			location, message           string
		}{
			{"wrong password", learnerEmail, "not-the-password", "/learn", 401, "", "The email or password is not correct."},
			{"unknown email", "nobody@example.com", learnerPassword, "/learn", 401, "", "The email or password is not correct."},
			{"no email", "", learnerPassword, "", 400, "", "Enter your email address."},
			{"no password", learnerEmail, "", "", 400, "", "Enter your password."},
			{"back to the page asked for", learnerEmail, learnerPassword, "/learn?x=1", 303, "/learn?x=1", ""},
			{"no page asked for", learnerEmail, learnerPassword, "", 303, "/", ""},
			{"another site is not a page of ours", learnerEmail, learnerPassword, "//evil.example/learn", 303, "/", ""},
			{"an absolute URL is not a page of ours", learnerEmail, learnerPassword, "https://evil.example/", 303, "/", ""},
			{"a backslash is not a page of ours", learnerEmail, learnerPassword, "/\\evil.example", 303, "/", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := o.client(t).signIn(tc.email, tc.password, tc.next)
				if p.Status != tc.status || p.Header.Get("Location") != tc.location || !strings.Contains(p.Body, tc.message) {
					t.Fatalf("status %d, location %q, want %d, %q with %q; body: %s", p.Status, p.Header.Get("Location"), tc.status, tc.location, tc.message, p.Body)
				}
			})
		}

		t.Run("session cookie", func(t *testing.T) {
			c := o.client(t)
			form := c.get("/login")
			p := c.do("POST", "/login", url.Values{"login_token": {form.hidden(t, "login_token")}, "email": {learnerEmail}, "password": {learnerPassword}},
				"X-Forwarded-Proto", "https")
			cookie := p.Header.Values("Set-Cookie")
			var session string
			for _, v := range cookie {
				if strings.HasPrefix(v, "skillpath_session=") {
					session = v
				}
			}
			for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age="} {
				if !strings.Contains(session, attr) {
					t.Errorf("session cookie %q lacks %s", session, attr)
				}
			}
		})

		t.Run("a form without its token is refused", func(t *testing.T) {
			c := o.client(t)
			c.get("/login")
			p := c.do("POST", "/login", url.Values{"login_token": {"forged"}, "email": {learnerEmail}, "password": {learnerPassword}})
			if p.Status != 403 || strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), ";"), "skillpath_session=sws_") {
				t.Fatalf("status %d, cookies %v", p.Status, p.Header.Values("Set-Cookie"))
			}
		})

		t.Run("lockout", func(t *testing.T) {
			c := o.client(t)
			var p page
			for range 11 {
				p = c.signIn(instructorEmail, "wrong-password", "")
			}
			if p.Status != 429 || !strings.Contains(p.Body, "Too many failed sign-ins from here: try again in 60 seconds.") ||
				p.Header.Get("Retry-After") != "60" {
				t.Fatalf("after 11 failures: status %d, Retry-After %q: %s", p.Status, p.Header.Get("Retry-After"), p.Body)
			}
		})
	})
}

// TestWebSessions: anonymous visits go to /login and come back; signing out
// and deleting the user end the session.
func TestWebSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		c := o.client(t)
		for path, want := range map[string]string{
			"/learn":                   "/login?next=%2Flearn",
			"/learn/enrollments/7?a=b": "/login?next=%2Flearn%2Fenrollments%2F7%3Fa%3Db",
			"/":                        "/login?next=%2F",
		} {
			if p := c.get(path); p.Status != 303 || p.Header.Get("Location") != want {
				t.Errorf("anonymous GET %s: %d to %q, want 303 to %q", path, p.Status, p.Header.Get("Location"), want)
			}
		}
		if p := c.do("POST", "/logout", url.Values{}); p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("anonymous POST: %d to %q", p.Status, p.Header.Get("Location"))
		}

		c.mustSignIn(learnerEmail, learnerPassword)
		if p := c.get("/"); p.Header.Get("Location") != "/learn" {
			t.Errorf("a learner's home: %q, want /learn", p.Header.Get("Location"))
		}
		if p := c.get("/learn"); p.Status != 200 || !strings.Contains(p.Body, "Lee Learner") {
			t.Fatalf("/learn: %d", p.Status)
		}
		if p := c.get("/login"); p.Status != 303 {
			t.Errorf("signed in, /login: %d, want a redirect", p.Status)
		}
		if p := c.do("POST", "/logout", url.Values{}); p.Status != 403 {
			t.Errorf("sign out without the form token: %d, want 403", p.Status)
		}
		if p := c.post("/learn", "/logout", nil); p.Status != 303 || p.Header.Get("Location") != "/login?signed_out=1" {
			t.Errorf("sign out: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if p := c.get("/learn"); p.Status != 303 {
			t.Errorf("after signing out, /learn: %d, want a redirect to /login", p.Status)
		}

		c.mustSignIn(learnerEmail, learnerPassword)
		o.env.Admin.Must(204, "DELETE", "/api/v1/users/"+o.learnerID, nil, nil)
		if p := c.get("/learn"); p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("after the user was deleted, /learn: %d to %q", p.Status, p.Header.Get("Location"))
		}
	})
}

// TestWebForgery: a form that does not come from our page changes nothing.
func TestWebForgery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		enrollment := o.enroll(t)
		c := o.client(t)
		c.mustSignIn(learnerEmail, learnerPassword)
		player := "/learn/enrollments/" + enrollment
		start := player + "/start"
		token := c.get(player).hidden(t, "csrf_token")
		cases := []struct {
			name    string
			form    url.Values
			headers []string
		}{
			{"no token", url.Values{}, nil},
			{"wrong token", url.Values{"csrf_token": {"forged"}}, nil},
			{"the right token from another site (Origin)", url.Values{"csrf_token": {token}}, []string{"Origin", "https://evil.example"}},
			{"the right token from another site (Sec-Fetch-Site)", url.Values{"csrf_token": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if p := c.do("POST", start, tc.form, tc.headers...); p.Status != 403 {
					t.Fatalf("status %d, want 403", p.Status)
				}
				if got := o.status(t, enrollment); got != "not_started" {
					t.Fatalf("the forged form changed the status to %s", got)
				}
			})
		}
		if got := o.status(t, enrollment); got != "not_started" {
			t.Fatalf("viewing the player changed the status to %s", got)
		}
		if p := c.do("POST", start, url.Values{"csrf_token": {token}}, "Origin", o.env.Server.URL, "Sec-Fetch-Site", "same-origin"); p.Status != 303 {
			t.Fatalf("the real form: status %d: %s", p.Status, p.Body)
		}
		if got := o.status(t, enrollment); got != "started" {
			t.Fatalf("after the real form: %s, want started", got)
		}
	})
}

// TestWebRefusals: what the store refuses is said on the page, with the
// refusal's status, and changes nothing.
func TestWebRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		enrollment := o.enroll(t)
		learner, instructor := o.client(t), o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		instructor.mustSignIn(instructorEmail, instructorPassword)
		player := "/learn/enrollments/" + enrollment
		answer := func(activity, response string) page {
			return learner.post(player, player+"/activities/"+activity+"/answer", url.Values{"response": {response}})
		}

		if p := answer(o.lever, "right"); p.Status != 422 || !strings.Contains(p.Body, "start the training first") {
			t.Errorf("answer before starting: %d", p.Status)
		}
		if p := learner.post(player, player+"/start", nil); p.Status != 303 {
			t.Fatalf("start: %d", p.Status)
		}
		if p := answer(o.lever, "up"); p.Status != 400 || !strings.Contains(p.Body, "must be one of the choices") {
			t.Errorf("a choice that is not offered: %d", p.Status)
		}
		if p := answer(o.essay, ""); p.Status != 400 || !strings.Contains(p.Body, "Choose or write an answer") {
			t.Errorf("an empty essay: %d", p.Status)
		}
		if p := answer(o.essay, "Heavy loads low."); p.Status != 303 || p.Header.Get("Location") != player+"#activity-"+o.essay {
			t.Errorf("the essay: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if p := answer(o.essay, "Again"); p.Status != 422 || !strings.Contains(p.Body, "already answered") {
			t.Errorf("a second answer: %d", p.Status)
		}
		retake := player + "/modules/" + o.quizModule + "/retake"
		if p := learner.post(player, retake, nil); p.Status != 422 || !strings.Contains(p.Body, "finish the current attempt") {
			t.Errorf("retake of an unfinished module: %d", p.Status)
		}
		learner.post(player, player+"/activities/"+o.intro+"/view", nil)
		if p := answer(o.lever, "left"); p.Status != 303 {
			t.Fatalf("a wrong answer: %d", p.Status)
		}
		if p := learner.get(player); !strings.Contains(p.Body, "Retake this module") || !strings.Contains(p.Body, "Attempt 1 of 2") {
			t.Errorf("a failed module offers no retake: %s", p.Body)
		}
		if p := learner.post(player, retake, nil); p.Status != 303 || p.Header.Get("Location") != player+"#module-"+o.quizModule {
			t.Fatalf("retake: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if p := learner.get(player); !strings.Contains(p.Body, "Attempt 2 of 2") || !strings.Contains(p.Body, "/activities/"+o.lever+"/answer") {
			t.Errorf("after the retake the question cannot be answered again: %s", p.Body)
		}
		if p := instructor.get(player); p.Status != 403 {
			t.Errorf("the instructor opens the learner's player: %d, want 403", p.Status)
		}
		if p := learner.get("/learn/enrollments/999999"); p.Status != 404 {
			t.Errorf("an unknown enrollment: %d, want 404", p.Status)
		}

		score := "/grading/enrollments/" + enrollment + "/activities/" + o.essay + "/score"
		for _, tc := range []struct {
			score   string
			status  int
			message string
		}{
			{"eleven", 400, "Enter the score as a number"},
			{"11", 400, "must be between 0 and 10"},
			{"-1", 400, "must be between 0 and 10"},
		} {
			if p := instructor.post("/grading", score, url.Values{"score": {tc.score}}); p.Status != tc.status || !strings.Contains(p.Body, tc.message) {
				t.Errorf("score %q: %d, want %d with %q", tc.score, p.Status, tc.status, tc.message)
			}
		}
		choice := "/grading/enrollments/" + enrollment + "/activities/" + o.lever + "/score"
		if p := instructor.post("/grading", choice, url.Values{"score": {"1"}}); p.Status != 422 || !strings.Contains(p.Body, "scored automatically") {
			t.Errorf("scoring a choice question: %d", p.Status)
		}
		if p := learner.post(player, score, url.Values{"score": {"10"}}); p.Status != 403 {
			t.Errorf("the learner scores their own essay: %d, want 403", p.Status)
		}
		if p := instructor.post("/grading", score, url.Values{"score": {"7.5"}}); p.Status != 303 {
			t.Fatalf("score: %d", p.Status)
		}
		if p := instructor.post("/grading", score, url.Values{"score": {"8"}}); p.Status != 409 || !strings.Contains(p.Body, "already scored") {
			t.Errorf("scoring twice: %d", p.Status)
		}
		if p := instructor.get("/grading"); !strings.Contains(p.Body, "The score is saved.") && !strings.Contains(p.Body, "No answer is waiting") {
			t.Errorf("grading after scoring: %s", p.Body)
		}
		if p := learner.get("/trainings"); p.Status != http.StatusForbidden {
			t.Errorf("a learner opens /trainings: %d, want 403", p.Status)
		}
	})
}

// TestWebSessionExpiry: a session ends after 12 hours without use, and 7
// days after sign-in however much it is used (real clock, not the business one).
func TestWebSessionExpiry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		start := time.Now()
		at := func(d time.Duration) { o.env.Store.Wall = func() time.Time { return start.Add(d) } }
		signedIn := func(c *webClient) bool { return c.get("/learn").Status == 200 }

		idle := o.client(t)
		idle.mustSignIn(learnerEmail, learnerPassword)
		at(11 * time.Hour)
		if !signedIn(idle) {
			t.Fatal("signed out after 11 hours")
		}
		at(22 * time.Hour) // 11 hours after the last visit
		if !signedIn(idle) {
			t.Fatal("a visit did not extend the session")
		}
		at(34*time.Hour + time.Minute)
		if signedIn(idle) {
			t.Fatal("still signed in after 12 hours without a visit")
		}

		at(0)
		busy := o.client(t)
		busy.mustSignIn(learnerEmail, learnerPassword)
		for h := time.Duration(0); h < 7*24*time.Hour; h += 10 * time.Hour {
			at(h)
			if !signedIn(busy) {
				t.Fatalf("signed out after %v of regular use", h)
			}
		}
		at(7*24*time.Hour + time.Minute)
		if signedIn(busy) {
			t.Fatal("still signed in 7 days after signing in")
		}
	})
}
