package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/internal/testorg"
	"skillpath/report"
)

var update = flag.Bool("update", false, "rewrite the golden CSV files in testdata/")

// statsAPI is the story's organisation behind the real server.
type statsAPI struct {
	env *apitest.Env
	org *testorg.Org
}

func newStatsAPI(t *testing.T, dialect string) *statsAPI {
	env := apitest.Start(t, dialect, testorg.Now)
	return &statsAPI{env: env, org: testorg.Build(t, env.Store)}
}

// as is a client for a role of the story: Admin or a first name.
func (a *statsAPI) as(role string) *apitest.Client {
	if role == testorg.Admin {
		return a.env.Admin
	}
	return a.env.As(a.org.Users[role].ID)
}

func (a *statsAPI) cert(title string) string { return a.org.Certificates[title].ID.String() }

// query replaces {Group} by the group's id.
func (a *statsAPI) query(q string) string {
	for name, g := range a.org.Groups {
		q = strings.ReplaceAll(q, "{"+name+"}", g.ID.String())
	}
	return q
}

type rowsJSON struct {
	Rows []map[string]any `json:"rows"`
	Next string           `json:"next"`
}

func getRows(t *testing.T, c *apitest.Client, path string) rowsJSON {
	t.Helper()
	var out rowsJSON
	r := c.Get(path)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || out.Rows == nil {
		t.Fatalf("GET %s: %s is not {rows: [...]} (%v)", path, r.Body, err)
	}
	return out
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}

// The JSON rows have SPEC §5's keys; ids are strings, times RFC 3339 UTC.
func TestStatsJSON(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		list := getRows(t, a.env.Admin, "/api/v1/stats/certificates")
		first := list.Rows[0]
		if got := keys(first); !slices.Equal(got, []string{"associated_paths", "certified_learners", "enrolled_learners",
			"expired_learners", "expiring_soon_learners", "id", "owner_group", "title", "validity_months"}) {
			t.Errorf("list row keys %v", got)
		}
		if first["title"] != testorg.FirstAid || first["id"] != a.cert(testorg.FirstAid) || first["validity_months"] != nil ||
			first["certified_learners"] != 2.0 || first["enrolled_learners"] != 3.0 || first["associated_paths"] != 1.0 || first["owner_group"] != "Acme" {
			t.Errorf("first row %v", first)
		}

		learners := getRows(t, a.env.Admin, "/api/v1/stats/certificates/"+a.cert(testorg.Forklift)+"/learners")
		alice := learners.Rows[0]
		if got := keys(alice); !slices.Equal(got, []string{"delivered_at", "email", "expires_at", "latest_status", "name", "user_id"}) {
			t.Errorf("learner row keys %v", got)
		}
		want := map[string]any{"user_id": a.org.Users["Alice"].ID.String(), "name": "Alice Archer", "email": "alice@acme.test",
			"latest_status": "valid", "delivered_at": "2026-02-15T23:30:00Z", "expires_at": "2027-02-15T23:30:00Z"}
		if fmt.Sprint(alice) != fmt.Sprint(want) {
			t.Errorf("Alice: %v, want %v", alice, want)
		}
		if learners.Next != "" {
			t.Errorf("one page of %d rows has a next: %q", len(learners.Rows), learners.Next)
		}

		history := getRows(t, a.env.Admin, "/api/v1/stats/certificates/"+a.cert(testorg.Forklift)+"/learners/"+a.org.Users["Chloe"].ID.String()+"/history")
		if len(history.Rows) != 2 {
			t.Fatalf("Chloe's history: %v", history.Rows)
		}
		auto := history.Rows[1]
		for _, k := range []string{"certification_status", "delivered_at", "expires_at", "path_name", "session_name", "path_status", "auto_reenrolled"} {
			if _, ok := auto[k]; !ok {
				t.Errorf("history row without %s: %v", k, auto)
			}
		}
		if auto["certification_status"] != "valid" || auto["path_status"] != "passed" || auto["auto_reenrolled"] != true ||
			auto["path_name"] != "Forklift Operator" || auto["session_name"] != "Forklift Rolling" || auto["delivered_at"] != "2026-03-01T09:00:00Z" {
			t.Errorf("Chloe's automatic re-enrollment: %v", auto)
		}
		if h := history.Rows[0]; h["path_status"] != "expired" || h["certification_status"] != "expired" || h["auto_reenrolled"] != false {
			t.Errorf("Chloe's first enrollment: %v", h)
		}

		certified := getRows(t, a.env.Admin, "/api/v1/stats/certificates/"+a.cert(testorg.Forklift)+"/certified")
		paths := getRows(t, a.env.Admin, "/api/v1/stats/certificates/"+a.cert(testorg.Forklift)+"/paths")
		if len(certified.Rows) != 5 || len(paths.Rows) != 2 || paths.Rows[0]["path_name"] != "Forklift Operator" ||
			paths.Rows[0]["id"] != a.org.Trainings["Forklift Operator"].ID.String() {
			t.Errorf("drill-downs: certified %v, paths %v", certified.Rows, paths.Rows)
		}
	})
}

