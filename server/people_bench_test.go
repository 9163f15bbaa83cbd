package server_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/roster"
)

// peopleBenchUsers is the size of the organisation of BenchmarkPeoplePage.
const peopleBenchUsers = 100_000

// BenchmarkPeoplePage reads /people over HTTP with 100,000 users in 100
// subgroups of 10 groups, each with a custom field: as a platform admin
// (first page, a page deep in the list by the cursor, a search, a group,
// a field, sorted by registration), and as the admin of one group (10,000
// people in scope). The floor is GET /people/import, a page of the same
// machinery (session, roles, layout) that reads no list, measured in the
// same loop; x_floor is how many times longer /people takes.
//
//	go test -run '^$' -bench BenchmarkPeoplePage ./server
func BenchmarkPeoplePage(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := apitest.Start(b, dialect, importNow)
			ctx := b.Context()
			var tops []skillpath.ID
			for i := range 10 {
				top := &skillpath.Group{Name: fmt.Sprintf("Region %d", i)}
				if err := e.Store.CreateGroup(ctx, top); err != nil {
					b.Fatal(err)
				}
				tops = append(tops, top.ID)
				for j := range 10 {
					if err := e.Store.CreateGroup(ctx, &skillpath.Group{Name: fmt.Sprintf("Sub %d", i*10+j), ParentID: &top.ID}); err != nil {
						b.Fatal(err)
					}
				}
			}
			fillPeople(b, e.DBURL, peopleBenchUsers)
			olga := &skillpath.User{Email: "olga@bench.test", Name: "Olga"}
			if err := e.Store.CreateUser(ctx, olga, "olga-password"); err != nil {
				b.Fatal(err)
			}
			if err := e.Store.AddStaff(ctx, skillpath.Staff{GroupID: tops[3], UserID: olga.ID, Role: skillpath.RoleGroupAdmin}); err != nil {
				b.Fatal(err)
			}
			admin := newWebClient(b, e.Server.URL)
			admin.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
			groupAdmin := newWebClient(b, e.Server.URL)
			groupAdmin.mustSignIn(olga.Email, "olga-password")

			deep := "/people"
			for range 20 { // the 21st page, by following "Next page"
				p := admin.get(deep)
				m := nextLink.FindStringSubmatch(p.Body)
				if m == nil {
					b.Fatalf("no next page after %s", deep)
				}
				deep = strings.ReplaceAll(m[1], "&amp;", "&")
			}
			cases := []struct {
				name string
				c    *webClient
				path string
			}{
				{"admin_first", admin, "/people"},
				{"admin_page21", admin, deep},
				{"admin_search", admin, "/people?q=" + url.QueryEscape("learner 4242")},
				{"admin_group", admin, "/people?group=" + tops[5].String()},
				{"admin_field", admin, "/people?field.region=APAC&sort=-registered_at"},
				{"group_admin_first", groupAdmin, "/people"},
				{"group_admin_search", groupAdmin, "/people?q=learner"},
			}
			for _, tc := range cases {
				b.Run(tc.name, func(b *testing.B) {
					var page, floor time.Duration
					for b.Loop() {
						start := time.Now()
						if p := tc.c.get("/people/import"); p.Status != 200 && p.Status != 403 {
							b.Fatal(p.Status)
						}
						floor += time.Since(start)
						start = time.Now()
						p := tc.c.get(tc.path)
						page += time.Since(start)
						if p.Status != 200 || !strings.Contains(p.Body, `<table class="people">`) {
							b.Fatalf("GET %s: %d", tc.path, p.Status)
						}
					}
					b.ReportMetric(page.Seconds()*1000/float64(b.N), "ms/page")
					b.ReportMetric(floor.Seconds()*1000/float64(b.N), "floor_ms")
					b.ReportMetric(page.Seconds()/floor.Seconds(), "x_floor")
				})
			}
		})
	}
}

