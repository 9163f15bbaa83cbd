package store_test

import (
	"context"
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
