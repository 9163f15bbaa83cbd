package server_test

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestWebNotifications: the platform admin's notifications page says when
// mail is not configured; the webhooks page adds a webhook, shows its
// secret once, refuses a bad URL next to the field, and deletes it. Others
// are refused.
func TestWebNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		admin := o.client(t)
		admin.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		p := admin.get("/notifications")
		if p.Status != 200 || !strings.Contains(p.Body, "Mail is not configured") || !strings.Contains(p.Body, `href="/webhooks"`) {
			t.Fatalf("/notifications: %d\n%s", p.Status, p.Body)
		}
		o.env.Store.Mail = true
		if p := admin.get("/notifications"); strings.Contains(p.Body, "Mail is not configured") {
			t.Error("the page says mail is not configured while it is")
		}

		bad := admin.post("/webhooks", "/webhooks", url.Values{"url": {"ftp://hooks.example.com"}, "events": {"certificate.expired"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `id="webhook-url-error"`) || !strings.Contains(bad.Body, `aria-invalid="true"`) ||
			!strings.Contains(bad.Body, `value="ftp://hooks.example.com"`) || !strings.Contains(bad.Body, `value="certificate.expired" checked`) {
			t.Fatalf("a bad URL: %d\n%s", bad.Status, bad.Body)
		}
		created := admin.post("/webhooks", "/webhooks", url.Values{"url": {"https://hooks.example.com/in"}, "events": {"certificate.expired", "enrollment.created"}})
		secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(created.Body)
		if created.Status != 200 || secret == "" || !strings.Contains(created.Body, "https://hooks.example.com/in") {
			t.Fatalf("add: %d\n%s", created.Status, created.Body)
		}
		list := admin.get("/webhooks")
		if strings.Contains(list.Body, secret) || !strings.Contains(html.UnescapeString(list.Body), "certificate.expired, enrollment.created") {
			t.Fatalf("the list shows the secret again, or not the events:\n%s", list.Body)
		}
		var hooks struct {
			Webhooks []struct{ ID string }
		}
		o.env.Admin.Must(200, "GET", "/api/v1/webhooks", nil, &hooks)
		if len(hooks.Webhooks) != 1 {
			t.Fatalf("webhooks %+v", hooks)
		}
		if d := admin.post("/webhooks", "/webhooks/"+hooks.Webhooks[0].ID+"/delete", url.Values{}); d.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", d.Status)
		}
		o.env.Admin.Must(404, "GET", "/api/v1/webhooks/"+hooks.Webhooks[0].ID, nil, nil)

		learner := o.client(t)
		learner.mustSignIn(learnerEmail, learnerPassword)
		for _, path := range []string{"/notifications", "/webhooks"} {
			if p := learner.get(path); p.Status != http.StatusForbidden {
				t.Errorf("%s as a learner: %d", path, p.Status)
			}
		}
	})
}

// TestNotificationsAPIBadInput: bad input names the field; a certificate's
// reminder days are read back, null restores the default.
func TestNotificationsAPIBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		a := o.env.Admin
		for _, tc := range []struct {
			method, path string
			body         any
			field        string
		}{
			{"GET", "/api/v1/notifications?state=lost", nil, "state"},
			{"GET", "/api/v1/notifications?limit=0", nil, "limit"},
			{"POST", "/api/v1/notifications/retry", map[string]any{"ids": []string{"x"}}, "ids[0]"},
			{"POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com", "events": []string{}}, "events"},
			{"POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com", "events": []string{"user.created"}}, "events"},
			{"POST", "/api/v1/webhooks", map[string]any{"url": "https://u:p@hooks.example.com", "events": []string{"certificate.expired"}}, "url"},
			{"POST", "/api/v1/certificates", map[string]any{"title": "C", "owner_group_id": "1", "reminder_days": []int{0}}, "reminder_days"},
		} {
			r := a.Do(tc.method, tc.path, tc.body)
			if r.Status != 400 || !strings.Contains(string(r.Body), `"`+tc.field) {
				t.Errorf("%s %s: %d %s, want 400 naming %s", tc.method, tc.path, r.Status, r.Body, tc.field)
			}
		}
		var list struct {
			Certificates []struct {
				ID           string
				ReminderDays []int `json:"reminder_days"`
			}
		}
		a.Must(200, "GET", "/api/v1/certificates", nil, &list)
		id := list.Certificates[0].ID
		if got := list.Certificates[0].ReminderDays; len(got) != 2 || got[0] != 30 || got[1] != 7 {
			t.Fatalf("default reminder_days %v", got)
		}
		var u struct { // the answer of PATCH (SPEC §9): the certificate as it is now
			Certificate struct {
				ReminderDays []int `json:"reminder_days"`
			}
		}
		a.Must(200, "PATCH", "/api/v1/certificates/"+id, map[string]any{"reminder_days": []int{60, 14, 1}}, &u)
		if len(u.Certificate.ReminderDays) != 3 {
			t.Fatalf("patched %v", u.Certificate.ReminderDays)
		}
		a.Must(200, "PATCH", "/api/v1/certificates/"+id, map[string]any{}, &u)
		if len(u.Certificate.ReminderDays) != 3 {
			t.Fatalf("an empty PATCH changed %v", u.Certificate.ReminderDays)
		}
		u.Certificate.ReminderDays = nil
		a.Must(200, "PATCH", "/api/v1/certificates/"+id, map[string]any{"reminder_days": nil}, &u)
		if len(u.Certificate.ReminderDays) != 2 {
			t.Fatalf("null did not restore the default: %v", u.Certificate.ReminderDays)
		}
		if r := a.Do("PATCH", "/api/v1/certificates/"+id, map[string]any{"reminder_days": []int{400}}); r.Status != 400 {
			t.Errorf("reminder_days [400]: %d", r.Status)
		}
	})
}

