package server_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/pdftest"
	"skillpath/internal/testdb"
	"skillpath/server"
	"skillpath/store"
)

// Learners of the certificate tests, by name in their own scripts.
const (
	greek    = "Αλέξανδρος Παπαδόπουλος"
	japanese = "山田 花子"
	latin    = "Ada Lovelace"
	pending  = "Dan Brown" // enrolled, not passed
)

// certOrg: a training "Forklift safety" granting "Forklift licence" (valid
// twelve months), passed at webNow by three learners; the Greek and
// Japanese learners are in the group Crew, whose admin is Gil; Ada and Dan
// are in no group.
type certOrg struct {
	env         *apitest.Env
	learners    map[string]*apitest.Client
	users       map[string]string // ids, by name
	emails      map[string]string
	enrollments map[string]string
	session     string
	certificate string
	groupAdmin  *apitest.Client
}

// certLearnerPassword signs every learner of certOrg in to the pages.
const certLearnerPassword = "learner-password"

func newCertOrg(t testing.TB, dialect string, configure ...func(*server.Server)) *certOrg {
	e := apitest.Start(t, dialect, webNow, configure...)
	o := &certOrg{env: e, learners: map[string]*apitest.Client{}, users: map[string]string{}, emails: map[string]string{}, enrollments: map[string]string{}}
	var crew, u, c, s ids
	var tr tree
	e.Admin.Must(201, "POST", "/api/v1/groups", map[string]any{"name": "Crew"}, &crew)
	e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "gil@example.com", "name": "Gil"}, &u)
	o.groupAdmin = e.As(mustID(t, u.ID))
	e.Admin.Must(201, "POST", "/api/v1/groups/"+crew.ID+"/staff", map[string]any{"user_id": u.ID, "role": "admin"}, nil)
	e.Admin.Must(201, "POST", "/api/v1/certificates", map[string]any{"title": "Forklift licence", "owner_group_id": crew.ID, "validity_months": 12}, &c)
	o.certificate = c.ID
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{
		"title": "Forklift safety", "certificate_ids": []string{c.ID},
		"modules": []any{map[string]any{"title": "Read", "activities": []any{map[string]any{"title": "Rules", "kind": "content"}}}},
	}, &tr)
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Spring", "starts_at": "2026-01-01T00:00:00Z"}, &s)
	o.session = s.ID
	for i, name := range []string{greek, japanese, latin, pending} {
		groups := []string{}
		if name == greek || name == japanese {
			groups = []string{crew.ID}
		}
		o.emails[name] = "learner" + string(rune('a'+i)) + "@example.com"
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": o.emails[name], "name": name, "password": certLearnerPassword, "group_ids": groups}, &u)
		o.learners[name], o.users[name] = e.As(mustID(t, u.ID)), u.ID
		var en ids
		e.Admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": u.ID}, &en)
		o.enrollments[name] = en.ID
		if name != pending {
			base := "/api/v1/enrollments/" + en.ID
			o.learners[name].Must(200, "POST", base+"/start", nil, nil)
			o.learners[name].Must(200, "POST", base+"/activities/"+tr.Modules[0].Activities[0].ID+"/view", nil, nil)
		}
	}
	return o
}

func mustID(t testing.TB, s string) skillpath.ID {
	t.Helper()
	id, ok := skillpath.ParseID(s)
	if !ok {
		t.Fatalf("not an id: %q", s)
	}
	return id
}

// pdf fetches an enrollment's certificate PDF as the client, wanting status.
func (o *certOrg) pdf(t testing.TB, c *apitest.Client, learner, query string, status int) *apitest.Response {
	t.Helper()
	r := c.Get("/api/v1/enrollments/" + o.enrollments[learner] + "/certificate.pdf" + query)
	if r.Status != status {
		t.Fatalf("PDF of %s%s: status %d, want %d; %s", learner, query, r.Status, status, r.Body)
	}
	return r
}

