package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
)

// TestBrowserAdministration (issue 15): without the API, an admin builds a
// two-module path with a choice and an essay in the editor, granting a new
// certificate, opens a session and enrolls a whole group; a learner of the
// group takes the path; the admin scores the essay and sees the
// certificate in the statistics; then deletes the session after its
// preview and confirmation, and the certificate is gone from them.
func TestBrowserAdministration(t *testing.T) {
	testdb.Each(t, administration)
}

func administration(t *testing.T, dialect string) {
	o := newWebOrg(t, dialect)
	ctx := context.Background()
	base := o.env.Server.URL
	admin, learner := newPerson(t, base), newPerson(t, base)
	groups, err := o.env.Store.ListGroups(ctx)
	if err != nil || len(groups) != 1 {
		t.Fatalf("groups: %v %v", groups, err)
	}
	warehouse := groups[0].ID.String()

	admin.open("/catalog")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	admin.at("/catalog")
	admin.see("header nav", "Catalog")

	// A certificate, refused first without its owner group.
	admin.do(chromedp.SendKeys(chromedp.ID("certificate-title"), "Crane licence"),
		chromedp.SendKeys(chromedp.ID("certificate-validity-months"), "12"))
	admin.click(`form[action="/catalog/certificates"] button[type=submit]`)
	admin.see("#certificate-owner-group-id-error", "Choose the owner group.")
	admin.do(chromedp.SetValue(chromedp.ID("certificate-owner-group-id"), warehouse))
	admin.click(`form[action="/catalog/certificates"] button[type=submit]`)
	admin.see("main .notice", `Certificate "Crane licence" is created.`)
	admin.see("#certificates-table", "Crane licence")
	var certID skillpath.ID
	certs, err := o.env.Store.ListCertificates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if c.Title == "Crane licence" {
			certID = c.ID
		}
	}

	// The path: a quiz module with a choice question, an essay module.
	admin.click("#new-training")
	admin.at("/catalog/trainings/new")
	admin.do(chromedp.SendKeys(chromedp.ID("f-title"), "Crane operation"),
		chromedp.Click(chromedp.ID("cert-"+certID.String())),
		chromedp.SendKeys(chromedp.ID("f-modules-0-title"), "Quiz"),
		chromedp.SetValue(chromedp.ID("f-modules-0-activities-0-kind"), "choice"),
		chromedp.SendKeys(chromedp.ID("f-modules-0-activities-0-title"), "Which hook?"),
		chromedp.SendKeys(chromedp.ID("f-modules-0-activities-0-choices"), "small\nbig"),
		chromedp.SendKeys(chromedp.ID("f-modules-0-activities-0-correct"), "huge"))
	admin.click("#add-module")
	admin.do(chromedp.SendKeys(chromedp.ID("f-modules-1-title"), "Essay"),
		chromedp.SetValue(chromedp.ID("f-modules-1-activities-0-kind"), "text"),
		chromedp.SendKeys(chromedp.ID("f-modules-1-activities-0-title"), "Explain the load chart"),
		chromedp.SendKeys(chromedp.ID("f-modules-1-activities-0-points"), "10"),
		chromedp.Click(chromedp.ID("f-modules-1-activities-0-manual-scoring")))
	admin.click("#save-training")
	// The API's refusal, next to its field; what was typed is kept.
	admin.see("#f-modules-0-activities-0-correct-error", "correct")
	admin.do(chromedp.Clear(chromedp.ID("f-modules-0-activities-0-correct")),
		chromedp.SendKeys(chromedp.ID("f-modules-0-activities-0-correct"), "big"))
	admin.click("#save-training")
	admin.see("main .notice", `Training "Crane operation" is created.`)
	admin.see("#publish", "Results tracking is not set up")

	// A session, and the whole group enrolled at once.
	admin.click("#sessions-link")
	admin.do(chromedp.SendKeys(chromedp.ID("session-name"), "Spring"),
		chromedp.SetValue(chromedp.ID("session-starts-at"), "2026-01-05T09:00"))
	admin.click(`form[action$="/sessions"] button[type=submit]`)
	admin.see("main .notice", `Session "Spring" is created.`)
	admin.see("#session-state", "Ongoing")
	admin.do(chromedp.SetValue(chromedp.ID("group-ids"), warehouse))
	admin.click("#assign-submit")
	admin.see("main .notice", "Enrolled 1 learner.")
	admin.see("#enrollments-table", "Lee Learner")
	admin.see("#enrollments-table", "Not started")
	sessionPath := admin.path()

	// The learner takes the path.
	learner.open("/learn")
	learner.signIn(learnerEmail, learnerPassword)
	learner.click(`section[aria-labelledby="mine"] a[href^="/learn/enrollments/"]`)
	learner.see("h1", "Crane operation")
	learner.click(`form[action$="/start"] button`)
	learner.do(chromedp.Click(chromedp.CSS(`input[name=response][value="big"]`)))
	learner.click(`form[action$="/answer"] button[type=submit]`)
	learner.do(chromedp.SendKeys(chromedp.CSS("textarea[name=response]"), "Read the radius first."))
	learner.click(`form[action$="/answer"] button[type=submit]`)
	learner.see(".facts", "Awaiting scoring")

	// The admin scores the essay and sees the certificate delivered.
	admin.open("/grading")
	admin.see(".card", "Read the radius first.")
	admin.do(chromedp.SendKeys(chromedp.CSS(".card input[name=score]"), "8"))
	admin.click(".card button[type=submit]")
	admin.see("main .notice", "The score is saved.")
	certPage := "/certificates/" + certID.String()
	admin.open(certPage)
	admin.see("main", "Lee Learner")
	admin.see("main", "Valid")

	// A longer validity: the dry run first, with the focus on it, then applied.
	admin.open("/catalog/certificates/" + certID.String())
	admin.do(chromedp.Clear(chromedp.ID("certificate-validity-months")),
		chromedp.SendKeys(chromedp.ID("certificate-validity-months"), "24"))
	admin.click(`form.stack button[type=submit]`)
	admin.see("#preview-heading", "Preview of the changes")
	admin.see("main", "1 expiration date")
	if focused := admin.text(":focus"); focused != "Preview of the changes" {
		t.Errorf("the focus is on %q, not the preview", focused)
	}
	admin.click(`input[name=confirm] ~ button[type=submit]`)
	admin.see("main .notice", "1 expiration date and 0 re-enrollment dates changed.")

	// Deleting the session: a preview, a refusal without the confirmation, then done.
	admin.open(sessionPath)
	admin.see("#enrollments-table", "Passed")
	admin.click("#delete-session")
	admin.see("#deleted-enrollments", "1")
	admin.see("#hidden-certificates", "1")
	admin.click("#confirm-delete")
	admin.see("#confirm-error", "Tick the box")
	admin.do(chromedp.Click(chromedp.ID("confirm")))
	admin.click("#confirm-delete")
	admin.see("main .notice", `Session "Spring" is deleted`)
	admin.open(certPage)
	if got := admin.text("main"); strings.Contains(got, "Lee Learner") {
		t.Errorf("the certificate page still shows the learner after the session's deletion: %s", got)
	}
}

