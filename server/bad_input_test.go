package server_test

import (
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
)

// TestBadInputSuite sends every class of bad input the API can meet (issue
// 11: malformed JSON, lenient keys, wrong types, huge numbers, NUL, long
// strings, unknown fields, overflowing ids, SQL metacharacters, huge
// bodies, bad cursors, dates and enums, long lists, …) and checks that each
// is a 4xx JSON error with a code and a message naming the field at fault,
// never a 5xx, and that the database is byte for byte what it was.
func TestBadInputSuite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		o := newOrg(t, dialect)
		admin, learner := o.env.Admin, o.learnerC
		var enr ids
		admin.Must(201, "POST", "/api/v1/sessions/"+o.session+"/enrollments", map[string]any{"user_id": o.learner}, &enr)
		var tree apitest.Tree
		admin.Must(200, "GET", "/api/v1/trainings/"+o.training, nil, &tree)
		choice := tree.Modules[0].Activities[1].ID

		user := func(extra string) string { return `{"email":"new@example.com","name":"New"` + extra + `}` }
		users, sessions := "/api/v1/users", "/api/v1/trainings/"+o.training+"/sessions"
		results := "/api/v1/trainings/" + o.training + "/results"
		learners := "/api/v1/stats/certificates/" + o.cert + "/learners"
		idList := func(n int) []string {
			l := make([]string, n)
			for i := range l {
				l[i] = strconv.Itoa(1000000 + i)
			}
			return l
		}
		training := func(path []string, v any) map[string]any {
			tr := validTraining(o.cert)
			var m any = tr
			for _, k := range path[:len(path)-1] {
				if i, err := strconv.Atoi(k); err == nil {
					m = m.([]any)[i]
				} else {
					m = m.(map[string]any)[k]
				}
			}
			m.(map[string]any)[path[len(path)-1]] = v
			return tr
		}
		session := func(start, end string) map[string]any {
			m := map[string]any{"name": "S", "starts_at": start}
			if end != "" {
				m["ends_at"] = end
			}
			return m
		}
		// The URL of issue 11: ids 1 to 140,000, about 870 KB.
		long := make([]string, 140000)
		for i := range long {
			long[i] = strconv.Itoa(i + 1)
		}
		longURL := learners + "?group=" + strings.Join(long, ",")

		cases := []struct {
			class  string
			client *apitest.Client
			method string
			path   string
			body   any
			status int
			field  string // "" when the error names no field
		}{
			// Malformed JSON and its shape.
			{"truncated JSON", admin, "POST", users, `{"email":"a@b.c","name":`, 400, "body"},
			{"invalid JSON token", admin, "POST", users, `{"email": x}`, 400, "body"},
			{"empty body", admin, "POST", users, "", 400, "body"},
			{"array instead of object", admin, "POST", users, `[{"email":"a@b.c"}]`, 400, "body"},
			{"string instead of object", admin, "POST", users, `"hello"`, 400, "body"},
			{"trailing data", admin, "POST", users, user("") + `{}`, 400, "body"},
			{"body above 1 MiB", admin, "POST", users, user(`,"password":"` + strings.Repeat("x", 1<<20) + `"`), 413, ""},
			// Keys: exact, known, once.
			{"unknown field", admin, "POST", users, user(`,"role":"boss"`), 400, "role"},
			{"key in another case", admin, "POST", users, `{"email":"new@example.com","NAME":"x"}`, 400, "NAME"},
			{"privilege through a key in another case", admin, "POST", users, user(`,"platform_admin":false,"Platform_Admin":true`), 400, "Platform_Admin"},
			{"duplicate key", admin, "POST", users, user(`,"name":"Other"`), 400, "name"},
			{"duplicate key in a nested object", admin, "POST", users, user(`,"custom_fields":{"region":"a","region":"b"}`), 400, "custom_fields.region"},
			{"unknown field deep in a tree", admin, "POST", "/api/v1/trainings", training([]string{"modules", "0", "activities", "0", "video"}, "x"), 400, "modules[0].activities[0].video"},
			// Text.
			{"invalid UTF-8", admin, "POST", users, "{\"email\":\"new@example.com\",\"name\":\"\xff\xfe\"}", 400, "name"},
			{"lone surrogate escape", admin, "POST", users, user(`,"password":"\ud800abcdefgh"`), 400, "password"},
			{"NUL escape", admin, "POST", users, `{"email":"new@example.com","name":"a\u0000b"}`, 400, "name"},
			{"NUL deep in a tree", admin, "POST", "/api/v1/trainings", training([]string{"modules", "0", "title"}, "a\x00b"), 400, "modules[0].title"},
			{"very long string", admin, "POST", users, map[string]any{"email": "new@example.com", "name": strings.Repeat("é", 10000)}, 400, "name"},
			{"name on two lines", admin, "POST", "/api/v1/groups", map[string]any{"name": "a\nb"}, 400, "name"},
			{"bad email", admin, "POST", users, map[string]any{"email": "not-an-email", "name": "X"}, 400, "email"},
			{"too many custom fields", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "custom_fields": manyFields(51)}, 400, "custom_fields"},
			{"custom field value too long", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "custom_fields": map[string]string{"k": strings.Repeat("v", 501)}}, 400, "custom_fields.k"},
			// Types and numbers.
			{"string for a boolean", admin, "POST", users, user(`,"platform_admin":"yes"`), 400, "platform_admin"},
			{"number for a string", admin, "POST", users, `{"email":"new@example.com","name":42}`, 400, "name"},
			{"object for a list", admin, "POST", users, user(`,"group_ids":{}`), 400, "group_ids"},
			{"null for a required id", admin, "POST", "/api/v1/certificates", map[string]any{"title": "C", "owner_group_id": nil}, 400, "owner_group_id"},
			{"huge number", admin, "POST", "/api/v1/certificates", `{"title":"C","owner_group_id":"` + o.root + `","validity_months":1e400}`, 400, "validity_months"},
			{"integer overflow", admin, "POST", "/api/v1/trainings", training([]string{"modules", "0", "max_attempts"}, rawJSON("99999999999999999999")), 400, "modules[0].max_attempts"},
			{"fraction for a whole number", admin, "POST", "/api/v1/certificates", map[string]any{"title": "C", "owner_group_id": o.root, "validity_months": 1.5}, 400, "validity_months"},
			{"huge float", admin, "POST", "/api/v1/trainings", training([]string{"modules", "0", "activities", "1", "points"}, 1e308), 400, "modules[0].activities[1].points"},
			{"negative price", admin, "POST", "/api/v1/trainings", training([]string{"price"}, -1), 400, "price"},
			{"score as text", admin, "POST", "/api/v1/enrollments/" + enr.ID + "/activities/" + choice + "/score", map[string]any{"score": "ten"}, 400, "score"},
			// Ids.
			{"overflowing id in a body", admin, "POST", users, user(`,"group_ids":["9223372036854775808"]`), 400, "group_ids[0]"},
			{"zero id", admin, "POST", users, user(`,"group_ids":["0"]`), 400, "group_ids[0]"},
			{"negative id", admin, "POST", users, user(`,"group_ids":["-1"]`), 400, "group_ids[0]"},
			{"id with leading zeros", admin, "POST", users, user(`,"group_ids":["007"]`), 400, "group_ids[0]"},
			{"unknown id", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "group_ids": []string{"999999"}}, 400, "group_ids"},
			{"duplicate ids", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "group_ids": []string{o.root, o.root}}, 400, "group_ids"},
			{"id list above the limit", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "group_ids": idList(skillpath.MaxListLength + 1)}, 400, "group_ids"},
			{"id list above SQLite's parameters", admin, "POST", "/api/v1/trainings", training([]string{"author_ids"}, idList(40000)), 400, "author_ids"},
			{"overflowing id in a path", admin, "GET", "/api/v1/users/99999999999999999999", nil, 404, ""},
			{"SQL in a path id", admin, "GET", "/api/v1/users/1%20OR%201=1", nil, 404, ""},
			{"path id and body id differ", admin, "PUT", "/api/v1/trainings/" + o.training, mergeMap(validTraining(o.cert), "id", "999999"), 400, "id"},
			{"statement id not a UUID", admin, "POST", "/api/v1/lrs/outbox/retry", map[string]any{"ids": []string{"'; DROP TABLE lrs_outbox; --"}}, 400, "ids[0]"},
			// Times.
			{"not a time", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "registered_at": "yesterday"}, 400, "registered_at"},
			{"year 10000 in UTC", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "registered_at": "9999-12-31T23:00:00-05:00"}, 400, "registered_at"},
			{"year 0", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "registered_at": "0000-01-01T00:00:00+01:00"}, 400, "registered_at"},
			{"Go's zero time", admin, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "registered_at": "0001-01-01T00:00:00Z"}, 400, "registered_at"},
			{"start out of range", admin, "POST", sessions, session("9999-12-31T23:00:00-05:00", ""), 400, "starts_at"},
			{"offset beyond 23:59", admin, "POST", sessions, session("2026-01-01T00:00:00+24:00", ""), 400, "starts_at"},
			{"end out of range", admin, "POST", sessions, session("2026-03-01T00:00:00Z", "0000-01-01T00:00:00+01:00"), 400, "ends_at"},
			{"missing start", admin, "POST", sessions, map[string]any{"name": "S"}, 400, "starts_at"},
			{"end before start", admin, "POST", sessions, session("2026-03-01T00:00:00Z", "2026-02-01T00:00:00Z"), 400, "ends_at"},
			{"filter day out of range", admin, "GET", learners + "?registered_from=0001-01-01", nil, 400, "registered_from"},
			{"filter day that does not exist", admin, "GET", learners + "?registered_to=2026-02-30", nil, 400, "registered_to"},
			{"filter days reversed", admin, "GET", learners + "?registered_from=2026-03-02&registered_to=2026-03-01", nil, 400, "registered_to"},
			// Enums.
			{"bad activity kind", admin, "POST", "/api/v1/trainings", training([]string{"modules", "1", "activities", "0", "kind"}, "video"), 400, "modules[1].activities[0].kind"},
			{"bad staff role", admin, "POST", "/api/v1/groups/" + o.root + "/staff", map[string]any{"user_id": o.learner, "role": "king"}, 400, "role"},
			{"bad user status", admin, "GET", users + "?status=zombie", nil, 400, "status"},
			{"bad result status", admin, "GET", results + "?status=bogus", nil, 400, "status"},
			{"bad statistics user status", admin, "GET", learners + "?user_status=ghost", nil, 400, "user_status"},
			// Paging.
			{"negative limit", admin, "GET", users + "?limit=-1", nil, 400, "limit"},
			{"zero limit", admin, "GET", results + "?limit=0", nil, 400, "limit"},
			{"limit above the maximum", admin, "GET", learners + "?limit=1001", nil, 400, "limit"},
			{"limit not a number", admin, "GET", users + "?limit=1e3", nil, 400, "limit"},
			{"crafted results cursor", admin, "GET", results + "?after=MTr__g", nil, 400, "after"},
			{"results cursor not base64", admin, "GET", results + "?after=%21%21", nil, 400, "after"},
			{"learners cursor with a NUL", admin, "GET", learners + "?after=" + b64("1:a\x00"), nil, 400, "after"},
			{"learners cursor with an overflowing id", admin, "GET", learners + "?after=" + b64("99999999999999999999:a"), nil, 400, "after"},
			{"SQL in a cursor", admin, "GET", results + "?after=" + url.QueryEscape("' OR 1=1 --"), nil, 400, "after"},
			{"users cursor not an id", admin, "GET", users + "?after=abc", nil, 400, "after"},
			{"parked statements cursor not an id", admin, "GET", "/api/v1/lrs/outbox?after=x", nil, 400, "after"},
			// Filters and query strings.
			{"group filter not an id", admin, "GET", learners + "?group=abc", nil, 400, "group"},
			{"SQL in a group filter", admin, "GET", learners + "?group=1'%20OR%20'1'='1", nil, 400, "group"},
			{"too many groups", admin, "GET", learners + "?group=" + strings.Join(idList(101), ","), nil, 400, "group"},
			{"a URL of 140,000 group ids", admin, "GET", longURL, nil, 400, "group"},
			{"a parameter repeated 1,001 times", admin, "GET", users + "?" + strings.Repeat("q=a&", skillpath.MaxListLength+1), nil, 400, "q"},
			{"bad custom field key", admin, "GET", learners + "?field.a%3Db=x", nil, 400, "field.a=b"},
			{"NUL in a query", admin, "GET", users + "?q=%00", nil, 400, "q"},
			{"invalid UTF-8 in a query", admin, "GET", users + "?q=%ff", nil, 400, "q"},
			{"malformed query string", admin, "GET", users + "?q=%zz", nil, 400, "query"},
			{"NUL in a path", admin, "GET", "/api/v1/users/1%00", nil, 400, "path"},
			// Routes and rights.
			{"unknown endpoint", admin, "GET", "/api/v1/nothing", nil, 404, ""},
			{"wrong method", admin, "PUT", users, nil, 405, ""},
			{"no token", o.env.Anonymous(), "GET", users, nil, 401, ""},
			{"learner as admin", learner, "POST", users, map[string]any{"email": "new@example.com", "name": "X", "platform_admin": true}, 403, ""},
			{"learner grants themself admin", learner, "PATCH", users + "/" + o.learner, map[string]any{"platform_admin": true}, 403, ""},
		}
		if len(cases) < 50 {
			t.Fatalf("only %d classes of bad input", len(cases))
		}
		before := dumpTables(t, testdb.Raw(t, o.env.DBURL))
		for _, tc := range cases {
			t.Run(tc.class, func(t *testing.T) {
				r := tc.client.Do(tc.method, tc.path, tc.body)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d; body %.300s", r.Status, tc.status, r.Body)
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want JSON", ct)
				}
				e := r.Err()
				if e.Code == "" || e.Message == "" {
					t.Fatalf("no JSON error with code and message: %.300s", r.Body)
				}
				if e.Field != tc.field {
					t.Errorf("field %q, want %q (message %q)", e.Field, tc.field, e.Message)
				}
				if tc.field != "" && !strings.HasPrefix(e.Message, tc.field+": ") {
					t.Errorf("message %q does not start with the field %q", e.Message, tc.field)
				}
			})
		}
		if after := dumpTables(t, testdb.Raw(t, o.env.DBURL)); after != before {
			t.Errorf("refused requests changed the database:\n%s", firstDiff(before, after))
		}
	})
}

