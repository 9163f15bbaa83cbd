package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/report"
	"skillpath/server"
	"skillpath/status"
	"skillpath/store"
	"skillpath/synthetic"
)

// The benchmarks behind docs/PERFORMANCE.md. They generate a synthetic
// organisation of SKILLPATH_BENCH_LEARNERS learners (5,000 unless set) per
// database, once per run, and time the statistics through the real HTTP
// server. The figures of docs/PERFORMANCE.md come from:
//
//	SKILLPATH_BENCH_LEARNERS=100000 go test ./server -run '^$' -bench Stats -benchtime 20x -timeout 60m
//	SKILLPATH_BENCH_LEARNERS=100000 go test ./server -run '^$' -bench Generate -benchtime 1x -timeout 60m

var benchNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func benchLearners() int {
	if n, err := strconv.Atoi(os.Getenv("SKILLPATH_BENCH_LEARNERS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// benchOrg is a generated organisation behind a running server.
type benchOrg struct {
	st      *store.Store
	address string // the database's
	srv     *httptest.Server
	tokens  map[string]string // by role: admin, group admin, coach, instructor
	groups  map[string]skillpath.ID
	largest report.CertificateRow // the certificate with the most learners
}

var (
	benchMu    sync.Mutex
	benchOrgs  = map[string]*benchOrg{}
	benchDrops []func()
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// generated opens a fresh database of the dialect and generates n learners in it.
func generated(b *testing.B, dialect string, n int) (*store.Store, string, func()) {
	dir, err := os.MkdirTemp("", "skillpath-bench")
	if err != nil {
		b.Fatal(err)
	}
	address, drop, err := testdb.Create(dialect, dir)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(context.Background(), address, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	st.Now = skillpath.FixedClock(benchNow)
	if _, err := synthetic.Generate(context.Background(), st, synthetic.Options{Learners: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return st, address, func() { st.Close(); drop(); os.RemoveAll(dir) }
}

// reused opens a database generated beforehand instead of generating one,
// when SKILLPATH_BENCH_SQLITE (a file, copied first) or
// SKILLPATH_BENCH_POSTGRES (a URL, used as it is) names one for the
// dialect: at 100,000 learners and more, generating takes minutes.
func reused(b *testing.B, dialect string) (*store.Store, string, func(), bool) {
	from := os.Getenv("SKILLPATH_BENCH_" + strings.ToUpper(dialect))
	if from == "" {
		return nil, "", nil, false
	}
	address, drop := from, func() {}
	if dialect == "sqlite" {
		dir, err := os.MkdirTemp("", "skillpath-bench")
		if err != nil {
			b.Fatal(err)
		}
		path := dir + "/copy.db"
		if out, err := exec.Command("cp", from, path).CombinedOutput(); err != nil {
			b.Fatalf("copy %s: %v %s", from, err, out)
		}
		address, drop = "sqlite:"+path, func() { os.RemoveAll(dir) }
	}
	st, err := store.Open(context.Background(), address, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	st.Now = skillpath.FixedClock(benchNow)
	return st, address, func() { st.Close(); drop() }, true
}

// benchOrgFor returns the dialect's generated organisation, made on first use.
func benchOrgFor(b *testing.B, dialect string) *benchOrg {
	benchMu.Lock()
	defer benchMu.Unlock()
	if o := benchOrgs[dialect]; o != nil {
		return o
	}
	b.StopTimer()
	defer b.StartTimer()
	ctx := context.Background()
	st, address, drop, ok := reused(b, dialect)
	if !ok {
		st, address, drop = generated(b, dialect, benchLearners())
	}
	o := &benchOrg{st: st, address: address, srv: httptest.NewServer(server.New(st, quietLog())), tokens: map[string]string{}, groups: map[string]skillpath.ID{}}
	benchDrops = append(benchDrops, func() { o.srv.Close(); drop() })
	for role, login := range map[string]string{"admin": synthetic.DefaultAdminEmail, "group admin": "admin.operations@",
		"coach": "coach.operations.north@", "instructor": "instructor001@"} {
		users, _, err := st.ListUsers(ctx, store.UserFilter{Query: login, Limit: 1})
		if err != nil || len(users) != 1 {
			b.Fatalf("no %s (%s): %v", role, login, err)
		}
		if o.tokens[role], err = st.CreateToken(ctx, users[0].ID, users[0].ID); err != nil {
			b.Fatal(err)
		}
	}
	groups, err := st.ListGroups(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, g := range groups {
		o.groups[g.Name] = g.ID
	}
	err = st.CertificateStats(ctx, report.Scope{All: true}, report.Filter{UserStatus: report.UsersActive}, func(r report.CertificateRow) error {
		if max(r.CertifiedLearners, r.EnrolledLearners) > max(o.largest.CertifiedLearners, o.largest.EnrolledLearners) {
			o.largest = r
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	benchOrgs[dialect] = o
	return o
}

// get answers the request of a role, failing the benchmark on any status
// but 200, and returns the size of the body read.
func (o *benchOrg) get(b *testing.B, role, path string, out any) int64 {
	req, _ := http.NewRequest(http.MethodGet, o.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+o.tokens[role])
	req.Header.Set("Accept-Encoding", "identity") // the service's work, not the compressor's
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		b.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
		return 0
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkGenerate times `skillpath generate` of SKILLPATH_BENCH_LEARNERS
// learners. On SQLite it times two floors beside it, through the same
// driver into a fresh database of the same schema from the generated file
// (ATTACHed), one INSERT … SELECT per table in one transaction:
//
//   - x-floor (the issue's): the tables copied as they are. Into empty
//     tables of the same schema SQLite copies each table's and each index's
//     B-tree entries in order (its transfer optimisation): no index is
//     built, the entries are already sorted;
//   - x-load-floor: what loading those rows costs SQLite itself — the
//     rows inserted into the tables without their secondary indexes, then
//     the indexes built (CREATE INDEX) and ANALYZE, as generate does,
//     without generating them.
func BenchmarkGenerate(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			var spent, floor, loadFloor time.Duration
			for range b.N {
				start := time.Now()
				_, address, drop := generated(b, dialect, benchLearners())
				spent += time.Since(start)
				if dialect == "sqlite" {
					b.StopTimer()
					floor += copyFloor(b, strings.TrimPrefix(address, "sqlite:"), false)
					loadFloor += copyFloor(b, strings.TrimPrefix(address, "sqlite:"), true)
					b.StartTimer()
				}
				b.StopTimer()
				drop()
				b.StartTimer()
			}
			b.ReportMetric(float64(benchLearners()), "learners")
			b.ReportMetric(spent.Seconds()/float64(b.N), "s")
			if floor > 0 {
				b.ReportMetric(floor.Seconds()/float64(b.N), "floor-s")
				b.ReportMetric(float64(spent)/float64(floor), "x-floor")
				b.ReportMetric(loadFloor.Seconds()/float64(b.N), "load-floor-s")
				b.ReportMetric(float64(spent)/float64(loadFloor), "x-load-floor")
			}
		})
	}
}

// copyFloor copies every row of the generated SQLite file into a fresh
// database of the same schema with INSERT … SELECT, and returns how long
// the copy took. With build, the secondary indexes are dropped first and
// built again after the rows, then ANALYZE: SQLite then inserts the rows
// one by one (a WHERE clause turns its transfer optimisation off) and
// sorts each index once.
func copyFloor(b *testing.B, from string, build bool) time.Duration {
	dir, err := os.MkdirTemp("", "skillpath-floor")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(context.Background(), dir+"/floor.db", quietLog())
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+dir+"/floor.db?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var indexes []string
	if build {
		rows, err := db.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'`)
		if err != nil {
			b.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var name, q string
			if err := rows.Scan(&name, &q); err != nil {
				b.Fatal(err)
			}
			names, indexes = append(names, name), append(indexes, q)
		}
		rows.Close()
		for _, name := range names {
			if _, err := db.Exec(`DROP INDEX ` + name); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.Exec(`PRAGMA cache_size = -262144`); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	if _, err := db.Exec(`ATTACH DATABASE '` + from + `' AS src`); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	where := ""
	if build {
		where = " WHERE TRUE"
	}
	for _, t := range []string{"users", "user_fields", "groups", "group_tree", "group_members", "group_staff", "certificates",
		"trainings", "training_certificates", "training_prerequisites", "training_staff", "modules", "activities", "sessions",
		"enrollments", "module_attempts", "answers", "awards", "certificate_learners"} {
		if _, err := tx.Exec(`INSERT INTO main.` + t + ` SELECT * FROM src.` + t + where); err != nil {
			b.Fatalf("copy %s: %v", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if build {
		for _, q := range append(indexes, `ANALYZE`) {
			if _, err := db.Exec(q); err != nil {
				b.Fatalf("%s: %v", q, err)
			}
		}
	}
	return time.Since(start)
}

// BenchmarkStatsList times the certificate list, by default and under each
// filter, for a platform admin and for scoped callers.
func BenchmarkStatsList(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			year := benchNow.AddDate(-1, 0, 0).Format(time.DateOnly)
			for _, tt := range []struct{ name, role, query string }{
				{"default", "admin", ""},
				{"deleted", "admin", "user_status=deleted"},
				{"all", "admin", "user_status=all"},
				{"registered_last_year", "admin", "registered_from=" + year},
				{"group_division", "admin", fmt.Sprintf("group=%d", o.groups["Operations"])},
				{"group_region", "admin", fmt.Sprintf("group=%d", o.groups["Operations North"])},
				{"group_team", "admin", fmt.Sprintf("group=%d", o.groups["Operations North team 1"])},
				{"field_region", "admin", "field.region=North"},
				{"field_region_or", "admin", "field.region=North&field.region=South"},
				{"field_region_and_job", "admin", "field.region=North&field.job=" + url.QueryEscape("Forklift operator")},
				{"all_filters", "admin", fmt.Sprintf("registered_from=%s&group=%d&field.region=North&user_status=all", year, o.groups["Operations"])},
				{"as_group_admin", "group admin", ""},
				{"as_coach", "coach", ""},
				{"as_instructor", "instructor", ""},
			} {
				b.Run(tt.name, func(b *testing.B) {
					var page struct{ Rows []json.RawMessage }
					for range b.N {
						o.get(b, tt.role, "/api/v1/stats/certificates?"+tt.query, &page)
					}
					b.ReportMetric(float64(len(page.Rows)), "certificates")
				})
			}
		})
	}
}

// BenchmarkStatsListBroad times the certificate list under filters that
// keep most learners — registered in the last four and a half years, the
// root group, three of the four regions — and under narrow ones, each
// beside its floor: the unfiltered list, timed in the same loop. The
// filtered list counts a subset of the rows the floor counts, so its
// ratio says what checking the filter costs.
func BenchmarkStatsListBroad(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			for _, tt := range []struct{ name, query string }{
				{"registered_4.5_years", "registered_from=" + benchNow.AddDate(-4, -6, 0).Format(time.DateOnly)},
				{"root_group", fmt.Sprintf("group=%d", o.groups["Synthetic Corp"])},
				{"three_regions", "field.region=North&field.region=South&field.region=East"},
				{"four_jobs", "field.job=Accountant&field.job=Controller&field.job=Recruiter&field.job=" + url.QueryEscape("Team lead")},
				{"region", "field.region=North"},
				{"group_team", fmt.Sprintf("group=%d", o.groups["Operations North team 1"])},
			} {
				b.Run(tt.name, func(b *testing.B) {
					var page struct{ Rows []json.RawMessage }
					floor := func() { o.get(b, "admin", "/api/v1/stats/certificates", &page) }
					ratio(b, floor, func() { o.get(b, "admin", "/api/v1/stats/certificates?"+tt.query, &page) })
					b.ReportMetric(float64(len(page.Rows)), "certificates")
				})
			}
		})
	}
}

// ratio times fn and floor alternately, b.N times each, and reports fn's
// mean time in ms, the floor's, and their ratio: both measured in the same
// window, so the load of a shared machine weighs on both alike. It reports
// the CPU time of this process and its children the same way (cpu-ms,
// floor-cpu-ms, x-floor-cpu): on SQLite, whose work is all in this
// process, a reading the other processes of a loaded machine do not
// stretch as they stretch the wall clock (on PostgreSQL it is the
// client's and the server's Go side only).
func ratio(b *testing.B, floor, fn func()) {
	b.Helper()
	floor() // warm both up once
	fn()
	var spent, floorSpent, cpuSpent, floorCPU time.Duration
	b.ResetTimer()
	for range b.N {
		start, cpu := time.Now(), cpuTime(b)
		floor()
		floorSpent += time.Since(start)
		floorCPU += cpuTime(b) - cpu
		start, cpu = time.Now(), cpuTime(b)
		fn()
		spent += time.Since(start)
		cpuSpent += cpuTime(b) - cpu
	}
	b.StopTimer()
	b.ReportMetric(float64(spent.Microseconds())/1000/float64(b.N), "ms")
	b.ReportMetric(float64(floorSpent.Microseconds())/1000/float64(b.N), "floor-ms")
	b.ReportMetric(float64(spent)/float64(floorSpent), "x-floor")
	b.ReportMetric(float64(cpuSpent.Microseconds())/1000/float64(b.N), "cpu-ms")
	b.ReportMetric(float64(floorCPU.Microseconds())/1000/float64(b.N), "floor-cpu-ms")
	b.ReportMetric(float64(cpuSpent)/float64(max(floorCPU, 1)), "x-floor-cpu")
}

// cpuTime is the CPU time, user and system, this process and its waited
// children have spent.
func cpuTime(b *testing.B) time.Duration {
	var self, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, ru := range []syscall.Rusage{self, children} {
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

// BenchmarkStatsLearnersPage times a page of 50 learners of the largest
// certificate: the first, and the next through its cursor.
func BenchmarkStatsLearnersPage(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			path := fmt.Sprintf("/api/v1/stats/certificates/%s/learners?limit=50", o.largest.ID)
			var first struct {
				Rows []json.RawMessage
				Next string
			}
			o.get(b, "admin", path, &first)
			for name, p := range map[string]string{"first": path, "next": path + "&after=" + url.QueryEscape(first.Next)} {
				b.Run(name, func(b *testing.B) {
					var page struct{ Rows []json.RawMessage }
					for range b.N {
						o.get(b, "admin", p, &page)
					}
					if len(page.Rows) != 50 {
						b.Fatalf("%d rows", len(page.Rows))
					}
				})
			}
		})
	}
}

// BenchmarkStatsLearnersCSV times the download of the learners of the
// largest certificate beside its floor, the same rows written by the
// database's own tool (cliCSV) in the same loop, and measures the memory
// it takes: allocations per row (server and client together: they share
// the process), and the heap's peak above where it started.
func BenchmarkStatsLearnersCSV(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			path := fmt.Sprintf("/api/v1/stats/certificates/%s/learners.csv", o.largest.ID)
			peak := peakHeap(func() { o.get(b, "admin", path, nil) })
			rows := float64(learnerCount(b, o))
			var size int64
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ratio(b, func() { cliCSV(b, o, dialect)() }, func() { size = o.get(b, "admin", path, nil) })
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N+1)/rows, "allocs/row")
			b.ReportMetric(rows, "rows")
			b.ReportMetric(float64(size)/rows, "bytes/row")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MiB")
		})
	}
}

// learnerCount counts the active learners of the largest certificate.
func learnerCount(b *testing.B, o *benchOrg) int {
	n := 0
	_, err := o.st.CertificateLearners(context.Background(), report.Scope{All: true}, report.Filter{UserStatus: report.UsersActive},
		report.LearnerQuery{}, o.largest.ID, store.Page{}, func(report.LearnerRow) error { n++; return nil })
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// peakHeap runs fn and returns how far the heap grew above where it was
// before, sampled every millisecond. The collector runs whenever the heap
// grows by 5%, so the heap stays close to what is live: garbage that a
// lazier collector would leave does not count.
func peakHeap(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base, peak := m.HeapAlloc, m.HeapAlloc
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	return peak - base
}

// BenchmarkStatsLearnersCLI writes the same rows — the learners of the
// largest certificate, with their latest status and dates — with the
// databases' own command-line tools, for comparison: Debian's sqlite3 -csv
// and psql's \copy … to stdout csv.
func BenchmarkStatsLearnersCLI(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			cmd := cliCSV(b, o, dialect)
			var lines int
			for range b.N {
				lines = cmd()
			}
			b.ReportMetric(float64(lines), "rows")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/row")
		})
	}
}

// cliCSV returns a function writing the learners of the largest
// certificate as CSV with the database's own command-line tool, which
// returns the rows written.
func cliCSV(b *testing.B, o *benchOrg, dialect string) func() int {
	date := func(col string) string {
		if dialect == "postgres" {
			return "to_char(to_timestamp(" + col + " / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
		}
		return "date(" + col + " / 1000, 'unixepoch')"
	}
	q := fmt.Sprintf(`SELECT cl.user_name AS "Learner name", u.email AS "Learner email",
		CASE WHEN cl.delivered_at IS NULL THEN 'Not obtained' WHEN cl.expires_at IS NULL THEN 'Valid'
			WHEN cl.expires_at <= %d THEN 'Expired' WHEN cl.expires_at <= %d THEN 'Expiring soon' ELSE 'Valid' END AS "Latest status",
		%s AS "Delivery date", %s AS "Expiration date"
		FROM certificate_learners cl JOIN users u ON u.id = cl.user_id
		WHERE cl.certificate_id = %d AND cl.user_deleted = FALSE ORDER BY cl.user_name, cl.user_id`,
		benchNow.UnixMilli(), benchNow.Add(status.ExpiringSoonWindow).UnixMilli(), date("cl.delivered_at"), date("cl.expires_at"), o.largest.ID)
	q = strings.Join(strings.Fields(q), " ")
	var cmd func() *exec.Cmd
	if dialect == "sqlite" {
		if _, err := exec.LookPath("sqlite3"); err != nil {
			b.Fatal("sqlite3 is needed for the comparison: apt-get install sqlite3")
		}
		file := strings.TrimPrefix(o.address, "sqlite:")
		cmd = func() *exec.Cmd { return exec.Command("sqlite3", "-csv", "-header", file, q) }
	} else {
		// psql takes the schema as a server option, not pgx's search_path
		u, err := url.Parse(o.address)
		if err != nil {
			b.Fatal(err)
		}
		v := u.Query()
		v.Set("options", "-csearch_path="+v.Get("search_path"))
		v.Del("search_path")
		u.RawQuery = v.Encode()
		cmd = func() *exec.Cmd {
			return exec.Command("psql", "-q", "-d", u.String(), "-c", `\copy (`+q+`) to stdout csv header`)
		}
	}
	return func() int {
		out, err := cmd().Output()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		return bytes.Count(out, []byte("\n")) - 1
	}
}

// BenchmarkStatsUpkeep times what keeping certificate_learners costs the
// writes, on an organisation of its own: an enrollment (one learner
// relinked), and archiving then deleting the largest open session (every
// learner in it relinked). Each archiving takes the largest session still
// open, so the figure of -benchtime 1x is the largest session's.
func BenchmarkStatsUpkeep(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			st, address, drop := generated(b, dialect, benchLearners())
			defer drop()
			raw := testdb.Raw(b, address)
			b.Run("enroll", func(b *testing.B) {
				se := &skillpath.Session{TrainingID: 1, Name: "Benchmark cohort", StartsAt: benchNow}
				if err := st.CreateSession(ctx, se); err != nil {
					b.Fatal(err)
				}
				users, _, err := st.ListUsers(ctx, store.UserFilter{Query: "learner", Status: skillpath.UserActive, Limit: 500})
				if err != nil || len(users) < b.N {
					b.Fatalf("%d learners for %d enrollments (%v)", len(users), b.N, err)
				}
				b.ResetTimer()
				for i := range b.N {
					if _, err := st.Enroll(ctx, se.ID, users[i].ID, 1, false); err != nil {
						b.Fatal(err)
					}
				}
			})
			largest := func(i int) (skillpath.ID, int) {
				var id skillpath.ID
				var n int
				err := raw.QueryRow(`SELECT e.session_id, COUNT(*) FROM enrollments e JOIN sessions s ON s.id = e.session_id
					WHERE e.deleted_at IS NULL AND s.archived_at IS NULL AND s.deleted_at IS NULL
					GROUP BY e.session_id ORDER BY COUNT(*) DESC, e.session_id LIMIT 1 OFFSET $1`, i).Scan(&id, &n)
				if err != nil {
					b.Fatal(err)
				}
				return id, n
			}
			var sessions []skillpath.ID
			b.Run("archive_largest_session", func(b *testing.B) {
				n := 0
				for range b.N {
					var id skillpath.ID
					b.StopTimer()
					id, n = largest(0)
					b.StartTimer()
					if _, err := st.ArchiveSession(ctx, id); err != nil {
						b.Fatal(err)
					}
					sessions = append(sessions, id)
				}
				b.ReportMetric(float64(n), "enrollments")
			})
			deleted := 0 // across runs: b.N is 1 first
			b.Run("delete_that_session", func(b *testing.B) {
				for range b.N {
					if deleted == len(sessions) {
						b.Fatal("more deletions than archived sessions: run with the same -benchtime")
					}
					if err := st.DeleteSession(ctx, sessions[deleted]); err != nil {
						b.Fatal(err)
					}
					deleted++
				}
			})
		})
	}
}