// TestBrowserApprovals (issue 15): two learners ask to join a path that
// requires approval; the admin sees the count in the navigation, refuses
// one request and approves the other from /approvals.
func TestBrowserApprovals(t *testing.T) {
	o := newWebOrg(t, "sqlite")
	var tr, se, u ids
	o.env.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Hot work permit", "requires_approval": true, "modules": []any{
		map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Read", "kind": "content"}}}}}, &tr)
	o.env.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "March", "starts_at": "2026-01-01T00:00:00Z"}, &se)
	o.env.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ria@example.com", "name": "Ria Refused"}, &u)
	var refused, approved ids
	o.env.As(idOf(t, u.ID)).Must(201, "POST", "/api/v1/sessions/"+se.ID+"/enrollments", map[string]any{}, &refused)
	o.env.As(idOf(t, o.learnerID)).Must(201, "POST", "/api/v1/sessions/"+se.ID+"/enrollments", map[string]any{}, &approved)

	admin := newPerson(t, o.env.Server.URL)
	admin.open("/approvals")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	admin.at("/approvals")
	admin.see(`header nav a[href="/approvals"]`, "Approvals 2")
	admin.see("#approval-"+refused.ID, "Ria Refused")
	admin.see("#approval-"+refused.ID, "Hot work permit")
	admin.see("#approval-"+refused.ID, "March")
	admin.click("#approval-" + refused.ID + ` button[value="refuse"]`)
	admin.see("main .notice", "Refused 1 request.")
	admin.see(`header nav a[href="/approvals"]`, "Approvals 1")
	admin.do(chromedp.Click(chromedp.ID("pick-" + approved.ID)))
	admin.click("#approve-selected")
	admin.see("main .notice", "Approved 1 request.")
	admin.see("#no-approvals", "No request is awaiting approval.")
	o.env.Admin.Must(404, "GET", "/api/v1/enrollments/"+refused.ID, nil, nil)
	if got := o.status(t, approved.ID); got != "not_started" {
		t.Errorf("the approved enrollment is %q, want not_started", got)
	}
}

// path is the path (and query) the browser shows.
func (p *person) path() string {
	p.t.Helper()
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, p.base)
}