// code is the verification code the learner's PDF carries in its QR code.
func (o *certOrg) code(t testing.TB, learner string) string {
	t.Helper()
	url := pdftest.QR(t, o.pdf(t, o.learners[learner], learner, "", 200).Body)
	code, ok := strings.CutPrefix(url, store.DefaultBaseURL+"/verify/")
	if !ok || !skillpath.IsVerificationCode(code) {
		t.Fatalf("QR code of %s's certificate reads %q, want %s/verify/ and 32 hex digits", learner, url, store.DefaultBaseURL)
	}
	return code
}

// TestCertificatePDF: the learner's PDF shows their name in any script,
// the certificate, the path, the dates in the platform's zone and the
// verification URL, whose QR code reads back; staff in scope get it too,
// anyone else is told it does not exist.
func TestCertificatePDF(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newCertOrg(t, dialect)
		for _, name := range []string{greek, japanese, latin} {
			r := o.pdf(t, o.learners[name], name, "", 200)
			if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/pdf" || !strings.Contains(cd, "attachment") || !strings.Contains(cd, `.pdf"`) {
				t.Errorf("%s: Content-Type %q, Content-Disposition %q", name, ct, cd)
			}
			url := pdftest.QR(t, r.Body)
			text := strings.Join(strings.Fields(pdftest.Text(t, r.Body)), " ")
			for _, want := range []string{name, "Forklift licence", "Forklift safety", "Delivered on 2026-01-31", "Expires on 2027-01-31", "skillpath", url} {
				if !strings.Contains(text, want) {
					t.Errorf("%s's PDF lacks %q:\n%s", name, want, text)
				}
			}
			if info := pdftest.Info(t, r.Body); !strings.Contains(info, "(A4)") || !strings.Contains(info, "Pages:           1") {
				t.Errorf("%s's PDF is not one A4 page:\n%s", name, info)
			}
			var v map[string]any
			o.env.Anonymous().Must(200, "GET", "/api/v1/verify/"+strings.TrimPrefix(url, store.DefaultBaseURL+"/verify/"), nil, &v)
			if v["learner"] != name {
				t.Errorf("the QR code of %s's PDF verifies %v", name, v)
			}
		}

		// Who may fetch it: the learner, staff in scope (as for results).
		o.pdf(t, o.env.Admin, greek, "", 200)
		o.pdf(t, o.groupAdmin, greek, "", 200)
		o.pdf(t, o.groupAdmin, latin, "", 404)
		o.pdf(t, o.learners[latin], greek, "", 404)
		o.pdf(t, o.learners[greek], japanese, "", 404)
		o.pdf(t, o.env.Anonymous(), greek, "", 401)

		// Which: no certificate yet, another certificate, a bad id.
		if r := o.pdf(t, o.learners[pending], pending, "", 404); r.Err().Code != "not_found" {
			t.Errorf("no certificate yet: %s", r.Body)
		}
		o.pdf(t, o.learners[latin], latin, "?certificate_id=999999", 404)
		if r := o.pdf(t, o.learners[latin], latin, "?certificate_id=x", 400); r.Err().Field != "certificate_id" {
			t.Errorf("a bad certificate_id: %s", r.Body)
		}
		o.env.Admin.Must(404, "GET", "/api/v1/enrollments/999999/certificate.pdf", nil, nil)

		// A deleted enrollment's certificate is displayed nowhere.
		o.env.Admin.Must(204, "DELETE", "/api/v1/enrollments/"+o.enrollments[latin], nil, nil)
		o.pdf(t, o.env.Admin, latin, "", 404)
	})
}

// TestCertificatePDFLetter: --paper letter prints on US Letter, landscape.
func TestCertificatePDFLetter(t *testing.T) {
	o := newCertOrg(t, "sqlite", func(s *server.Server) { s.Certificates.Paper = "letter"; s.Certificates.PlatformName = "Acme Academy" })
	r := o.pdf(t, o.learners[japanese], japanese, "", 200)
	if info := pdftest.Info(t, r.Body); !strings.Contains(info, "792 x 612 pts (letter)") {
		t.Errorf("not Letter landscape:\n%s", info)
	}
	if text := pdftest.Text(t, r.Body); !strings.Contains(text, "Acme Academy") {
		t.Errorf("the platform's name is missing:\n%s", text)
	}
}

// TestVerify: the verification JSON and page tell the status at the
// business clock's now, and the learner's name only; unknown codes and
// certificates of a deleted enrollment, user or session are 404 alike.
func TestVerify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newCertOrg(t, dialect)
		anyone := o.env.Anonymous()
		codes := map[string]string{}
		for _, name := range []string{greek, japanese, latin} {
			codes[name] = o.code(t, name)
		}
		if again := o.code(t, greek); again != codes[greek] {
			t.Errorf("the code changed between two PDFs: %s, then %s", codes[greek], again)
		}

		expires := time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			now    time.Time
			status string
			page   string
		}{
			{webNow, "valid", "This certificate is valid."},
			{expires.Add(-30*24*time.Hour - time.Second), "valid", "This certificate is valid."},
			{expires.Add(-30 * 24 * time.Hour), "expiring_soon", "It expires soon, on 2027-01-31."},
			{expires.Add(-time.Millisecond), "expiring_soon", "It expires soon, on 2027-01-31."},
			{expires, "expired", "This certificate expired on 2027-01-31."},
		} {
			o.env.Store.Now = skillpath.FixedClock(c.now)
			var v map[string]any
			r := anyone.Must(200, "GET", "/api/v1/verify/"+codes[greek], nil, &v)
			want := map[string]any{"certificate": "Forklift licence", "learner": greek, "delivered_at": "2026-01-31T10:00:00Z",
				"expires_at": "2027-01-31T10:00:00Z", "status": c.status, "label": v["label"]}
			if !maps.Equal(v, want) || v["label"] == "" {
				t.Errorf("at %s: %v, want %v", c.now, v, want)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=60" {
				t.Errorf("Cache-Control %q", cc)
			}
			p := anyone.Get("/verify/" + codes[greek])
			if p.Status != 200 || !strings.Contains(string(p.Body), c.page) || !strings.Contains(string(p.Body), greek) ||
				p.Header.Get("Cache-Control") != "public, max-age=60" {
				t.Errorf("at %s the page answers %d (Cache-Control %q), want %q:\n%s", c.now, p.Status, p.Header.Get("Cache-Control"), c.page, p.Body)
			}
			if strings.Contains(string(p.Body), "@example.com") || strings.Contains(string(r.Body), "@example.com") {
				t.Errorf("the verification shows the learner's email")
			}
		}
		o.env.Store.Now = skillpath.FixedClock(webNow)

		notFound := anyone.Must(404, "GET", "/api/v1/verify/"+strings.Repeat("0", 32), nil, nil).Body
		gone := func(when string, code string) {
			t.Helper()
			r := anyone.Do("GET", "/api/v1/verify/"+code, nil)
			if r.Status != 404 || string(r.Body) != string(notFound) {
				t.Errorf("%s: %d %s, want the 404 of an unknown code %s", when, r.Status, r.Body, notFound)
			}
			if p := anyone.Get("/verify/" + code); p.Status != 404 || !strings.Contains(string(p.Body), "No certificate has this verification code") {
				t.Errorf("%s: the page answers %d:\n%s", when, p.Status, p.Body)
			}
		}
		gone("a malformed code", "not-a-code")
		gone("an upper-case code", strings.ToUpper(codes[latin]))

		o.env.Admin.Must(204, "DELETE", "/api/v1/enrollments/"+o.enrollments[japanese], nil, nil)
		gone("a deleted enrollment", codes[japanese])
		o.env.Admin.Must(204, "DELETE", "/api/v1/users/"+o.users[greek], nil, nil)
		gone("a deleted user", codes[greek])
		anyone.Must(200, "GET", "/api/v1/verify/"+codes[latin], nil, nil)
		o.env.Admin.Must(204, "DELETE", "/api/v1/sessions/"+o.session, nil, nil)
		gone("a deleted session", codes[latin])
	})
}

// TestVerifyRateLimit: past its limit an address gets 429 with
// Retry-After, from the JSON and the page alike, found or not.
func TestVerifyRateLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, webNow, func(s *server.Server) {
			s.Certificates.VerifyLimit = server.RateLimit{Burst: 3, Every: time.Hour}
		})
		anyone := e.Anonymous()
		code := strings.Repeat("a", 32)
		for range 3 {
			anyone.Must(404, "GET", "/api/v1/verify/"+code, nil, nil)
		}
		r := anyone.Do("GET", "/api/v1/verify/"+code, nil)
		if r.Status != 429 || r.Err().Code != "too_many_requests" || r.Header.Get("Retry-After") == "" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("past the limit: %d %v %s", r.Status, r.Header, r.Body)
		}
		if p := anyone.Get("/verify/" + code); p.Status != 429 || p.Header.Get("Retry-After") == "" || !strings.Contains(string(p.Body), "Too many verifications") {
			t.Errorf("the page past the limit: %d %v", p.Status, p.Header)
		}
		if got := anyone.Do("GET", "/healthz", nil).Status; got != 200 {
			t.Errorf("the limit reaches other pages: /healthz %d", got)
		}
	})
}

// TestCertificateDownloadLinks: the learner's pages and the admin's
// history link each delivered certificate's PDF, and the link serves it to
// them and to no other learner.
func TestCertificateDownloadLinks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newCertOrg(t, dialect)
		enrollment := o.enrollments[greek]
		link := "/enrollments/" + enrollment + "/certificate.pdf"
		learner := newWebClient(t, o.env.Server.URL)
		learner.mustSignIn(o.emails[greek], certLearnerPassword)
		if p := learner.get("/learn"); !strings.Contains(p.Body, `href="`+link+`"`) {
			t.Errorf("/learn has no link to the PDF:\n%s", p.Body)
		}
		withID := link + "?certificate_id=" + o.certificate
		if p := learner.get("/learn/enrollments/" + enrollment); !strings.Contains(p.Body, `href="`+strings.ReplaceAll(withID, "&", "&amp;")+`"`) {
			t.Errorf("the player has no link to the PDF:\n%s", p.Body)
		}
		for _, l := range []string{link, withID} {
			if p := learner.get(l); p.Status != 200 || p.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("%s: %d %s", l, p.Status, p.Header.Get("Content-Type"))
			}
		}
		if p := learner.get("/learn"); strings.Contains(p.Body, "/enrollments/"+o.enrollments[pending]+"/certificate.pdf") {
			t.Error("/learn links a PDF of an enrollment without certificate")
		}

		other := newWebClient(t, o.env.Server.URL)
		other.mustSignIn(o.emails[latin], certLearnerPassword)
		if p := other.get(link); p.Status != 404 {
			t.Errorf("another learner gets the PDF page: %d", p.Status)
		}

		admin := newWebClient(t, o.env.Server.URL)
		admin.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
		history := admin.get("/certificates/" + o.certificate + "/learners/" + o.users[greek])
		if !strings.Contains(history.Body, `href="`+strings.ReplaceAll(withID, "&", "&amp;")+`"`) {
			t.Errorf("the history has no link to the PDF:\n%s", history.Body)
		}
		if p := admin.get(withID); p.Status != 200 || !strings.Contains(pdftest.Text(t, []byte(p.Body)), greek) {
			t.Errorf("the admin's download: %d", p.Status)
		}
	})
}