// TestNotificationsAnswerFitsOpenAPI: the outbox's rows, emails and webhook
// calls, and a webhook's answers fit the OpenAPI document.
func TestNotificationsAnswerFitsOpenAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newWebOrg(t, dialect)
		o.env.Store.Mail = true
		var hook struct{ ID string }
		o.env.Admin.Must(201, "POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"enrollment.created"}}, &hook)
		enrollment := o.enroll(t)
		var tok struct{ Token string }
		o.env.Admin.Must(201, "POST", "/api/v1/users/"+o.learnerID+"/tokens", nil, &tok)
		learner := *o.env.Admin
		learner.Token = tok.Token
		learner.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/start", nil, nil)
		learner.Must(200, "POST", "/api/v1/enrollments/"+enrollment+"/activities/"+o.essay+"/answer", map[string]any{"response": "Stack low."}, nil)
		v := openAPIValidator(t)
		for _, path := range []string{"/api/v1/notifications", "/api/v1/webhooks", "/api/v1/webhooks/" + hook.ID} {
			req, _ := http.NewRequest("GET", o.env.Server.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+o.env.Admin.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if path == "/api/v1/notifications" && (!strings.Contains(string(body), `"channel":"webhook"`) || !strings.Contains(string(body), `"reason":"scoring"`)) {
				t.Errorf("no webhook row or no scoring email: %s", body)
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
				for _, e := range errs {
					t.Errorf("%s: %s: %s; body %.400s", path, e.Message, e.Reason, body)
				}
			}
		}
	})
}

// TestBrowserWebhooks: a platform admin adds a webhook with the keyboard
// only — typing the URL, ticking events with the space bar, sending with
// Enter — is told a bad URL next to the field, with what was typed kept,
// and sees the secret once.
func TestBrowserWebhooks(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	admin := newPerson(t, o.env.Server.URL)
	admin.open("/webhooks")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	admin.at("/webhooks")
	enter := func(sel string) {
		t.Helper()
		if _, err := chromedp.Run(admin.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.SendKeys(chromedp.ID(sel), kb.Enter))); err != nil {
			t.Fatal(err)
		}
	}
	admin.do(chromedp.SendKeys(chromedp.ID("webhook-url"), "ftp://hooks.example.com/in"),
		chromedp.SendKeys(chromedp.ID("event-4"), " ")) // certificate.expired
	enter("webhook-url")
	admin.see("#webhook-url-error", "must be an absolute http:// or https:// URL")
	admin.see("#page-error", "The webhook was not added")
	value, err := chromedp.Run(admin.ctx, chromedp.Value(chromedp.ID("webhook-url")))
	if err != nil {
		t.Fatal(err)
	}
	checked, err := chromedp.Run(admin.ctx, chromedp.Evaluate[bool](`document.getElementById("event-4").checked`))
	if err != nil {
		t.Fatal(err)
	}
	if value != "ftp://hooks.example.com/in" || !checked {
		t.Fatalf("the form lost what was typed: %q, checked %v", value, checked)
	}
	admin.do(chromedp.Clear(chromedp.ID("webhook-url")), chromedp.SendKeys(chromedp.ID("webhook-url"), "https://hooks.example.com/in"),
		chromedp.SendKeys(chromedp.ID("event-2"), " ")) // certificate.delivered
	enter("webhook-url")
	admin.see("main .notice", "Copy its secret now")
	admin.see("#webhook-secret", "whsec_")
	admin.see("table", "certificate.delivered, certificate.expired")
	admin.open("/webhooks")
	if body := admin.text("main"); strings.Contains(body, "whsec_") {
		t.Fatal("the secret is shown again")
	}
}
