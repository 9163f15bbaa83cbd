package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// now is the business time every store test freezes its clock at.
var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

var ctx = context.Background()

// open returns a store on a fresh database of the dialect, clock at now.
func open(t *testing.T, dialect string) *store.Store {
	t.Helper()
	return testdb.Open(t, dialect, now)
}

// wantCode fails the test unless err carries the error code (nil for "").
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := skillpath.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (error: %v)", got, code, err)
	}
}

// mustUser creates a user without a password (no hashing: fast) in the
// groups, failing the test on error.
func mustUser(t *testing.T, st *store.Store, email string, groupIDs ...skillpath.ID) *skillpath.User {
	t.Helper()
	u := &skillpath.User{Email: email, Name: "User " + email, GroupIDs: groupIDs}
	if err := st.CreateUser(ctx, u, ""); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// mustGroup creates a group under parent (0: at the top).
func mustGroup(t *testing.T, st *store.Store, name string, parent skillpath.ID) skillpath.ID {
	t.Helper()
	g := &skillpath.Group{Name: name}
	if parent != 0 {
		g.ParentID = &parent
	}
	if err := st.CreateGroup(ctx, g); err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	return g.ID
}

// A migration that waits past the busy timeout for another process's write
// says so, and the database is as it was: the next start applies it.
func TestMigrationBesideAWrite(t *testing.T) {
	ctx := context.Background()
	url := testdb.URL(t, "sqlite")
	st, err := store.Open(ctx, url, testdb.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw := testdb.Raw(t, url)
	// 00021 pending again (it rebuilds certificate_learners as it finds it)
	if _, err := raw.Exec(`DELETE FROM goose_db_version WHERE version_id = 21`); err != nil {
		t.Fatal(err)
	}
	held, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := held.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, url, testdb.Logger(t))
	if _, rerr := held.ExecContext(ctx, `ROLLBACK`); rerr != nil {
		t.Fatal(rerr)
	}
	held.Close()
	if err == nil || !strings.Contains(err.Error(), "another process held a write") || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("Open while another process writes: %v, want a refusal naming the cause", err)
	}
	again, err := store.Open(ctx, url, testdb.Logger(t))
	if err != nil {
		t.Fatalf("Open once the write is done: %v", err)
	}
	defer again.Close()
	var q string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'certificate_learners'`).Scan(&q); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q, "WITHOUT ROWID") {
		t.Errorf("certificate_learners after the migration: %s, want WITHOUT ROWID", q)
	}
}
