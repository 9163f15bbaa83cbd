package server_test

import (
	"net/url"
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestWebCertificateRules: the catalog's certificate form sets the
// recertification rules (SPEC §9) and the reminder days (SPEC §7), refuses
// bad ones next to their field, and saving a change that moves delivered
// certificates' dates first shows the dry run, then applies it on confirm.
func TestWebCertificateRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 1)
		web := newWebClient(t, w.e.Server.URL)
		web.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		base := url.Values{"title": {"Crane"}, "owner_group_id": {w.group}, "validity_months": {"12"}, "expiry_base": {"delivery"},
			"reenroll_days_before": {""}, "fixed_month": {""}, "fixed_day": {""}, "reminder_days": {"30, 7"}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range base {
				v[k] = vs
			}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		if p := web.get("/catalog"); !strings.Contains(p.Body, `id="certificate-reminder-days"`) || !strings.Contains(p.Body, `value="30, 7"`) {
			t.Errorf("the create form lacks the reminder days or their default:\n%.3000s", p.Body)
		}
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"reminder days that are no numbers", with("reminder_days", "30, soon"), "certificate-reminder-days"},
			{"a reminder day twice", with("reminder_days", "7, 7"), "certificate-reminder-days"},
			{"a fixed date without its month", with("expiry_base", "fixed", "fixed_day", "31"), "certificate-fixed-month"},
			{"the 30th of February", with("expiry_base", "fixed", "fixed_month", "2", "fixed_day", "30"), "certificate-fixed-day"},
			{"a lead as long as the validity", with("reenroll_days_before", "400"), "certificate-reenroll-days-before"},
			{"an unknown base", with("expiry_base", "birthday"), "certificate-expiry-base"},
		} {
			if p := web.post("/catalog", "/catalog/certificates", tc.form); p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.field+`-error"`) {
				t.Errorf("%s: status %d; body %.3000s", tc.name, p.Status, p.Body)
			}
		}
		if p := web.post("/catalog", "/catalog/certificates", with("title", "Fixed", "expiry_base", "fixed", "fixed_month", "12", "fixed_day", "31",
			"reenroll_days_before", "45", "reminder_days", "60; 14 1")); p.Status != 303 {
			t.Fatalf("create: status %d: %.2000s", p.Status, p.Body)
		}
		var list struct {
			Certificates []struct {
				ID, Title          string
				ExpiryBase         string `json:"expiry_base"`
				FixedMonth         *int   `json:"fixed_month"`
				FixedDay           *int   `json:"fixed_day"`
				ReenrollDaysBefore *int   `json:"reenroll_days_before"`
				ReminderDays       []int  `json:"reminder_days"`
			} `json:"certificates"`
		}
		w.e.Admin.Must(200, "GET", "/api/v1/certificates", nil, &list)
		if len(list.Certificates) != 1 {
			t.Fatalf("certificates: %+v", list)
		}
		got := list.Certificates[0]
		if got.ExpiryBase != "fixed" || *got.FixedMonth != 12 || *got.FixedDay != 31 || *got.ReenrollDaysBefore != 45 || len(got.ReminderDays) != 3 || got.ReminderDays[0] != 60 {
			t.Errorf("created: %+v", got)
		}

		// A learner holds the certificate: a longer validity is previewed first.
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		s := w.session(tr.ID, true)
		w.pass(tr, w.enroll(s, w.learners[0]), w.learners[0])
		edit := "/catalog/certificates/" + c
		p := web.get(edit)
		if inputValue(p.Body, "reminder_days") != "30, 7" || !strings.Contains(p.Body, `<option value="delivery" selected>`) {
			t.Errorf("the edit form does not show the stored rules:\n%.4000s", p.Body)
		}
		form := with("title", "Licence", "validity_months", "24", "reminder_days", "")
		p = web.post(edit, edit, form)
		for _, want := range []string{"Preview of the changes", "1 expiration date", "1 re-enrollment date", "Learner A", "2027-01-10", "2028-01-10", `name="confirm" value="1"`, `name="validity_months" value="24"`} {
			if p.Status != 200 || !strings.Contains(p.Body, want) {
				t.Errorf("the preview (status %d) lacks %q:\n%.6000s", p.Status, want, p.Body)
			}
		}
		if h := w.history(c, w.learners[0]); *h[0].ExpiresAt != "2027-01-10T09:00:00Z" {
			t.Errorf("the preview changed the expiry: %+v", h[0])
		}
		form.Set("confirm", "1")
		if p = web.post(edit, edit, form); p.Status != 303 {
			t.Fatalf("confirm: status %d: %.3000s", p.Status, p.Body)
		}
		if h := w.history(c, w.learners[0]); *h[0].ExpiresAt != "2028-01-10T09:00:00Z" {
			t.Errorf("confirmed, the expiry is %v", *h[0].ExpiresAt)
		}
		var cert struct {
			ReminderDays []int `json:"reminder_days"`
		}
		w.e.Admin.Must(200, "GET", "/api/v1/certificates/"+c, nil, &cert)
		if cert.ReminderDays == nil || len(cert.ReminderDays) != 0 {
			t.Errorf("an empty reminder field saved %v, want no reminder day", cert.ReminderDays)
		}
		if p := web.get("/catalog"); !strings.Contains(p.Body, "1 expiration date and 1 re-enrollment date changed") {
			t.Errorf("the message does not say what changed:\n%.3000s", p.Body)
		}
		// A change that moves no date saves at once.
		if p = web.post(edit, edit, with("title", "Licence B", "validity_months", "24")); p.Status != 303 {
			t.Errorf("a new title: status %d: %.3000s", p.Status, p.Body)
		}
	})
}