// Each role sees what SPEC §3 says, through the API, JSON and CSV alike.
func TestStatsAPIRoles(t *testing.T) {
	filters := []string{"", "user_status=all", "user_status=deleted", "group={Operations}", "field.region=North&field.region=EMEA",
		"registered_from=2026-11-22", "group={Warehouse South}&user_status=all"}
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		for _, role := range []string{testorg.Admin, "Olga", "Carl", "Ivan", "Aria", "Bea", "Nora"} {
			c := a.as(role)
			for _, q := range filters {
				query := a.query(q)
				values, _ := url.ParseQuery(query)
				f, err := report.ParseFilter(values, testorg.Zone)
				if err != nil {
					t.Fatal(err)
				}
				want := a.org.Want(role, f)
				rows := getRows(t, c, "/api/v1/stats/certificates?"+query).Rows
				table := readCSV(t, c.Get("/api/v1/stats/certificates.csv?"+query).Body)
				if len(rows) != len(want) || len(table) != len(want)+1 {
					t.Errorf("%s?%s: %d JSON rows, %d CSV lines; want %d rows", role, q, len(rows), len(table), len(want))
					continue
				}
				for i, w := range want {
					line := fmt.Sprint(len(w.Certified), len(w.Enrolled))
					got := fmt.Sprint(rows[i]["certified_learners"], rows[i]["enrolled_learners"])
					csvGot := table[i+1][3] + " " + table[i+1][4]
					if rows[i]["title"] != w.Title || got != line || report.Neutralise(w.Title) != table[i+1][0] || csvGot != line {
						t.Errorf("%s?%s row %d: JSON %v %s, CSV %v; want %s %s", role, q, i, rows[i]["title"], got, table[i+1], w.Title, line)
					}
				}
			}
			for _, title := range testorg.Titles {
				path := "/api/v1/stats/certificates/" + a.cert(title) + "/learners?user_status=all"
				if status, want := c.Get(path).Status, map[bool]int{true: 200, false: 404}[a.org.Visible(role, title)]; status != want {
					t.Errorf("%s, learners of %s: %d, want %d", role, title, status, want)
				}
			}
		}
	})
}

// Who may not see the statistics, and what is not found.
func TestStatsAPIRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		forklift := "/api/v1/stats/certificates/" + a.cert(testorg.Forklift)
		alice := a.org.Users["Alice"].ID.String()
		leo := a.as("Leo")
		for _, path := range []string{"/api/v1/stats/certificates", "/api/v1/stats/certificates.csv", forklift + "/learners",
			forklift + "/learners.csv", forklift + "/certified", forklift + "/paths.csv", forklift + "/learners/" + alice + "/history"} {
			if r := leo.Get(path); r.Status != 403 || r.Err().Code != "forbidden" {
				t.Errorf("a learner, GET %s: %d %s", path, r.Status, r.Body)
			}
			if r := a.env.Anonymous().Get(path); r.Status != 401 {
				t.Errorf("anonymous, GET %s: %d", path, r.Status)
			}
		}
		for _, tt := range []struct {
			who, path string
		}{
			{testorg.Admin, "/api/v1/stats/certificates/999999/learners"},
			{testorg.Admin, "/api/v1/stats/certificates/abc/learners.csv"},
			{testorg.Admin, "/api/v1/stats/certificates/999999/paths"},
			{"Carl", "/api/v1/stats/certificates/" + a.cert(testorg.Legacy) + "/learners.csv"},
			{"Ivan", "/api/v1/stats/certificates/" + a.cert(testorg.Ethics) + "/certified"},
			{"Carl", forklift + "/learners/" + alice + "/history.csv"},
			{testorg.Admin, forklift + "/learners/999999/history"},
			{testorg.Admin, forklift + "/learners/" + a.org.Users["Finn"].ID.String() + "/history"},
		} {
			if r := a.as(tt.who).Get(tt.path); r.Status != 404 || r.Err().Code != "not_found" || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("%s, GET %s: %d %s %s, want a JSON 404", tt.who, tt.path, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
		}
	})
}

