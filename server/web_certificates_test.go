package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
)

// web is a web client signed in as a role of the story (Admin: Ada, a
// platform admin), through a session made in the store: the story's
// people have no passwords.
func (a *statsAPI) web(t *testing.T, role string) *webClient {
	t.Helper()
	first := role
	if role == testorg.Admin {
		first = "Ada"
	}
	token, _, err := a.env.Store.CreateWebSession(context.Background(), a.org.Users[first].ID)
	if err != nil {
		t.Fatal(err)
	}
	c := newWebClient(t, a.env.Server.URL)
	base, _ := url.Parse(a.env.Server.URL)
	c.http.Jar.SetCookies(base, []*http.Cookie{{Name: "skillpath_session", Value: token, Path: "/"}})
	return c
}

var (
	listRow      = regexp.MustCompile(`(?s)<tr id="certificate-(\d+)">.*?<a href="[^"]*">([^<]*)</a>.*?class="certified">(\d+)<.*?class="num enrolled">(\d+)<.*?class="paths">(\d+)<`)
	learnerRow   = regexp.MustCompile(`(?s)<tr>\s*<td><a href="([^"]*)">([^<]*)<span class="visually-hidden">: history</span></a><br><span class="muted small">([^<]*)</span></td>\s*<td><span class="badge[^"]*">([^<]*)</span></td>\s*<td>([^<]*)<`)
	monthRow     = regexp.MustCompile(`<tr(?: class="current")?><th scope="row">([^<(]*?)(?: \(this month\))?</th><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>`)
	downloadLink = regexp.MustCompile(`<a class="button secondary" href="([^"]*)" download>Download list as .csv</a>`)
)

// The pages follow the API's scope: a learner is refused (403), a
// certificate outside the caller's scope is not found (404), a learner
// outside it too; an anonymous visitor is sent to sign in.
func TestWebCertificatesScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		forklift, legacy := "/certificates/"+a.cert(testorg.Forklift), "/certificates/"+a.cert(testorg.Legacy)
		alice, eve := a.org.Users["Alice"].ID.String(), a.org.Users["Eve"].ID.String()
		clients := map[string]*webClient{}
		for _, role := range []string{testorg.Admin, "Leo", "Carl", "Ivan", "Olga"} {
			clients[role] = a.web(t, role)
		}
		for _, tc := range []struct {
			role, path string
			status     int
		}{
			{"Leo", "/certificates", 403},
			{"Leo", forklift, 403},
			{"Leo", forklift + "/certified", 403},
			{"Leo", forklift + "/paths", 403},
			{"Leo", forklift + "/learners/" + alice, 403},
			{"Leo", "/certificates.csv", 403},
			{"Leo", forklift + "/learners.csv", 403},
			{"Carl", legacy, 404},
			{"Carl", legacy + "/certified", 404},
			{"Carl", legacy + "/paths", 404},
			{"Carl", legacy + "/learners.csv", 404},
			{"Carl", forklift + "/learners/" + alice, 404}, // Alice is not in his groups
			{"Carl", forklift + "/learners/" + alice + "/history.csv", 404},
			{"Carl", forklift + "/learners/" + eve, 200},
			{"Carl", forklift, 200},
			{"Ivan", "/certificates/" + a.cert(testorg.Ethics), 404},
			{"Ivan", forklift + "/learners/" + alice, 200},
			{"Olga", "/certificates/" + a.cert(testorg.Hazmat) + "/paths", 200},
			{testorg.Admin, "/certificates/999999", 404},
			{testorg.Admin, "/certificates/abc", 404},
			{testorg.Admin, forklift + "/learners/999999", 404},
			{testorg.Admin, forklift + "/learners/" + a.org.Users["Finn"].ID.String(), 404}, // his only link was deleted
			{testorg.Admin, legacy, 200},
			{testorg.Admin, legacy + "/paths", 200},
		} {
			if p := clients[tc.role].get(tc.path); p.Status != tc.status {
				t.Errorf("%s, GET %s: %d, want %d: %.300s", tc.role, tc.path, p.Status, tc.status, p.Body)
			} else if tc.status != 200 && !strings.Contains(p.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s, GET %s: a %d as %s, want a page", tc.role, tc.path, p.Status, p.Header.Get("Content-Type"))
			}
		}
		anonymous := newWebClient(t, a.env.Server.URL)
		if p := anonymous.get(forklift + "?user_status=all"); p.Status != 303 || p.Header.Get("Location") != "/login?next="+url.QueryEscape(forklift+"?user_status=all") {
			t.Errorf("anonymous: %d to %s", p.Status, p.Header.Get("Location"))
		}
		for _, role := range []string{testorg.Admin, "Carl", "Ivan"} {
			if nav := clients[role].get("/trainings").Body; !strings.Contains(nav, `<a href="/certificates">Certificates</a>`) {
				t.Errorf("%s's menu has no Certificates", role)
			}
		}
		if nav := clients["Leo"].get("/learn").Body; strings.Contains(nav, `href="/certificates"`) {
			t.Error("a learner's menu shows Certificates")
		}
	})
}