// BenchmarkStatsLearnersWhoNeedsAction times a page of 50 learners of the
// largest certificate under each order and the filters of SPEC §3's
// "finding who needs action" (issue 18) — first page and the next through
// its cursor — beside its floor, the default first page (by name, no
// filter), timed in the same loop.
func BenchmarkStatsLearnersWhoNeedsAction(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			o := benchOrgFor(b, dialect)
			base := fmt.Sprintf("/api/v1/stats/certificates/%s/learners?limit=50", o.largest.ID)
			var page struct {
				Rows []json.RawMessage
				Next string
			}
			floor := func() { o.get(b, "admin", base, &page) }
			soon := benchNow.AddDate(0, 0, 30).Format(time.DateOnly)
			queries := []string{"sort=-name", "sort=email", "sort=-email", "sort=latest_status", "sort=-latest_status",
				"sort=delivered_at", "sort=-delivered_at", "sort=expires_at", "sort=-expires_at",
				"latest_status=expiring_soon", "latest_status=expired,expiring_soon&sort=expires_at", "latest_status=valid&sort=-expires_at",
				"latest_status=not_obtained", "expires_from=" + benchNow.Format(time.DateOnly) + "&expires_to=" + soon,
				fmt.Sprintf("latest_status=expiring_soon&group=%d", o.groups["Operations North"])}
			for _, q := range queries {
				path := base + "&" + q
				o.get(b, "admin", path, &page)
				next := page.Next
				b.Run(strings.NewReplacer("=", "_", "&", "+", ",", "_").Replace(q), func(b *testing.B) {
					ratio(b, floor, func() { o.get(b, "admin", path, &page) })
				})
				if next != "" {
					b.Run(strings.NewReplacer("=", "_", "&", "+", ",", "_").Replace(q)+"/next", func(b *testing.B) {
						ratio(b, floor, func() { o.get(b, "admin", path+"&after="+url.QueryEscape(next), &page) })
					})
				}
			}
		})
	}
}
