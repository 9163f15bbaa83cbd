package store_test

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"strings"
	"testing"

	"skillpath"
	"skillpath/internal/testdb"
)

// codes reads every award's verification code, by award id.
func codes(t *testing.T, db *sql.DB) map[int64]string {
	t.Helper()
	rows, err := db.Query(`SELECT id, verification_code FROM awards`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var code sql.NullString
		if err := rows.Scan(&id, &code); err != nil {
			t.Fatal(err)
		}
		out[id] = code.String
	}
	return out
}

// checkCodes fails unless every award has a code of 32 hex digits (128
// bits) and no two share one.
func checkCodes(t *testing.T, when string, got map[int64]string) {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%s: no award to check", when)
	}
	seen := map[string]bool{}
	for id, c := range got {
		if !skillpath.IsVerificationCode(c) {
			t.Errorf("%s: award %d has the code %q, want 32 hex digits", when, id, c)
		}
		if seen[c] {
			t.Errorf("%s: code %q is used twice", when, c)
		}
		seen[c] = true
	}
}

// Each certificate gets its verification code when it is delivered (SPEC
// §8); the code stays through a recompute; the migration gives one to the
// certificates delivered before it, and Verify finds each by its code.
func TestVerificationCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := newStatsEnv(t, dialect)
		ctx := context.Background()
		db := testdb.Raw(t, e.url)
		delivered := codes(t, db)
		checkCodes(t, "after the story", delivered)

		if err := e.st.Recompute(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if after := codes(t, db); !maps.Equal(after, delivered) {
			t.Errorf("a recompute changed the codes:\n%v\nwant\n%v", after, delivered)
		}

		if _, err := db.Exec(`UPDATE awards SET verification_code = NULL`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(e.st.Schema(migrationBackfill(t))); err != nil {
			t.Fatal(err)
		}
		backfilled := codes(t, db)
		checkCodes(t, "after the migration's backfill", backfilled)
		found := 0
		for _, code := range backfilled {
			d, err := e.st.Verify(ctx, code)
			if err != nil && skillpath.ErrorCode(err) != skillpath.ENOTFOUND { // a deleted enrollment's certificate is not found
				t.Fatal(err)
			}
			if d != nil {
				found++
				if d.Code != code || d.Learner == "" || d.Title == "" {
					t.Errorf("Verify(%q) found %+v", code, d)
				}
			}
		}
		if found == 0 {
			t.Error("Verify found no certificate by its backfilled code")
		}
	})
}

// migrationBackfill is the UPDATE by which migration 00013 gives codes to
// the certificates delivered before it.
func migrationBackfill(t *testing.T) string {
	b, err := os.ReadFile("migrations/00013_verification_codes.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "UPDATE awards") {
			return strings.TrimSuffix(line, ";")
		}
	}
	t.Fatal("migration 00013 has no UPDATE awards")
	return ""
}