// The list shows what SPEC §3 says to every role under every filter: the
// rows, their numbers, and links that keep the filters.
func TestWebCertificateList(t *testing.T) {
	filters := []string{"", "user_status=all", "user_status=deleted", "group={Operations}", "field.region=North&field.region=EMEA",
		"registered_from=2026-11-22", "group={Warehouse South}&user_status=all"}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		for _, role := range []string{testorg.Admin, "Olga", "Carl", "Ivan", "Aria", "Bea", "Nora"} {
			c := a.web(t, role)
			for _, q := range filters {
				query := a.query(q)
				values, _ := url.ParseQuery(query)
				f, err := report.ParseFilter(values, testorg.Zone)
				if err != nil {
					t.Fatal(err)
				}
				p := c.get(link("/certificates", values))
				if p.Status != 200 {
					t.Fatalf("%s, /certificates?%s: %d", role, q, p.Status)
				}
				var got, want []string
				for _, m := range listRow.FindAllStringSubmatch(p.Body, -1) {
					got = append(got, fmt.Sprint(html.UnescapeString(m[2]), " ", m[3], " ", m[4], " ", m[5]))
				}
				for _, w := range a.org.Want(role, f) {
					want = append(want, fmt.Sprint(w.Title, " ", len(w.Certified), " ", len(w.Enrolled), " ", pathsOf(w.Title)))
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s, /certificates?%s:\n got %q\nwant %q", role, q, got, want)
				}
				if q != "" && !strings.Contains(p.Body, `href="/certificates/`+a.cert(testorg.Forklift)+`?`+html.EscapeString(values.Encode())+`"`) && len(want) > 1 {
					t.Errorf("%s, /certificates?%s: the certificates' links lose the filters", role, q)
				}
			}
		}
	})
}

// pathsOf counts the paths granting the certificate.
func pathsOf(title string) int {
	n := 0
	for _, certificates := range testorg.PathCertificates {
		if slices.Contains(certificates, title) {
			n++
		}
	}
	return n
}

var (
	tablePattern = regexp.MustCompile(`(?s)<table class="([^"]*)">.*?<tbody>(.*?)</tbody>`)
	rowPattern   = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellPattern  = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	ariaHidden   = regexp.MustCompile(`(?s)<span aria-hidden="true">.*?</span>`)
	tagPattern   = regexp.MustCompile(`<[^>]+>`)
)

// tableCells reads the body rows of the table of the class, each cell as a
// screen reader says it: without tags, nor what is hidden from it.
func tableCells(body, class string) [][]string {
	var rows [][]string
	for _, t := range tablePattern.FindAllStringSubmatch(body, -1) {
		if t[1] != class {
			continue
		}
		for _, r := range rowPattern.FindAllStringSubmatch(t[2], -1) {
			var cells []string
			for _, c := range cellPattern.FindAllStringSubmatch(r[1], -1) {
				text := tagPattern.ReplaceAllString(ariaHidden.ReplaceAllString(c[1], ""), " ")
				cells = append(cells, strings.Join(strings.Fields(html.UnescapeString(text)), " "))
			}
			rows = append(rows, cells)
		}
	}
	return rows
}

