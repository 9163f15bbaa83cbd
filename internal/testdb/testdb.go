// Package testdb gives tests fresh, empty databases: a SQLite file in a
// temporary folder, and a PostgreSQL schema of its own on the server named
// by SKILLPATH_TEST_POSTGRES (default: the local server's database "test").
// PostgreSQL is required: a test fails, never skips, when it is missing.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"skillpath"
	"skillpath/store"
)

// Dialects are the databases every store test runs on.
var Dialects = []string{"sqlite", "postgres"}

// PostgresURL is the server the tests use.
func PostgresURL() string {
	if u := os.Getenv("SKILLPATH_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var schemaSeq atomic.Int64

// URL returns the address of a fresh, empty database of the dialect, removed
// when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	url, drop, err := Create(dialect, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return url
}

// Create makes a fresh, empty database of the dialect — a SQLite file in
// dir, or a PostgreSQL schema of its own — and returns its address and the
// function that removes it, for databases that outlive one test (shared
// benchmark data).
func Create(dialect, dir string) (address string, drop func(), err error) {
	if dialect == "sqlite" {
		path := filepath.Join(dir, fmt.Sprintf("skillpath-%d.db", schemaSeq.Add(1)))
		return "sqlite:" + path, func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}, nil
	}
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		return "", nil, fmt.Errorf("PostgreSQL is required for the tests (%s): %w; .ci/run starts it", base, err)
	}
	drop = func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			db.Close()
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// Open returns a store on a fresh database of the dialect with the clock
// frozen at now (when not zero), closed when the test ends.
func Open(t testing.TB, dialect string, now time.Time) *store.Store {
	t.Helper()
	return OpenURL(t, URL(t, dialect), now)
}

// OpenURL returns a store on the database at url (from URL) with the clock
// frozen at now (when not zero), closed when the test ends: a second store
// on one database stands for a second process, or for the same one
// restarted.
func OpenURL(t testing.TB, url string, now time.Time) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url, Logger(t))
	if err != nil {
		t.Fatalf("open store %s: %v", url, err)
	}
	if !now.IsZero() {
		st.Now = skillpath.FixedClock(now)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Each runs fn once per dialect, as subtests named after the dialect.
func Each(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// Raw opens the database at url (from URL) without the store, for tests
// that check rows or query plans themselves; closed when the test ends.
func Raw(t testing.TB, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
