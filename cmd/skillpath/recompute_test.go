package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"skillpath/demo"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestRecompute: `recompute --check` finds stored statuses that differ from
// the facts, `recompute` rebuilds them, and the check passes afterwards.
func TestRecompute(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.URL(t, dialect)
		st, err := store.Open(ctx, url, testdb.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Load(ctx, st, "", ""); err != nil {
			t.Fatal(err)
		}
		st.Close()

		driver, dsn := "pgx", url
		if dialect == "sqlite" {
			driver, dsn = "sqlite", strings.TrimPrefix(url, "sqlite:")
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := db.Exec(`UPDATE enrollments SET status = 'failed', score = 12.5 WHERE id IN (SELECT id FROM enrollments WHERE status = 'passed' ORDER BY id LIMIT 3)`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 3 {
			t.Fatalf("corrupted %d enrollments, want 3", n)
		}

		recompute := func(args ...string) (string, error) {
			var out, logs bytes.Buffer
			err := run(ctx, append([]string{"recompute", "--db", url}, args...), func(string) string { return "" }, &out, &logs)
			return out.String(), err
		}
		out, err := recompute("--check")
		if err == nil || !strings.Contains(err.Error(), "3 stored statuses differ") || strings.Count(out, "stored failed, facts say passed") != 3 {
			t.Fatalf("check before: %v\n%s", err, out)
		}
		if out, err := recompute(); err != nil || !strings.Contains(out, "every stored status matches the facts") {
			t.Fatalf("recompute: %v\n%s", err, out)
		}
		if out, err := recompute("--check"); err != nil {
			t.Fatalf("check after: %v\n%s", err, out)
		}
	})
}

// TestRecomputeChecksExpirations: `recompute --check` proves delivered
// certificates' expirations against their certificate's rules (SPEC §9),
// and `recompute` puts a wrong one right.
func TestRecomputeChecksExpirations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.URL(t, dialect)
		st, err := store.Open(ctx, url, testdb.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Load(ctx, st, "", ""); err != nil {
			t.Fatal(err)
		}
		st.Close()
		db := testdb.Raw(t, url)
		defer db.Close()
		res, err := db.Exec(`UPDATE awards SET expires_at = expires_at + 86400000 WHERE id = (SELECT MIN(id) FROM awards WHERE expires_at IS NOT NULL)`)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("corrupted %d awards, want 1", n)
		}
		recompute := func(args ...string) (string, error) {
			var out, logs bytes.Buffer
			err := run(ctx, append([]string{"recompute", "--db", url}, args...), func(string) string { return "" }, &out, &logs)
			return out.String(), err
		}
		out, err := recompute("--check")
		if err == nil || !strings.Contains(err.Error(), "1 delivered certificates differ") || !strings.Contains(out, "the rules say") {
			t.Fatalf("check before: %v\n%s", err, out)
		}
		if out, err := recompute(); err != nil || !strings.Contains(out, "expiry and link match") {
			t.Fatalf("recompute: %v\n%s", err, out)
		}
		if out, err := recompute("--check"); err != nil {
			t.Fatalf("check after: %v\n%s", err, out)
		}
	})
}