// link is a path with an encoded query.
func link(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Bad filters are told on the page, beside the panel, with status 400 —
// never a 500 — and the page still works.
func TestWebCertificatesBadFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		admin := a.web(t, testorg.Admin)
		forklift := "/certificates/" + a.cert(testorg.Forklift)
		pages := []string{"/certificates", forklift, forklift + "/certified", forklift + "/learners/" + a.org.Users["Alice"].ID.String()}
		for _, tc := range []struct {
			query, message, field string
		}{
			{"registered_from=2026-13-01", `“Registered from”: &#34;2026-13-01&#34; is not a date such as 2026-01-31.`, "registered_from"},
			{"registered_to=yesterday", `“Registered to”: &#34;yesterday&#34; is not a date`, "registered_to"},
			{"registered_from=2026-02-01&registered_to=2026-01-31", "“Registered to” is before “Registered from”.", "registered_to"},
			{"group=999999", "Group 999999 does not exist.", "groups"},
			{"group=abc", "The groups: &#34;abc&#34; is not a group id.", "groups"},
			{"field.re%20gion=North", "The custom field re gion: custom field keys are", "fields"},
			{"user_status=gone", "The user status must be active, deleted or all.", "user_status"},
			{"field_key=&field_value=North", "The custom field: choose the custom field that should be &#34;North&#34;.", "field_key"},
		} {
			for _, path := range pages {
				p := admin.get(path + "?" + tc.query)
				if p.Status != 400 || !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, tc.message) ||
					!strings.Contains(p.Body, `href="#`+tc.field+`"`) || !strings.Contains(p.Body, `id="`+tc.field+`"`) {
					t.Errorf("GET %s?%s: %d, want 400 saying %q linked to #%s:\n%.2000s", path, tc.query, p.Status, tc.message, tc.field, p.Body)
				}
				if strings.Contains(p.Body, "Download list as .csv") || strings.Contains(p.Body, "<tbody>") {
					t.Errorf("GET %s?%s: statistics shown under a refused filter", path, tc.query)
				}
			}
		}
		if p := admin.get(forklift + "?user_status=all&after=not-a-cursor"); p.Status != 400 || !strings.Contains(p.Body, "start again from the first page") ||
			!strings.Contains(p.Body, `<a href="`+forklift+`?user_status=all#learners-heading">Go to the first page</a>`) {
			t.Errorf("a bad cursor: %d %.500s", p.Status, p.Body)
		}
	})
}

// The form's custom field (a field and a value) becomes field.KEY=VALUE in
// the URL, the API's name, and the form's empty fields leave it.
func TestWebCertificatesFilterURL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		admin := a.web(t, testorg.Admin)
		for _, tc := range []struct{ from, to string }{
			{"/certificates?registered_from=&registered_to=&user_status=all&field_key=region&field_value=+North+",
				"/certificates?field.region=North&user_status=all"},
			{"/certificates?field.region=North&field_key=region&field_value=South&group=3&group=5",
				"/certificates?field.region=North&field.region=South&group=3&group=5"},
			{"/certificates?field.region=North&field_key=region&field_value=North", "/certificates?field.region=North"},
			{"/certificates/1?field_key=job&field_value=", "/certificates/1"},
			{"/certificates/1/learners/2?user_status=deleted&field_key=&field_value=", "/certificates/1/learners/2?user_status=deleted"},
		} {
			if p := admin.get(tc.from); p.Status != 303 || p.Header.Get("Location") != tc.to {
				t.Errorf("GET %s: %d to %s, want 303 to %s", tc.from, p.Status, p.Header.Get("Location"), tc.to)
			}
		}
		p := admin.get("/certificates?field.region=North&field.region=EMEA&group=" + a.org.Groups["Sales"].ID.String())
		for _, want := range []string{
			`name="field.region" value="North" checked`, `name="field.region" value="EMEA" checked`,
			`name="group" value="` + a.org.Groups["Sales"].ID.String() + `" checked>Sales</label>`,
			`<summary>Groups: Sales</summary>`, `<option value="job">job</option>`,
		} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the panel does not keep the filters: no %s", want)
			}
		}
		// open=ID is the panel's, not a filter: a bad one is ignored, a good one kept by the form.
		sales := a.org.Groups["Sales"].ID.String()
		if p := admin.get("/certificates?open=abc&open=" + sales); p.Status != 200 || !strings.Contains(p.Body, `<input type="hidden" name="open" value="`+sales+`">`) ||
			strings.Contains(p.Body, `value="abc"`) || !strings.Contains(p.Body, `<details class="group-picker" id="groups" open>`) {
			t.Errorf("GET /certificates?open=abc&open=%s: %d, the form does not keep the opened group alone", sales, p.Status)
		}
	})
}