// TestWebAwardActions: a platform admin certifies a learner by hand,
// extends and revokes the certificate from the learner's history; each
// refusal is shown next to its field and changes nothing, and revoking
// needs its box ticked.
func TestWebAwardActions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 2)
		web := newWebClient(t, w.e.Server.URL)
		web.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("Rigging", c)
		s := w.session(tr.ID, false)
		w.enroll(s, w.learners[0]) // enrolled, certified abroad
		w.enroll(s, w.learners[1])
		history := "/certificates/" + c + "/learners/" + w.learners[0]
		p := web.get(history)
		if !strings.Contains(p.Body, "Certify by hand") || !strings.Contains(p.Body, `<option value="`+s+`">Rigging › S</option>`) {
			t.Fatalf("the history lacks the certify form:\n%.5000s", p.Body)
		}
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"no session", url.Values{"reason": {"Abroad"}}, "certify-session-id"},
			{"no reason", url.Values{"session_id": {s}}, "certify-reason"},
		} {
			if p := web.post(history, history+"/certify", tc.form); p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.field+`-error"`) {
				t.Errorf("%s: status %d: %.4000s", tc.name, p.Status, p.Body)
			}
		}
		if h := w.history(c, w.learners[0]); len(h) != 1 || h[0].AwardID != nil {
			t.Fatalf("a refused certification left %+v", h)
		}
		if p := web.post(history, history+"/certify", url.Values{"session_id": {s}, "reason": {"Certified abroad"}}); p.Status != 303 {
			t.Fatalf("certify: status %d: %.3000s", p.Status, p.Body)
		}
		h := w.history(c, w.learners[0])
		if len(h) != 1 || h[0].AwardID == nil || h[0].AwardedBy == nil || h[0].Reason != "Certified abroad" {
			t.Fatalf("certified: %+v", h)
		}
		award := *h[0].AwardID
		p = web.get(history)
		if !strings.Contains(p.Body, history+"/awards/"+award+"/extend") || !strings.Contains(p.Body, "stops counting everywhere") {
			t.Errorf("the row lacks its extend and revoke forms:\n%.6000s", p.Body)
		}
		extend, revoke := history+"/awards/"+award+"/extend", history+"/awards/"+award+"/revoke"
		for _, tc := range []struct {
			name, path string
			form       url.Values
			field      string
		}{
			{"extend without a date", extend, url.Values{"reason": {"Audit"}}, "extend-" + award + "-expires-at"},
			{"extend to an earlier date", extend, url.Values{"expires_at": {"2026-06-01"}, "reason": {"Audit"}}, "extend-" + award + "-expires-at"},
			{"extend without a reason", extend, url.Values{"expires_at": {"2027-06-01"}}, "extend-" + award + "-reason"},
			{"revoke unconfirmed", revoke, url.Values{"reason": {"Fraud"}}, "revoke-" + award + "-confirm"},
			{"revoke without a reason", revoke, url.Values{"confirm": {"1"}}, "revoke-" + award + "-reason"},
		} {
			p := web.post(history, tc.path, tc.form)
			if p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.field+`-error"`) || !strings.Contains(p.Body, "<details open>") {
				t.Errorf("%s: status %d: %.6000s", tc.name, p.Status, p.Body)
			}
		}
		if h := w.history(c, w.learners[0]); h[0].ExtendedAt != nil || h[0].RevokedAt != nil {
			t.Fatalf("refused actions changed %+v", h[0])
		}
		// Another learner's history does not reach this certificate.
		other := "/certificates/" + c + "/learners/" + w.learners[1]
		if p := web.post(other, other+"/awards/"+award+"/revoke", url.Values{"reason": {"Fraud"}, "confirm": {"1"}}); p.Status != 404 {
			t.Errorf("revoke through another learner: status %d", p.Status)
		}
		if p := web.post(history, extend, url.Values{"expires_at": {"2027-06-01"}, "reason": {"Audit"}}); p.Status != 303 {
			t.Fatalf("extend: status %d: %.3000s", p.Status, p.Body)
		}
		if h := w.history(c, w.learners[0]); h[0].ExtendedAt == nil || !strings.HasPrefix(*h[0].ExpiresAt, "2027-06-01") {
			t.Errorf("extended: %+v", h[0])
		}
		if p := web.post(history, revoke, url.Values{"reason": {"Fraud"}, "confirm": {"1"}}); p.Status != 303 {
			t.Fatalf("revoke: status %d: %.3000s", p.Status, p.Body)
		}
		if h := w.history(c, w.learners[0]); h[0].RevokedAt == nil || h[0].CertificationStatus != "revoked" {
			t.Errorf("revoked: %+v", h[0])
		}
		if p := web.get(history); strings.Contains(p.Body, revoke) {
			t.Errorf("a revoked certificate still offers its actions")
		}
	})
}

