package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/store"
)

// Each role's main job in the browser (issue 18).

// withPassword gives a person of the story a password to sign in with.
func withPassword(t *testing.T, st *store.Store, id skillpath.ID) (email, password string) {
	t.Helper()
	password = "a-long-enough-password"
	u, err := st.UpdateUser(context.Background(), id, store.UserUpdate{Password: &password})
	if err != nil {
		t.Fatal(err)
	}
	return u.Email, password
}

// TestBrowserGroupAdminExpiring: Olga, group admin of Operations, finds on
// the certificate list how many of her learners are expiring, opens them
// from the number — the learners expiring within 30 days, soonest first —
// and downloads exactly that list.
func TestBrowserGroupAdminExpiring(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		email, password := withPassword(t, a.env.Store, a.org.Users["Olga"].ID)
		forklift := a.cert(testorg.Forklift)
		olga := newPerson(t, a.env.Server.URL)
		olga.open("/certificates")
		olga.signIn(email, password)
		olga.at("/certificates")
		olga.see("#certificate-"+forklift+" a.expiring", "1")
		olga.click("#certificate-" + forklift + " a.expiring")
		olga.at("/certificates/" + forklift + "?latest_status=expiring_soon&sort=expires_at#learners-heading")
		olga.see("#learners-position", "1 learner")
		olga.see("table.learners tbody", "Bruno Baker")
		olga.see(`table.learners th[aria-sort="ascending"]`, "Expiration date")
		olga.downloadIs(a.as("Olga"), "/certificates/"+forklift+"/learners.csv?latest_status=expiring_soon&sort=expires_at")

		// the same with the form: expired or expiring, by checking both
		olga.do(chromedp.Click(chromedp.ID("status-expired")))
		olga.click(".learner-filters button[type=submit]")
		olga.see("#learners-position", "2 learners")
		olga.see("table.learners tbody tr:first-child", "Hill, Jr.") // expired first
		olga.downloadIs(a.as("Olga"), "/certificates/"+forklift+"/learners.csv?latest_status=expiring_soon&latest_status=expired&sort=expires_at")
	})
}

// TestBrowserAdminFiltersSortsOpens: an admin filters a certificate's
// learners by group and by a custom field typed in lower case, sorts them
// by expiration both ways, and opens a learner's history.
func TestBrowserAdminFiltersSortsOpens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		email, password := withPassword(t, a.env.Store, a.org.Users["Ada"].ID)
		forklift := a.cert(testorg.Forklift)
		operations := a.org.Groups["Operations"].ID.String()
		admin := newPerson(t, a.env.Server.URL)
		admin.open("/certificates/" + forklift)
		admin.signIn(email, password)
		admin.do(chromedp.Click(chromedp.CSS("#groups summary")),
			chromedp.Click(chromedp.CSS(`input[name=group][value="`+operations+`"]`)),
			chromedp.SetValue(chromedp.ID("field_key"), "region"),
			chromedp.SendKeys(chromedp.ID("field_value"), "north"))
		admin.click(".stats-filters button[type=submit]")
		query := "field.region=North&group=" + operations
		admin.at("/certificates/" + forklift + "?" + query + "&user_status=active")
		admin.see("#fields", "region is North")
		admin.see("#learners-position", "3 learners") // Alice, Bruno, Leo
		admin.click(`table.learners th:nth-child(4) a`)
		admin.at("/certificates/" + forklift + "?" + query + "&sort=expires_at&user_status=active#learners-heading")
		admin.see("table.learners tbody tr:first-child", "Bruno Baker")
		admin.click(`table.learners th:nth-child(4) a`)
		admin.see(`table.learners th[aria-sort="descending"]`, "Expiration date")
		admin.see("table.learners tbody tr:first-child", "Leo Lane") // no certificate: last ascending, first descending
		admin.downloadIs(a.env.Admin, "/certificates/"+forklift+"/learners.csv?"+query+"&sort=-expires_at&user_status=active")
		admin.click(`table.learners tbody tr:nth-child(2) td:first-child a`)
		admin.see("h1", "Alice Archer: Forklift Licence")
	})
}

// TestBrowserInstructorScoresFromPagedQueue: an instructor opens the
// grading queue of 23 essays, goes to its second page, scores an essay
// there and is back on that page, one answer fewer.
func TestBrowserInstructorScoresFromPagedQueue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
		var u ids
		e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": "ivy@example.com", "name": "Ivy"}, &u)
		email, password := withPassword(t, e.Store, idOf(t, u.ID))
		var training tree
		e.Admin.Must(201, "POST", "/api/v1/trainings", map[string]any{"title": "Stacking", "instructor_ids": []string{u.ID}, "modules": []any{
			map[string]any{"title": "Essay", "activities": []any{map[string]any{"title": "Explain", "kind": "text", "points": 10, "manual_scoring": true}}},
		}}, &training)
		var s, enr ids
		e.Admin.Must(201, "POST", "/api/v1/trainings/"+training.ID+"/sessions", map[string]any{"name": "S", "starts_at": "2026-01-01T00:00:00Z"}, &s)
		for i := range 23 {
			e.Admin.Must(201, "POST", "/api/v1/users", map[string]any{"email": fmt.Sprintf("l%d@example.com", i), "name": fmt.Sprintf("Learner %02d", i)}, &u)
			learner := e.As(idOf(t, u.ID))
			e.Admin.Must(201, "POST", "/api/v1/sessions/"+s.ID+"/enrollments", map[string]any{"user_id": u.ID}, &enr)
			learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/start", nil, nil)
			learner.Must(200, "POST", "/api/v1/enrollments/"+enr.ID+"/activities/"+training.Modules[0].Activities[0].ID+"/answer", map[string]any{"response": fmt.Sprintf("Essay %02d", i)}, nil)
		}
		ivy := newPerson(t, e.Server.URL)
		ivy.open("/grading")
		ivy.signIn(email, password)
		ivy.see("#queue-position", "Answers 1–20 of 23")
		ivy.click(`nav.pager a[rel="next"]`)
		ivy.see("#queue-position", "Answers 21–23 of 23")
		second, err := chromedp.Run(ivy.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		ivy.do(chromedp.SendKeys(chromedp.CSS(`li.card input[name=score]`), "8"))
		ivy.click(`li.card button[type=submit]`)
		ivy.see(".notice", "The score is saved.")
		ivy.see("#queue-position", "Answers 21–22 of 22")
		if now, _ := chromedp.Run(ivy.ctx, chromedp.Location()); !strings.HasPrefix(now, strings.TrimSuffix(second, "#queue")) {
			t.Errorf("after the score at %s, want back at %s", now, second)
		}
	})
}
