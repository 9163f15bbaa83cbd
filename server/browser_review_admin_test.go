package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"skillpath"
	"skillpath/internal/apitest"
)

// TestBrowserAdminPhone (review of issues 14–16): at 390 px a long group
// name, a name without spaces and the approvals' table fit the phone
// without sideways scrolling, and a group admin's top group is open on
// /groups.
func TestBrowserAdminPhone(t *testing.T) {
	e := newImportEnv(t, "sqlite")
	ctx := context.Background()
	long := &skillpath.Group{Name: "Regional Health and Safety Compliance Training Coordinators", ParentID: &e.north}
	if err := e.Store.CreateGroup(ctx, long); err != nil {
		t.Fatal(err)
	}
	olga := &skillpath.User{Email: "olga@example.com", Name: "Olga Admin"}
	wide := &skillpath.User{Email: "averyveryverylongaddresswithoutanybreaks@example.com", Name: "Maximilianbartholomewjohannesvonundzuwesterhausen", GroupIDs: []skillpath.ID{long.ID}}
	for _, u := range []*skillpath.User{olga, wide} {
		if err := e.Store.CreateUser(ctx, u, "a-good-password"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Store.AddStaff(ctx, skillpath.Staff{GroupID: e.north, UserID: olga.ID, Role: skillpath.RoleGroupAdmin}); err != nil {
		t.Fatal(err)
	}
	var tr, se struct{ ID string }
	e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Gated", "requires_approval": true,
		"modules": []any{map[string]any{"title": "M", "activities": []any{map[string]any{"title": "Read", "kind": "content"}}}}}, &tr)
	e.Admin.Must(201, "POST", "/api/v1/trainings/"+tr.ID+"/sessions", map[string]any{"name": "Spring", "starts_at": "2026-01-01T00:00:00Z"}, &se)
	e.As(wide.ID).Must(201, "POST", "/api/v1/sessions/"+se.ID+"/enrollments", map[string]any{}, nil)

	phone := chromedp.EmulateViewport(390, 844)
	admin := newPerson(t, e.Server.URL)
	admin.open("/groups")
	admin.signIn(apitest.AdminEmail, apitest.AdminPassword)
	g := newPerson(t, e.Server.URL)
	g.open("/groups")
	g.signIn(olga.Email, "a-good-password")
	for _, tc := range []struct {
		who  *person
		path string
	}{
		{admin, "/people"},
		{admin, "/groups"},
		{admin, "/groups/" + long.ID.String()},
		{admin, "/sessions/" + se.ID + "?q=maximilian"},
		{admin, "/approvals"},
		{g, "/people"},
		{g, "/groups"},
		{g, "/approvals"},
	} {
		tc.who.do(phone)
		tc.who.open(tc.path)
		problems, err := chromedp.Run(tc.who.ctx, chromedp.Evaluate[[]string](pageChecks))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", tc.path, p)
		}
	}
	// An admin of a subgroup: his top group, at depth 1, is open too.
	if err := e.Store.CreateGroup(ctx, &skillpath.Group{Name: "Team A", ParentID: &long.ID}); err != nil {
		t.Fatal(err)
	}
	gus := &skillpath.User{Email: "gus@example.com", Name: "Gus Admin"}
	if err := e.Store.CreateUser(ctx, gus, "a-good-password"); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.AddStaff(ctx, skillpath.Staff{GroupID: long.ID, UserID: gus.ID, Role: skillpath.RoleGroupAdmin}); err != nil {
		t.Fatal(err)
	}
	g = newPerson(t, e.Server.URL)
	g.open("/groups")
	g.signIn(gus.Email, "a-good-password")
	g.open("/groups")
	open, err := chromedp.Run(g.ctx, chromedp.Evaluate[bool](`document.querySelector("#group-tree details") !== null && document.querySelector("#group-tree details").open`))
	if err != nil || !open {
		t.Errorf("the group admin's top group is closed on /groups (%v)", err)
	}
}