// fillPeople writes n learners straight into the database: names in a
// scattered order, registration dates over three years, each in one of
// the subgroups "Sub 0" to "Sub 99" and with a region field.
func fillPeople(b *testing.B, dbURL string, n int) {
	driver, dsn := "pgx", dbURL
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO users (email, email_key, name, registered_at, platform_admin, created_at)
		SELECT 'learner' || i || '@bench.test', 'learner' || i || '@bench.test', 'Learner ' || ((i * 7919) % $1), CAST($2 AS BIGINT) + (i % 1000) * CAST(86400000 AS BIGINT), FALSE, CAST($2 AS BIGINT) FROM n`,
		`INSERT INTO group_members (group_id, user_id) SELECT g.id, u.id FROM users u JOIN groups g ON g.name = 'Sub ' || (u.id % 100)
		WHERE u.email_key LIKE 'learner%'`,
		`INSERT INTO user_fields (user_id, key, value) SELECT id, 'region', CASE id % 4 WHEN 0 THEN 'EMEA' WHEN 1 THEN 'APAC' WHEN 2 THEN 'AMER' ELSE 'LATAM' END
		FROM users WHERE email_key LIKE 'learner%'`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{n, start}
		}
		if _, err := db.Exec(q, args...); err != nil {
			b.Fatal(err)
		}
	}
	analyze := `ANALYZE`
	if driver == "pgx" {
		analyze = `VACUUM ANALYZE`
	}
	if _, err := db.Exec(analyze); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImportUsers imports a 50,000-line file through POST
// /api/v1/users/import: a dry run (the preview) and the import itself,
// each of new people (every iteration's emails are new), in 20 groups
// named by name, with a registration date and two custom fields. The
// floor is reading and checking the file alone (roster.Parse), measured
// in the same loop; x_floor is how many times longer the request takes.
// Issue 14 asks for under 30 s on SQLite: the benchmark fails above it.
//
//	go test -run '^$' -bench BenchmarkImportUsers -benchtime 3x ./server
func BenchmarkImportUsers(b *testing.B) {
	const lines = 50_000
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := apitest.Start(b, dialect, importNow)
			for i := range 20 {
				if err := e.Store.CreateGroup(b.Context(), &skillpath.Group{Name: fmt.Sprintf("Team %d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			round := 0
			file := func() []byte {
				round++
				var s strings.Builder
				s.WriteString("\ufeffemail;name;groups;registered_at;field.region;field.site\r\n")
				for i := range lines {
					fmt.Fprintf(&s, "p%d.%d@bench.test;Person %d of round %d;Team %d;2025-%02d-%02d;EMEA;Site %d\r\n", round, i, i, round, i%20, 1+i%12, 1+i%28, i%50)
				}
				return []byte(s.String())
			}
			for _, mode := range []string{"dry_run", "apply"} {
				b.Run(mode, func(b *testing.B) {
					var req, floor time.Duration
					for b.Loop() {
						body := file()
						start := time.Now()
						if _, err := roster.Parse(strings.NewReader(string(body)), importNow, time.UTC); err != nil {
							b.Fatal(err)
						}
						floor += time.Since(start)
						q := ""
						if mode == "dry_run" {
							q = "?dry_run=true"
						}
						start = time.Now()
						r := e.Admin.Send("POST", "/api/v1/users/import"+q, "text/csv", body)
						took := time.Since(start)
						req += took
						if r.Status != 200 || !strings.Contains(string(r.Body), fmt.Sprintf(`"created":%d`, lines)) {
							b.Fatalf("import: %d %.300s", r.Status, r.Body)
						}
						if dialect == "sqlite" && took > 30*time.Second {
							b.Fatalf("%d lines took %v, over the 30 s of issue 14", lines, took)
						}
					}
					b.ReportMetric(req.Seconds()/float64(b.N), "s/import")
					b.ReportMetric(float64(lines*b.N)/req.Seconds(), "lines/s")
					b.ReportMetric(req.Seconds()/floor.Seconds(), "x_floor")
				})
			}
		})
	}
}

// nextLink finds the pager's "Next page" link.
var nextLink = regexp.MustCompile(`<a href="([^"]*)" rel="next">`)

// BenchmarkGroupsPage reads /groups and one group's page with 1,110 groups
// (10 regions of 10 areas of 10 teams), an admin and a coach in each area,
// as a platform admin; the floor is GET /people/import, as above.
//
//	go test -run '^$' -bench BenchmarkGroupsPage ./server
func BenchmarkGroupsPage(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			e := apitest.Start(b, dialect, importNow)
			ctx := b.Context()
			staff := &skillpath.User{Email: "staff@bench.test", Name: "Staff"}
			if err := e.Store.CreateUser(ctx, staff, ""); err != nil {
				b.Fatal(err)
			}
			var team skillpath.ID
			for i := range 10 {
				region := &skillpath.Group{Name: fmt.Sprintf("Region %d", i)}
				if err := e.Store.CreateGroup(ctx, region); err != nil {
					b.Fatal(err)
				}
				for j := range 10 {
					area := &skillpath.Group{Name: fmt.Sprintf("Area %d.%d", i, j), ParentID: &region.ID}
					if err := e.Store.CreateGroup(ctx, area); err != nil {
						b.Fatal(err)
					}
					for _, role := range []skillpath.StaffRole{skillpath.RoleGroupAdmin, skillpath.RoleCoach} {
						if err := e.Store.AddStaff(ctx, skillpath.Staff{GroupID: area.ID, UserID: staff.ID, Role: role}); err != nil {
							b.Fatal(err)
						}
					}
					for k := range 10 {
						t := &skillpath.Group{Name: fmt.Sprintf("Team %d.%d.%d", i, j, k), ParentID: &area.ID}
						if err := e.Store.CreateGroup(ctx, t); err != nil {
							b.Fatal(err)
						}
						team = t.ID
					}
				}
			}
			admin := newWebClient(b, e.Server.URL)
			admin.mustSignIn(apitest.AdminEmail, apitest.AdminPassword)
			for name, path := range map[string]string{"tree": "/groups", "group": "/groups/" + team.String()} {
				b.Run(name, func(b *testing.B) {
					var page, floor time.Duration
					size := 0
					for b.Loop() {
						start := time.Now()
						admin.get("/people/import")
						floor += time.Since(start)
						start = time.Now()
						p := admin.get(path)
						page += time.Since(start)
						if p.Status != 200 {
							b.Fatalf("GET %s: %d", path, p.Status)
						}
						size = len(p.Body)
					}
					b.ReportMetric(page.Seconds()*1000/float64(b.N), "ms/page")
					b.ReportMetric(float64(size)/1024, "KiB")
					b.ReportMetric(page.Seconds()/floor.Seconds(), "x_floor")
				})
			}
		})
	}
}
