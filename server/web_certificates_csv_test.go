package server_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
)

// Every page's "Download list as .csv" gives exactly the API's CSV of the
// same query — same bytes after a UTF-8 byte-order mark for Excel, same
// file name — for every role and filter.
func TestWebCertificatesDownloads(t *testing.T) {
	filters := []string{"", "user_status=all", "group={Operations}&user_status=all", "field.region=North&field.region=EMEA",
		"registered_from=2025-01-01&registered_to=2026-12-31"}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		forklift := "/certificates/" + a.cert(testorg.Forklift)
		chloe := forklift + "/learners/" + a.org.Users["Chloe"].ID.String()
		for _, role := range []string{testorg.Admin, "Olga", "Bea"} {
			web, api := a.web(t, role), a.as(role)
			for _, q := range filters {
				values, _ := url.ParseQuery(a.query(q))
				downloads := map[string]string{"/certificates": "/certificates.csv", forklift: forklift + "/learners.csv",
					forklift + "/certified": forklift + "/certified.csv", forklift + "/paths": forklift + "/paths.csv", chloe: chloe + "/history.csv"}
				for page, csv := range downloads {
					p := web.get(link(page, values))
					if p.Status != 200 {
						t.Fatalf("%s, GET %s?%s: %d", role, page, q, p.Status)
					}
					m := downloadLink.FindStringSubmatch(p.Body)
					if m == nil {
						t.Fatalf("%s, %s?%s: no download link", role, page, q)
					}
					href := html.UnescapeString(m[1])
					path, query, _ := strings.Cut(href, "?")
					if path != csv {
						t.Fatalf("%s: the download is %s, want %s", page, href, csv)
					}
					if wantQuery := values.Encode(); page != forklift+"/paths" && query != wantQuery {
						t.Errorf("%s?%s: the download's query is %q, want the page's filters %q", page, q, query, wantQuery)
					}
					got := web.get(href)
					want := api.Get("/api/v1/stats" + href)
					if got.Status != 200 || want.Status != 200 || got.Body != "\ufeff"+string(want.Body) {
						t.Errorf("%s, %s: the page's download (%d) differs from the API's (%d):\n%s\nwant\n%s", role, href, got.Status, want.Status, got.Body, want.Body)
					}
					for _, h := range []string{"Content-Type", "Content-Disposition"} {
						if got.Header.Get(h) != want.Header.Get(h) {
							t.Errorf("%s: %s %q, the API's %q", href, h, got.Header.Get(h), want.Header.Get(h))
						}
					}
				}
			}
		}
	})
}
