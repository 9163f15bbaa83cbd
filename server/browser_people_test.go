package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"skillpath"
	"skillpath/internal/apitest"
)

// selectOptions chooses the options of a select (one or many) by their
// visible text, as a person would with the keyboard or the mouse.
func (p *person) selectOptions(sel string, labels ...string) {
	p.t.Helper()
	js := `(function(sel, labels) { const s = document.querySelector(sel); let n = 0;
		for (const o of s.options) { o.selected = labels.includes(o.textContent.trim()); }
		for (const o of s.options) { if (o.selected) n++; }
		s.dispatchEvent(new Event("change", {bubbles: true})); return n; })(` + jsString(sel) + `, [` + jsStrings(labels) + `])`
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js))
	if err != nil || n != len(labels) {
		all, _ := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelector(`+jsString(sel)+`).options).map(o => o.textContent)`))
		p.t.Fatalf("select %v in %s: %d chosen of %q, %v", labels, sel, n, all, err)
	}
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return strings.Join(q, ", ")
}

// upload chooses a file for the file input and sends the form; the page's
// script sends it with a progress bar and shows the answer, awaited at
// the element want.
func (p *person) uploadFile(input, content, want string) {
	p.t.Helper()
	path := filepath.Join(p.t.TempDir(), "staff.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		p.t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles(chromedp.CSS(input), []string{path}),
		chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(want)))
}

// TestBrowserPeople: an admin creates a person from /people, edits them,
// imports a file with errors (the preview shows each), then the fixed
// file (preview, apply: the people exist).
func TestBrowserPeople(t *testing.T) {
	e := newImportEnv(t, "sqlite")
	p := newPerson(t, e.Server.URL)
	p.open("/people")
	p.signIn(apitest.AdminEmail, apitest.AdminPassword)
	p.at("/people")
	p.see("header nav", "People")
	p.see("header nav", "Groups")
	p.click(`a[href="/people/new"]`)
	p.do(chromedp.SendKeys(chromedp.ID("email"), "ana@example.com"),
		chromedp.SendKeys(chromedp.ID("name"), "Ana Costa"),
		chromedp.SendKeys(chromedp.ID("fields"), "region=EMEA"))
	p.selectOptions("#groups", "North East")
	p.click(`form.person-form button[type=submit]`)
	p.see("h1", "Ana Costa")
	p.see("main .notice", "Ana Costa was created.")
	p.see("#person-groups", "North › North East")
	p.see("#person-fields", "EMEA")
	p.click(`a[href$="/edit"]`)
	p.do(chromedp.Clear(chromedp.ID("name")), chromedp.SendKeys(chromedp.ID("name"), "Ana Costa Silva"))
	p.selectOptions("#groups", "North", "South")
	p.click(`form.person-form button[type=submit]`)
	p.see("h1", "Ana Costa Silva")
	p.see("#person-groups", "North South")

	p.open("/people/import")
	p.uploadFile("#file", "email;name;groups;registered_at\nzoe@example.com;Zoé;Nowhere;2025-01-01\nbad-email;Bad;North;\nana@example.com;Ana;North;2030-01-01\n", "#import-errors")
	for _, want := range []string{`Line 2, column groups (3): no group is named "Nowhere"`, `Line 3, column email (1): "bad-email" is not a valid email address`,
		"Line 4, column registered_at (4): 2030-01-01 is in the future"} {
		p.see("#import-errors", want)
	}
	p.see("#import-counts", "Errors 3")
	p.uploadFile("#file", "email;name;groups;registered_at\nzoe@example.com;Zoé;North East;2025-01-01\nbad@example.com;Bad;North;\nana@example.com;Ana;North;\n", "#apply-form")
	p.see("#import-counts", "To create 2")
	p.see("#import-counts", "To update 1")
	p.see("table.import-lines", "name, groups")
	if users := e.users(t); users["zoe@example.com"] != nil {
		t.Fatal("the preview wrote")
	}
	p.click(`#apply-form button[type=submit]`)
	p.at("/people")
	p.see("main .notice", "Imported staff.csv: 2 created, 1 updated, 0 unchanged.")
	p.see("table.people", "Zoé")
	users := e.users(t)
	if users["zoe@example.com"] == nil || users["bad@example.com"] == nil || users["ana@example.com"].Name != "Ana" {
		t.Errorf("after apply: %+v", users)
	}
}

// TestBrowserGroups: an admin builds a three-level tree and names a coach;
// the coach's group admin, signed in, sees only their groups and people.
func TestBrowserGroups(t *testing.T) {
	e := newImportEnv(t, "sqlite")
	ctx := context.Background()
	lee := &skillpath.User{Email: "lee@example.com", Name: "Lee Learner"}
	olga := &skillpath.User{Email: "olga@example.com", Name: "Olga Admin"}
	for _, u := range []*skillpath.User{lee, olga} {
		if err := e.Store.CreateUser(ctx, u, "a-good-password"); err != nil {
			t.Fatal(err)
		}
	}
	p := newPerson(t, e.Server.URL)
	p.open("/groups")
	p.signIn(apitest.AdminEmail, apitest.AdminPassword)
	create := func(name, parent string) {
		p.open("/groups")
		p.do(chromedp.SendKeys(chromedp.ID("group-name"), name))
		if parent != "" {
			p.selectOptions("#group-parent", parent)
		}
		p.click(`#new-group button[type=submit]`)
		p.see("h1", name)
	}
	create("Company", "")
	create("Sales", "Company")
	create("Sales Lisbon", "Sales")
	p.see(".crumbs", "Company › Sales › Sales Lisbon")
	p.do(chromedp.SendKeys(chromedp.ID("staff-search"), "lee"))
	p.click(`#staff-search-form button[type=submit]`)
	p.click(`#staff-found button[value=coach]`)
	p.see("main .notice", "Lee Learner is now a coach of Sales Lisbon.")
	p.see("#staff", "Lee Learner")
	p.see("#staff", "Coach")
	p.open("/groups")
	p.see("#group-tree", "Company")
	p.click(`#group-tree .leaf a[href]`) // keyboard and mouse reach each group from the tree
	p.see("h1", "Company")

	if err := e.Store.AddStaff(ctx, skillpath.Staff{GroupID: e.north, UserID: olga.ID, Role: skillpath.RoleGroupAdmin}); err != nil {
		t.Fatal(err)
	}

	g := newPerson(t, e.Server.URL)
	g.open("/people")
	g.signIn(olga.Email, "a-good-password")
	g.at("/people")
	g.see("main", "The learners of the groups you follow")
	if body := g.text("main"); strings.Contains(body, "Émilie") || strings.Contains(body, "New person") {
		t.Errorf("the group admin sees beyond their groups: %s", body)
	}
	g.open("/groups")
	g.see("#group-tree", "North")
	g.see("#group-tree", "North East")
	if tree := g.text("#group-tree"); strings.Contains(tree, "South") || strings.Contains(tree, "Company") {
		t.Errorf("the group admin's tree: %s", tree)
	}
	g.open("/groups/" + e.south.String())
	g.see("h1", "Not found")
}