// TestWebSessionArchiveReenrollment: archiving an automatic re-enrollment
// session from its page first says how many learners will no longer be
// re-enrolled, changes nothing, and archives on confirm; another session
// is archived at once.
func TestWebSessionArchiveReenrollment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 3)
		web := newWebClient(t, w.e.Server.URL)
		web.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		c := w.certificate(map[string]any{"validity_months": 12})
		tr := w.path("T", c)
		auto, plain := w.session(tr.ID, true), w.session(tr.ID, false)
		for i, u := range w.learners {
			if e := w.enroll(auto, u); i < 2 {
				w.pass(tr, e, u)
			}
		}
		archived := func(id string) bool {
			var se struct {
				ArchivedAt *string `json:"archived_at"`
			}
			w.e.Admin.Must(200, "GET", "/api/v1/sessions/"+id, nil, &se)
			return se.ArchivedAt != nil
		}
		page := "/sessions/" + auto
		p := web.post(page, page+"/archive", url.Values{})
		if p.Status != 200 || !strings.Contains(p.Body, `<strong id="reenrollments-ended">2 learners</strong>`) || !strings.Contains(p.Body, `id="confirm-archive"`) {
			t.Fatalf("archive asks: status %d:\n%.6000s", p.Status, p.Body)
		}
		if archived(auto) {
			t.Fatal("asking archived the session")
		}
		if p = web.post(page, page+"/archive", url.Values{"confirm": {"1"}}); p.Status != 303 || !archived(auto) {
			t.Fatalf("confirm: status %d, archived %v", p.Status, archived(auto))
		}
		if p = web.get(page); !strings.Contains(p.Body, "Automatic re-enrollment ended for 2 learners.") {
			t.Errorf("the message does not say how many:\n%.3000s", p.Body)
		}
		if p = web.post("/sessions/"+plain, "/sessions/"+plain+"/archive", url.Values{}); p.Status != 303 || !archived(plain) {
			t.Errorf("a session without re-enrollment: status %d, archived %v", p.Status, archived(plain))
		}
	})
}

