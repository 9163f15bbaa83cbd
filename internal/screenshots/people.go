package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"skillpath/demo"
	"skillpath/internal/browser"
	"skillpath/store"
)

// peopleShots are the pictures of the people and groups pages (issue 14):
// the list, a learner's page, the tree, a group with its staff, the list
// on a phone, and the group admin's own view.
func peopleShots(ctx context.Context, st *store.Store) ([]shot, error) {
	users, _, err := st.ListUsers(ctx, store.UserFilter{Query: learner, Limit: 1})
	if err != nil || len(users) != 1 {
		return nil, fmt.Errorf("demo learner %s: %v", learner, err)
	}
	groups, err := st.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	operations := ""
	for _, g := range groups {
		if g.Name == "Operations" {
			operations = g.ID.String()
		}
	}
	admin := demo.AdminEmail
	return []shot{
		{"people.png", admin, demo.AdminPassword, "/people", 1280},
		{"people-phone.png", admin, demo.AdminPassword, "/people", 360},
		{"person.png", admin, demo.AdminPassword, "/people/" + users[0].ID.String(), 1280},
		{"groups.png", admin, demo.AdminPassword, "/groups", 1280},
		{"group.png", admin, demo.AdminPassword, "/groups/" + operations + "?q=learner0", 1280},
		{"people-group-admin.png", "olga.ops@demo.skillpath.test", demo.LearnerPassword, "/people", 1280},
	}, nil
}

// importFile is the file of the import preview's picture: two new people,
// a change, and three lines with errors.
const importFile = "email;name;groups;registered_at;field.region\r\n" +
	"noor.haddad@demo.skillpath.test;Noor Haddad;Operations;2026-02-02;EMEA\r\n" +
	"learner01@demo.skillpath.test;Learner 01 (renamed);Operations;;\r\n" +
	"tomas.berg@demo.skillpath.test;Tomás Berg;Warehouse Nord;;EMEA\r\n" +
	"not-an-email;Someone;Sales;;\r\n" +
	"ines.costa@demo.skillpath.test;Inês Costa;Sales;2027-01-01;\r\n" +
	"noor.haddad@demo.skillpath.test;Noor again;Sales;;\r\n"

// importShot photographs the import page's preview of importFile, uploaded
// as an admin would.
func importShot(b *browser.Browser, base, out string) error {
	dir, err := os.MkdirTemp("", "skillpath-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "staff-march.csv")
	if err := os.WriteFile(file, []byte(importFile), 0o600); err != nil {
		return err
	}
	tab, cancel := b.User()
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(tab, time.Minute)
	defer cancelTimeout()
	err = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base+"/people/import"),
		chromedp.SendKeys(chromedp.ID("email"), demo.AdminEmail), chromedp.SendKeys(chromedp.ID("password"), demo.AdminPassword),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`form[action="/login"] button`)))(ctx, t)
			return chromedp.Void{}, err
		},
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("import-preview")))
	if err != nil {
		return fmt.Errorf("people-import.png: %w", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	fmt.Println("wrote", filepath.Join(out, "people-import.png"))
	return os.WriteFile(filepath.Join(out, "people-import.png"), png, 0o644)
}