// rawJSON is a JSON text sent as is inside a body built from Go values.
type rawJSON string

func (j rawJSON) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func b64(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var out strings.Builder
	b := []byte(s)
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := range k + 1 {
			out.WriteByte(alphabet[(n>>(18-6*j))&63])
		}
	}
	return out.String()
}

func manyFields(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = "v"
	}
	return m
}

// tablesNotCompared change on every authenticated request or failed login
// by design (a token's last use, login throttling), not through the input
// under test.
var tablesNotCompared = []string{"api_tokens", "login_failures", "web_sessions", "goose_db_version"}

// dumpTables returns every row of every table of the database, sorted, as
// text: two dumps are equal when no data changed.
func dumpTables(t *testing.T, db *sql.DB) string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(new(string)); err != nil {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	var tables []string
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(tablesNotCompared, name) {
			tables = append(tables, name)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(tables)
	if len(tables) < 20 {
		t.Fatalf("found only the tables %v", tables)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line strings.Builder
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&line, "%s=%v ", cols[i], v)
			}
			lines = append(lines, line.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "== %s (%d rows)\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\nbefore %s\nafter  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines before, %d after", len(al), len(bl))
}

// TestBadTimeStoredIsNot200 stores, below the API, times that JSON cannot
// hold (years 10000 and 0 in UTC, as older versions accepted) and checks
// that the listings that show them answer a logged and counted 500 with a
// JSON error, never a 200 with an empty or cut body.
func TestBadTimeStoredIsNot200(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		var mu sync.Mutex
		var failed []string
		o := newOrgWith(t, dialect, func(s *server.Server) {
			s.ResponseFailed = func(reason string) {
				mu.Lock()
				defer mu.Unlock()
				failed = append(failed, reason)
			}
		})
		db := testdb.Raw(t, o.env.DBURL)
		year10000 := time.Date(10000, 1, 1, 4, 0, 0, 0, time.UTC).UnixMilli()
		if _, err := db.Exec(`UPDATE users SET registered_at = $1 WHERE id = $2`, year10000, o.learner); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE sessions SET starts_at = $1 WHERE id = $2`, time.Date(-1, 12, 31, 23, 0, 0, 0, time.UTC).UnixMilli(), o.session); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1/users", "/api/v1/users/" + o.learner, "/api/v1/trainings/" + o.training + "/sessions"} {
			r := o.env.Admin.Get(p)
			if r.Status != http.StatusInternalServerError || r.Err().Code != skillpath.EINTERNAL {
				t.Errorf("GET %s: %d %q, want a 500 JSON error", p, r.Status, r.Body)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(failed) != 3 || failed[0] != "encode" {
			t.Errorf("failures counted: %v, want 3 × encode", failed)
		}
	})
}

// TestDatabaseOutage cuts the way to PostgreSQL under a running server:
// the API answers 503 with Retry-After in JSON, a page answers 503 as a
// page, and both come back once the database is reachable again. (An
// embedded SQLite file has no outage to cut.)
func TestDatabaseOutage(t *testing.T) {
	proxy := newTCPProxy(t, "127.0.0.1:5432")
	u, err := url.Parse(testdb.URL(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = proxy.addr()
	e := apitest.StartURL(t, u.String(), time.Time{})
	e.Admin.Must(200, "GET", "/api/v1/users", nil, nil)
	proxy.cut()
	r := e.Admin.Get("/api/v1/users")
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || r.Err().Code != skillpath.EUNAVAILABLE {
		t.Fatalf("API during the outage: %d, Retry-After %q, %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q, want JSON", r.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("GET", e.Server.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "skillpath_session", Value: "some-session"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "<html") {
		t.Errorf("page during the outage: %d, Retry-After %q, %.200s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	proxy.restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.Admin.Get("/api/v1/users")
		if r.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the outage: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tcpProxy forwards connections to a server until cut.
type tcpProxy struct {
	t      *testing.T
	target string
	mu     sync.Mutex
	ln     net.Listener
	port   string
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) addr() string { return "127.0.0.1:" + p.port }

func (p *tcpProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	_, p.port, _ = net.SplitHostPort(ln.Addr().String())
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection: the database is gone.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the same port.
func (p *tcpProxy) restore() { p.listen(p.addr()) }

// TestPageErrorsCarryHeaders: a page that does not exist, a method a page
// does not take and a bad path answer as pages of the site — layout, lang,
// title, a link home — with the pages' security headers; HSTS is sent over
// HTTPS (or behind a proxy saying so) and never over plain HTTP.
func TestPageErrorsCarryHeaders(t *testing.T) {
	e := apitest.Start(t, "sqlite", time.Time{})
	cases := []struct {
		method, path string
		status       int
	}{
		{"GET", "/no-such-page", 404},
		{"DELETE", "/login", 405},
		{"GET", "/learn%00", 400},
	}
	for _, tc := range cases {
		for _, https := range []bool{false, true} {
			req, _ := http.NewRequest(tc.method, e.Server.URL+tc.path, nil)
			if https {
				req.Header.Set("X-Forwarded-Proto", "https")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != tc.status {
				t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s: security headers missing: %v", tc.method, tc.path, h)
			}
			for _, want := range []string{`<html lang="en">`, "<title>", `href="/"`} {
				if !strings.Contains(string(body), want) {
					t.Errorf("%s %s: the page lacks %s: %.300s", tc.method, tc.path, want, body)
				}
			}
			if tc.status == 405 && h.Get("Allow") == "" {
				t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
			}
			if got := h.Get("Strict-Transport-Security"); (got != "") != https {
				t.Errorf("%s %s over https=%v: Strict-Transport-Security %q", tc.method, tc.path, https, got)
			}
		}
	}
	if r := e.Admin.Get("/api/v1/me", "X-Forwarded-Proto", "https"); !strings.HasPrefix(r.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("API over https: no HSTS: %v", r.Header)
	}
}

// TestSlowHeadersAreCut: a client that sends its headers slower than the
// server's ReadHeaderTimeout is disconnected, so slow clients cannot hold
// connections open (the http.Server of serve).
func TestSlowHeadersAreCut(t *testing.T) {
	st := testdb.Open(t, "sqlite", time.Time{})
	srv := server.NewHTTPServer(server.New(st, testdb.Logger(t)))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 30*time.Second || srv.ReadTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("timeouts: header %v, read %v, max header bytes %d", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.MaxHeaderBytes)
	}
	srv.ReadHeaderTimeout = 300 * time.Millisecond // the same server, a test's patience
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the connection was still open after 5 s")
	}
}