// Bad filter values answer 400 naming the parameter, in JSON and CSV.
func TestStatsAPIBadFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		learners := "/api/v1/stats/certificates/" + a.cert(testorg.Forklift) + "/learners"
		for _, tt := range []struct{ path, field string }{
			{"/api/v1/stats/certificates?registered_from=2026-13-01", "registered_from"},
			{"/api/v1/stats/certificates.csv?registered_to=yesterday", "registered_to"},
			{"/api/v1/stats/certificates?registered_from=2026-02-01&registered_to=2026-01-31", "registered_to"},
			{"/api/v1/stats/certificates?group=abc", "group"},
			{"/api/v1/stats/certificates?group=999999", "group"},
			{learners + ".csv?group=-1", "group"},
			{"/api/v1/stats/certificates?field.re%20gion=North", "field.re gion"},
			{"/api/v1/stats/certificates?user_status=gone", "user_status"},
			{learners + "?limit=0", "limit"},
			{learners + "?limit=1001", "limit"},
			{learners + "?limit=ten", "limit"},
			{learners + "?after=not-a-cursor", "after"},
			{learners + "?latest_status=expiring", "latest_status"},
			{learners + ".csv?latest_status=valid,Valid", "latest_status"},
			{learners + "?expires_from=2026-13-01", "expires_from"},
			{learners + ".csv?expires_from=2026-12-02&expires_to=2026-12-01", "expires_to"},
			{learners + "?sort=title", "sort"},
			{learners + ".csv?sort=name-", "sort"},
			{"/api/v1/stats/certificates/" + a.cert(testorg.Forklift) + "/certified?sort=-grade", "sort"},
			// tables that are not paged refuse what they would not honour
			{"/api/v1/stats/certificates?limit=5", "limit"},
			{"/api/v1/stats/certificates?limit=5&after=zzz", "limit"},
			{"/api/v1/stats/certificates.csv?after=zzz", "after"},
			{"/api/v1/stats/certificates/" + a.cert(testorg.Forklift) + "/paths?limit=1", "limit"},
			{learners + "/" + a.org.Users["Alice"].ID.String() + "/history?after=x", "after"},
		} {
			r := a.env.Admin.Get(tt.path)
			if r.Status != 400 || r.Err().Field != tt.field {
				t.Errorf("GET %s: %d %s, want 400 naming %s", tt.path, r.Status, r.Body, tt.field)
			}
		}
	})
}

// The learners table pages with limit and the cursor after; its CSV holds
// every row whatever limit says.
func TestStatsAPIPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		path := "/api/v1/stats/certificates/" + a.cert(testorg.Forklift) + "/learners?user_status=all&limit=3"
		var names []string
		for after, pages := "", 0; ; pages++ {
			page := getRows(t, a.env.Admin, path+"&after="+url.QueryEscape(after))
			for _, r := range page.Rows {
				names = append(names, r["name"].(string))
			}
			if page.Next == "" {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
			after = page.Next
		}
		table := readCSV(t, a.env.Admin.Get(strings.Replace(path, "/learners?", "/learners.csv?", 1)).Body)
		var csvNames []string
		for _, line := range table[1:] {
			csvNames = append(csvNames, line[0])
		}
		if len(names) != 8 || !slices.Equal(names, csvNames) {
			t.Errorf("pages %v, CSV %v: want the 8 learners in both", names, csvNames)
		}
	})
}

// The three CSVs, byte for byte (go test ./server -run TestStatsCSVGolden
// -update rewrites them): header, SPEC's column order, labels, dates in
// the platform's zone, RFC 4180 quoting, a neutralised formula title.
func TestStatsCSVGolden(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		a := newStatsAPI(t, dialect)
		forklift := "/api/v1/stats/certificates/" + a.cert(testorg.Forklift)
		for _, tt := range []struct {
			golden, path, accept, filename string
		}{
			{"certificates.csv", "/api/v1/stats/certificates.csv?user_status=all", "", `"path-certificates-2026-11-22.csv"`},
			{"certificates.csv", "/api/v1/stats/certificates?user_status=all", "text/csv", `"path-certificates-2026-11-22.csv"`},
			{"learners.csv", forklift + "/learners.csv?user_status=all", "", `"` + testorg.Forklift + ` - learners - 2026-11-22.csv"`},
			{"history.csv", forklift + "/learners/" + a.org.Users["Alice"].ID.String() + "/history.csv", "", ""},
			{"history-reenrolled.csv", forklift + "/learners/" + a.org.Users["Chloe"].ID.String() + "/history", "application/json;q=0.5, text/csv", ""},
			{"certified.csv", forklift + "/certified.csv", "", ""},
			{"paths.csv", forklift + "/paths.csv", "", ""},
		} {
			r := a.env.Admin.Get(tt.path, "Accept", tt.accept)
			if r.Status != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("GET %s: %d %s %s", tt.path, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			disposition := r.Header.Get("Content-Disposition")
			if !strings.HasPrefix(disposition, "attachment; filename=") || (tt.filename != "" && disposition != "attachment; filename="+tt.filename) {
				t.Errorf("GET %s: Content-Disposition %q, want an attachment named %s", tt.path, disposition, tt.filename)
			}
			golden := filepath.Join("testdata", tt.golden)
			if *update && dialect == "sqlite" {
				if err := os.WriteFile(golden, r.Body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.Body, want) {
				t.Errorf("GET %s differs from %s:\n%s\nwant:\n%s", tt.path, golden, r.Body, want)
			}
		}
	})
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	lines, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV %s: %v", body, err)
	}
	return lines
}