// A certificate's page: its row of the list, its chart's numbers month by
// month, its learners in order with links to their history that keep the
// filters; the learner's history with SPEC's labels.
func TestWebCertificatePage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		for _, tc := range []struct{ role, query string }{
			{testorg.Admin, ""}, {testorg.Admin, "user_status=all"}, {"Olga", ""}, {"Carl", "user_status=all"}, {testorg.Admin, "group={Warehouse South}"},
		} {
			c := a.web(t, tc.role)
			values, _ := url.ParseQuery(a.query(tc.query))
			f, _ := report.ParseFilter(values, testorg.Zone)
			for _, title := range []string{testorg.Forklift, testorg.Ethics} {
				if !a.org.Visible(tc.role, title) {
					continue
				}
				p := c.get(link("/certificates/"+a.cert(title), values))
				if p.Status != 200 {
					t.Fatalf("%s, %s?%s: %d", tc.role, title, tc.query, p.Status)
				}
				want := report.NewTimeline(testorg.Now, testorg.Zone, 12, 12)
				a.org.WantTimeline(tc.role, title, f, want)
				var got, wantMonths []string
				for _, m := range monthRow.FindAllStringSubmatch(p.Body, -1) {
					got = append(got, m[1]+" "+m[2]+" "+m[3])
				}
				for _, m := range want.Months {
					wantMonths = append(wantMonths, fmt.Sprintf("%s %d %d", m.Start.Format("January 2006"), m.Delivered, m.Expiring))
				}
				if !slices.Equal(got, wantMonths) {
					t.Errorf("%s, chart of %s?%s:\n got %q\nwant %q", tc.role, title, tc.query, got, wantMonths)
				}
				var learners, wantLearners []string
				for _, m := range learnerRow.FindAllStringSubmatch(p.Body, -1) {
					learners = append(learners, html.UnescapeString(m[2]))
					if !strings.HasSuffix(html.UnescapeString(m[1]), link("", values)) {
						t.Errorf("%s: the link to %s's history loses the filters: %s", title, m[2], m[1])
					}
				}
				for _, r := range a.org.Want(tc.role, f) {
					if r.Title == title {
						for _, first := range r.Learners {
							wantLearners = append(wantLearners, testorg.Learners[first].Name)
						}
					}
				}
				if !slices.Equal(learners, wantLearners) {
					t.Errorf("%s, learners of %s?%s: %q, want %q", tc.role, title, tc.query, learners, wantLearners)
				}
				if !strings.Contains(p.Body, `<svg class="chart-svg"`) || !strings.Contains(p.Body, `<title id="chart-title">`) {
					t.Errorf("%s: no accessible chart", title)
				}
			}
		}

		admin := a.web(t, testorg.Admin)
		alice := admin.get("/certificates/" + a.cert(testorg.Forklift) + "/learners/" + a.org.Users["Alice"].ID.String())
		want := [][]string{
			{"Expired", "2024-02-10", "2025-02-10", "Forklift Operator", "Forklift 2024", "Expired", "No", "PDF : the certificate delivered on 2024-02-10"},
			{"Valid", "2026-02-16", "2027-02-16", "Forklift Operator", "Forklift 2026", "Passed", "No", "PDF : the certificate delivered on 2026-02-16"},
			{"Not obtained", "none", "none", "Forklift Refresher", "Refresher 2026", "In progress", "No", ""},
		}
		if got := tableCells(alice.Body, "history"); fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(alice.Body, "<h1>Alice Archer: Forklift Licence</h1>") {
			t.Errorf("Alice's Forklift history:\n%q\nwant\n%q", got, want)
		}
		chloe := admin.get("/certificates/" + a.cert(testorg.Forklift) + "/learners/" + a.org.Users["Chloe"].ID.String())
		if got := tableCells(chloe.Body, "history"); len(got) != 2 || got[0][6] != "No" || got[1][6] != "Yes" || got[1][0] != "Valid" {
			t.Errorf("Chloe's history, an automatic re-enrollment last: %q", got)
		}
	})
}

// The learners table pages with the API's cursor.
func TestWebCertificateLearnersPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		forklift := "/certificates/" + a.cert(testorg.Forklift)
		page := getRows(t, a.env.Admin, "/api/v1/stats"+forklift+"/learners?user_status=all&limit=3")
		p := a.web(t, testorg.Admin).get(forklift + "?user_status=all&after=" + url.QueryEscape(page.Next))
		var names []string
		for _, m := range learnerRow.FindAllStringSubmatch(p.Body, -1) {
			names = append(names, html.UnescapeString(m[2]))
		}
		if len(names) != 5 || names[0] != "Dan Dale" || !strings.Contains(p.Body, "« First page") || strings.Contains(p.Body, "Next page") {
			t.Errorf("the page after the third learner: %q", names)
		}
	})
}