// TestWebEditorContent: the training editor saves a content page's
// Markdown text and link (issue 18), refuses a bad link next to its field,
// and uploads an attachment, whose Markdown the message gives.
func TestWebEditorContent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		w := newRecert(t, dialect, "2026-01-10T09:00:00Z", 0)
		web := newWebClient(t, w.e.Server.URL)
		web.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		tr := w.path("Safety")
		edit := "/catalog/trainings/" + tr.ID
		if p := web.get(edit); !strings.Contains(p.Body, `name="modules[0].activities[0].body"`) || !strings.Contains(p.Body, `name="modules[0].activities[0].url"`) {
			t.Fatalf("the editor lacks the body and link fields:\n%.5000s", p.Body)
		}
		form := func(kv ...string) url.Values {
			v := url.Values{"title": {"Safety"}, "modules[0].title": {"M"}, "modules[0].max_attempts": {"1"},
				"modules[0].activities[0].title": {"Page"}, "modules[0].activities[0].kind": {"content"}, "action": {"save"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"a link that is no web address", form("modules[0].activities[0].url", "ftp://files.example/a"), "f-modules-0-activities-0-url"},
			{"a body on a question", form("modules[0].activities[0].kind", "text", "modules[0].activities[0].body", "Why?"), "f-modules-0-activities-0-body"},
		} {
			if p := web.post(edit, edit, tc.form); p.Status != 400 || !strings.Contains(p.Body, `id="`+tc.field+`-error"`) {
				t.Errorf("%s: status %d: %.3000s", tc.name, p.Status, p.Body)
			}
		}
		body := "# Helmets\r\n\r\nWear a **helmet**."
		if p := web.post(edit, edit, form("modules[0].activities[0].body", body, "modules[0].activities[0].url", "https://video.example/helmets")); p.Status != 303 {
			t.Fatalf("save: status %d: %.3000s", p.Status, p.Body)
		}
		var saved struct {
			Modules []struct {
				Activities []struct{ Body, URL string } `json:"activities"`
			} `json:"modules"`
		}
		w.e.Admin.Must(200, "GET", "/api/v1/trainings/"+tr.ID, nil, &saved)
		if a := saved.Modules[0].Activities[0]; a.Body != "# Helmets\n\nWear a **helmet**." || a.URL != "https://video.example/helmets" {
			t.Errorf("saved: %+v", a)
		}
		if p := web.get(edit); !strings.Contains(p.Body, "Wear a **helmet**.</textarea>") {
			t.Errorf("the editor does not show the saved text:\n%.5000s", p.Body)
		}

		// Attachments: an image gives its Markdown; a text file is refused at the file field.
		if p := web.upload(edit, edit+"/attachments", "notes.txt", "plain words"); p.Status != 400 || !strings.Contains(p.Body, `id="attachment-file-error"`) {
			t.Errorf("a text file: status %d: %.3000s", p.Status, p.Body)
		}
		png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
		if p := web.upload(edit, edit+"/attachments", "helmet.png", png); p.Status != 303 {
			t.Fatalf("upload: status %d: %.3000s", p.Status, p.Body)
		}
		p := web.get(edit)
		if n := strings.Count(p.Body, "![helmet.png](/trainings/"+tr.ID+"/attachments/"); n != 2 || !strings.Contains(p.Body, `id="attachments-table"`) {
			t.Errorf("the message and the list give the Markdown to paste %d times, want 2:\n%.6000s", n, p.Body)
		}
	})
}
