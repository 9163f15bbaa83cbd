package server_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
)

// SPEC §3, "finding who needs action", through the API on the story's
// Forklift Licence at 2026-11-22: Bruno's expires on 30 November
// (expiring soon), Hugo's expired in 2025; Alice, Chloe and Eve hold valid
// ones; Gina and Leo have none (Dan, who has none either, is deleted).
// Filters and orders give the same rows in JSON, in CSV and paged, within
// the caller's scope.
func TestStatsAPIWhoNeedsAction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		forklift := "/api/v1/stats/certificates/" + a.cert(testorg.Forklift)
		for _, tt := range []struct {
			who, table, query string
			want              []string
		}{
			{testorg.Admin, "learners", "latest_status=expiring_soon,expired", []string{"Bruno", "Hugo"}},
			{testorg.Admin, "learners", "latest_status=expiring_soon&latest_status=expired&sort=expires_at", []string{"Hugo", "Bruno"}},
			{testorg.Admin, "learners", "expires_from=2026-11-22&expires_to=2026-12-22", []string{"Bruno"}},
			{testorg.Admin, "learners", "expires_from=2026-11-30&expires_to=2026-11-30", []string{"Bruno"}},
			{testorg.Admin, "learners", "expires_to=2026-11-29", []string{"Hugo"}},
			{testorg.Admin, "learners", "latest_status=not_obtained&sort=-name", []string{"Leo", "Gina"}},
			{testorg.Admin, "learners", "latest_status=not_obtained&user_status=all", []string{"Dan", "Gina", "Leo"}},
			{testorg.Admin, "learners", "sort=latest_status", []string{"Hugo", "Bruno", "Alice", "Chloe", "Eve", "Gina", "Leo"}},
			{testorg.Admin, "learners", "sort=-latest_status", []string{"Leo", "Gina", "Eve", "Chloe", "Alice", "Bruno", "Hugo"}},
			{testorg.Admin, "learners", "sort=-delivered_at", []string{"Leo", "Gina", "Eve", "Chloe", "Alice", "Bruno", "Hugo"}},
			{testorg.Admin, "learners", "sort=email&latest_status=valid", []string{"Alice", "Chloe", "Eve"}},
			{testorg.Admin, "certified", "sort=-expires_at", []string{"Eve", "Chloe", "Alice", "Bruno", "Hugo"}},
			{testorg.Admin, "certified", "latest_status=not_obtained", nil},
			{testorg.Admin, "learners", "latest_status=expired&group={Warehouse North}", nil},
			// Bea coaches Warehouse South: Chloe, Hugo and the deleted Dan
			{"Bea", "learners", "latest_status=expired,expiring_soon", []string{"Hugo"}},
			{"Bea", "learners", "sort=-expires_at", []string{"Chloe", "Hugo"}},
			// Ivan teaches a path granting the certificate: every learner
			{"Ivan", "learners", "latest_status=expiring_soon", []string{"Bruno"}},
		} {
			path := forklift + "/" + tt.table + "?" + a.query(tt.query)
			c := a.as(tt.who)
			var got []string
			for _, r := range getRows(t, c, path).Rows {
				got = append(got, strings.Fields(r["name"].(string))[0])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s, GET %s: %v, want %v", tt.who, path, got, tt.want)
			}
			var paged []string
			for after := ""; ; {
				page := getRows(t, c, path+"&limit=2&after="+url.QueryEscape(after))
				for _, r := range page.Rows {
					paged = append(paged, strings.Fields(r["name"].(string))[0])
				}
				if after = page.Next; after == "" {
					break
				}
			}
			var fromCSV []string
			for _, line := range readCSV(t, c.Get(strings.Replace(path, "?", ".csv?", 1)).Body)[1:] {
				fromCSV = append(fromCSV, strings.Fields(line[0])[0])
			}
			if !slices.Equal(paged, tt.want) || !slices.Equal(fromCSV, tt.want) {
				t.Errorf("%s, GET %s: paged by 2 %v, CSV %v, want %v", tt.who, path, paged, fromCSV, tt.want)
			}
		}

		// the list counts them among the certified learners, in the caller's scope
		for _, tt := range []struct {
			who               string
			expiring, expired float64
		}{{testorg.Admin, 1, 1}, {"Bea", 0, 1}, {"Ivan", 1, 1}} {
			for _, r := range getRows(t, a.as(tt.who), "/api/v1/stats/certificates").Rows {
				if r["title"] == testorg.Forklift && (r["expiring_soon_learners"] != tt.expiring || r["expired_learners"] != tt.expired) {
					t.Errorf("%s: Forklift row %v, want %v expiring soon and %v expired", tt.who, r, tt.expiring, tt.expired)
				}
			}
		}

		// the list sorts by any of its columns, ties by title; CSV alike
		for _, tt := range []struct{ query, first, last string }{
			{"", "=SUM(A1:A9) First Aid", "Sales Ethics"},
			{"sort=-title", "Sales Ethics", "=SUM(A1:A9) First Aid"},
			{"sort=-expiring_soon_learners", testorg.Forklift, "=SUM(A1:A9) First Aid"}, // ties reversed too
			{"sort=-certified_learners", testorg.Forklift, "Hazmat Awareness"},
			{"sort=validity_months", "Forklift Licence", "=SUM(A1:A9) First Aid"},
		} {
			rows := getRows(t, a.env.Admin, "/api/v1/stats/certificates?"+tt.query).Rows
			csvRows := readCSV(t, a.env.Admin.Get("/api/v1/stats/certificates.csv?"+tt.query).Body)
			if rows[0]["title"] != tt.first || rows[len(rows)-1]["title"] != tt.last || len(csvRows) != len(rows)+1 ||
				strings.TrimPrefix(csvRows[1][0], "'") != tt.first {
				t.Errorf("list ?%s: first %v, last %v; want %s … %s", tt.query, rows[0]["title"], rows[len(rows)-1]["title"], tt.first, tt.last)
			}
		}
		if r := a.env.Admin.Get("/api/v1/stats/certificates?sort=grade"); r.Status != 400 || r.Err().Field != "sort" {
			t.Errorf("list ?sort=grade: %d %s, want 400 naming sort", r.Status, r.Body)
		}

		// a cursor follows its order only
		page := getRows(t, a.env.Admin, forklift+"/learners?sort=expires_at&limit=2")
		for _, sort := range []string{"", "sort=-expires_at&", "sort=email&"} {
			r := a.env.Admin.Get(forklift + "/learners?" + sort + "limit=2&after=" + url.QueryEscape(page.Next))
			if r.Status != 400 || r.Err().Field != "after" {
				t.Errorf("a cursor of sort=expires_at with %q: %d %s, want 400 naming after", sort, r.Status, r.Body)
			}
		}
	})
}
