package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestChangePassword: changing one's own password needs the current one
// (checked through the sign-in throttle); any new password ends the user's
// web sessions and tokens, but the token it was changed with.
func TestChangePassword(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		u := &skillpath.User{Email: "u@example.com", Name: "U"}
		if err := st.CreateUser(ctx, u, "old-password"); err != nil {
			t.Fatal(err)
		}
		other := mustUser(t, st, "other@example.com")
		otherToken, _ := st.CreateToken(ctx, other.ID, other.ID)
		signIn := func() (kept, ended skillpath.ID, tokens []string, session string) {
			t.Helper()
			a, ta, err := st.MintToken(ctx, u.ID, u.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, tb, err := st.MintToken(ctx, u.ID, u.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			session, _, err = st.CreateWebSession(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return ta.ID, tb.ID, []string{a, b}, session
		}
		kept, _, tokens, session := signIn()
		for _, tc := range []struct {
			name    string
			current *string
			code    string
			field   string
		}{
			{"no current password", nil, skillpath.EINVALID, "current_password"},
			{"empty current password", ptr(""), skillpath.EINVALID, "current_password"},
			{"wrong current password", ptr("wrong-password"), skillpath.EFORBIDDEN, "current_password"},
		} {
			_, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{Password: ptr("new-password"), RequireCurrent: true,
				CurrentPassword: tc.current, KeepTokenID: kept})
			wantCode(t, err, tc.code)
			if e, ok := err.(*skillpath.Error); ok && e.Field != tc.field {
				t.Errorf("%s: field %q, want %q", tc.name, e.Field, tc.field)
			}
		}
		for _, tok := range tokens {
			if _, err := st.UserByToken(ctx, tok); err != nil {
				t.Fatalf("a refused change ended a token: %v", err)
			}
		}
		if _, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{Password: ptr("new-password"), RequireCurrent: true,
			CurrentPassword: ptr("old-password"), KeepTokenID: kept}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UserByToken(ctx, tokens[0]); err != nil {
			t.Errorf("the token the password was changed with ended: %v", err)
		}
		_, err := st.UserByToken(ctx, tokens[1])
		wantCode(t, err, skillpath.EUNAUTHORIZED)
		_, err = st.WebSession(ctx, session)
		wantCode(t, err, skillpath.EUNAUTHORIZED)
		if _, err := st.UserByToken(ctx, otherToken); err != nil {
			t.Errorf("another user's token ended: %v", err)
		}
		if _, err := st.Login(ctx, "u@example.com", "new-password"); err != nil {
			t.Errorf("sign in with the new password: %v", err)
		}

		// An admin's change for the user needs no current password and
		// ends every sign-in of the user.
		_, _, tokens, session = signIn()
		if _, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{Password: ptr("third-password")}); err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			_, err := st.UserByToken(ctx, tok)
			wantCode(t, err, skillpath.EUNAUTHORIZED)
		}
		_, err = st.WebSession(ctx, session)
		wantCode(t, err, skillpath.EUNAUTHORIZED)
	})
}

// TestTokenLifecycle: an optional expiry (real clock), the last use written
// at most once a minute, a list without secrets, and revocation one by one.
func TestTokenLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		wall := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
		st.Wall = func() time.Time { return wall }
		admin := mustUser(t, st, "admin@example.com")
		u := mustUser(t, st, "u@example.com")
		for _, bad := range []time.Time{wall, wall.Add(-time.Hour), wall.Add(store.MaxTokenLifetime + time.Hour)} {
			_, _, err := st.MintToken(ctx, u.ID, admin.ID, &bad)
			wantCode(t, err, skillpath.EINVALID)
		}
		end := wall.Add(time.Hour)
		short, shortTok, err := st.MintToken(ctx, u.ID, admin.ID, &end)
		if err != nil {
			t.Fatal(err)
		}
		long, longTok, err := st.MintToken(ctx, u.ID, u.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		used := func() map[skillpath.ID]*time.Time {
			t.Helper()
			list, err := st.Tokens(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			m := map[skillpath.ID]*time.Time{}
			for _, tok := range list {
				m[tok.ID] = tok.LastUsedAt
			}
			return m
		}
		if got := used(); len(got) != 2 || got[shortTok.ID] != nil {
			t.Fatalf("tokens before use: %v", got)
		}
		if _, err := st.UserByToken(ctx, short); err != nil {
			t.Fatal(err)
		}
		first := wall
		wall = wall.Add(59 * time.Second)
		st.UserByToken(ctx, short)
		if got := used()[shortTok.ID]; got == nil || !got.Equal(first) {
			t.Errorf("last used %v, want %v (not written again within a minute)", got, first)
		}
		wall = wall.Add(time.Second)
		st.UserByToken(ctx, short)
		if got := used()[shortTok.ID]; got == nil || !got.Equal(wall) {
			t.Errorf("last used %v, want %v", got, wall)
		}
		list, _ := st.Tokens(ctx, u.ID)
		if list[0].ID != longTok.ID || list[1].ExpiresAt == nil || !list[1].ExpiresAt.Equal(end) ||
			list[1].CreatedBy == nil || *list[1].CreatedBy != admin.ID || list[0].ExpiresAt != nil {
			t.Errorf("tokens listed: %+v %+v", list[0], list[1])
		}
		wall = end
		_, err = st.UserByToken(ctx, short)
		wantCode(t, err, skillpath.EUNAUTHORIZED)
		if _, err := st.UserByToken(ctx, long); err != nil {
			t.Errorf("a token without expiry ended: %v", err)
		}
		wantCode(t, st.RevokeToken(ctx, admin.ID, longTok.ID), skillpath.ENOTFOUND) // not admin's token
		if err := st.RevokeToken(ctx, u.ID, longTok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = st.UserByToken(ctx, long)
		wantCode(t, err, skillpath.EUNAUTHORIZED)
		wantCode(t, st.RevokeToken(ctx, u.ID, longTok.ID), skillpath.ENOTFOUND)
		// A revoked token's id is never given again (SQLite would reuse the
		// highest rowid of a deleted row), and it leaves the list.
		_, next, err := st.MintToken(ctx, u.ID, u.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if next.ID == longTok.ID {
			t.Errorf("a new token took the revoked token's id %s", next.ID)
		}
		if list, err := st.Tokens(ctx, u.ID); err != nil || slices.ContainsFunc(list, func(tok *store.Token) bool { return tok.ID == longTok.ID }) {
			t.Errorf("tokens after the revocation: %v %v", list, err)
		}
		_, err = st.Tokens(ctx, 999999)
		wantCode(t, err, skillpath.ENOTFOUND)
	})
}

// TestLastPlatformAdmin: the last live platform admin can be neither
// demoted nor deleted, even when two admins act on each other at once.
func TestLastPlatformAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		a := &skillpath.User{Email: "a@example.com", Name: "A", PlatformAdmin: true}
		if err := st.CreateUser(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
		_, err := st.UpdateUser(ctx, a.ID, store.UserUpdate{PlatformAdmin: ptr(false)})
		wantCode(t, err, skillpath.EUNPROCESSABLE)
		wantCode(t, st.DeleteUser(ctx, a.ID), skillpath.EUNPROCESSABLE)
		for round := range 5 {
			b := &skillpath.User{Email: "b" + string(rune('0'+round)) + "@example.com", Name: "B", PlatformAdmin: true}
			if err := st.CreateUser(ctx, b, ""); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Go(func() { _, errs[0] = st.UpdateUser(ctx, a.ID, store.UserUpdate{PlatformAdmin: ptr(false)}) })
			if round%2 == 0 {
				wg.Go(func() { _, errs[1] = st.UpdateUser(ctx, b.ID, store.UserUpdate{PlatformAdmin: ptr(false)}) })
			} else {
				wg.Go(func() { errs[1] = st.DeleteUser(ctx, b.ID) })
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: demoting/deleting both admins at once: %v, %v; want exactly one refused", round, errs[0], errs[1])
			}
			for _, err := range errs {
				if err != nil {
					wantCode(t, err, skillpath.EUNPROCESSABLE)
				}
			}
			if errs[0] == nil { // a lost the role: give it back for the next round
				if _, err := st.UpdateUser(ctx, a.ID, store.UserUpdate{PlatformAdmin: ptr(true)}); err != nil {
					t.Fatal(err)
				}
				if round%2 == 0 {
					st.UpdateUser(ctx, b.ID, store.UserUpdate{PlatformAdmin: ptr(false)})
				} else {
					st.DeleteUser(ctx, b.ID)
				}
			}
		}
	})
}

// TestCreateFirstAdmin: of several processes starting at once on an empty
// database, one creates the admin and the others find it there, without
// an error.
func TestCreateFirstAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		url := testdb.URL(t, dialect)
		const n = 4
		var wg sync.WaitGroup
		created := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			st := testdb.OpenURL(t, url, now)
			wg.Go(func() {
				created[i], errs[i] = st.CreateFirstAdmin(context.Background(), &skillpath.User{Email: "admin@example.com", Name: "Admin"}, "admin-password")
			})
		}
		wg.Wait()
		count := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("process %d: %v", i, errs[i])
			}
			if created[i] {
				count++
			}
		}
		if count != 1 {
			t.Errorf("%d processes created the admin, want 1", count)
		}
		st := testdb.OpenURL(t, url, now)
		if n, _ := st.CountUsers(ctx); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
		if ok, err := st.CreateFirstAdmin(ctx, &skillpath.User{Email: "other@example.com", Name: "Other"}, "other-password"); ok || err != nil {
			t.Errorf("on a database with a user: %v, %v; want false, nil", ok, err)
		}
	})
}

// TestAuditInTransaction: the action of a context is recorded by its first
// write transaction that commits, with the object it created; a refused
// action records nothing; the log is paged newest first and filtered.
func TestAuditInTransaction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		admin := mustUser(t, st, "admin@example.com")
		actx := store.WithAudit(ctx, admin.ID, "POST /api/v1/users", "", "/api/v1/users", "users")
		wantCode(t, st.CreateUser(actx, &skillpath.User{Email: "admin@example.com", Name: "Dup"}, ""), skillpath.ECONFLICT)
		if store.Audited(actx) {
			t.Error("a refused action was recorded")
		}
		u := &skillpath.User{Email: "u@example.com", Name: "U"}
		if err := st.CreateUser(actx, u, ""); err != nil {
			t.Fatal(err)
		}
		if !store.Audited(actx) {
			t.Error("the action was not recorded")
		}
		// Recorded once: a second transaction of the request adds nothing.
		if _, err := st.UpdateUser(actx, u.ID, store.UserUpdate{Name: ptr("V")}); err != nil {
			t.Fatal(err)
		}
		pctx := store.WithAudit(ctx, admin.ID, "PATCH /api/v1/users/{id}", "users/"+u.ID.String(), "/api/v1/users/"+u.ID.String(), "")
		if _, err := st.UpdateUser(pctx, u.ID, store.UserUpdate{Name: ptr("W")}); err != nil {
			t.Fatal(err)
		}
		tctx := store.WithAudit(ctx, admin.ID, "POST /api/v1/users/{id}/tokens", "users/"+u.ID.String(), "/api/v1/users/"+u.ID.String()+"/tokens", "api_tokens")
		_, tok, err := st.MintToken(tctx, u.ID, admin.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		all, next, err := st.Audit(ctx, store.AuditFilter{})
		if err != nil || next != 0 || len(all) != 3 {
			t.Fatalf("audit = %+v, %s, %v; want 3 entries", all, next, err)
		}
		want := []struct{ action, object string }{
			{"POST /api/v1/users/{id}/tokens", "tokens/" + tok.ID.String()},
			{"PATCH /api/v1/users/{id}", "users/" + u.ID.String()},
			{"POST /api/v1/users", "users/" + u.ID.String()},
		}
		for i, w := range want {
			if all[i].Action != w.action || all[i].Object != w.object || all[i].ActorID != admin.ID || !all[i].At.Equal(now) {
				t.Errorf("entry %d = %+v, want %s on %s by %s at %v", i, all[i], w.action, w.object, admin.ID, now)
			}
		}
		page, next, _ := st.Audit(ctx, store.AuditFilter{Limit: 2})
		rest, last, _ := st.Audit(ctx, store.AuditFilter{Limit: 2, After: next})
		if len(page) != 2 || len(rest) != 1 || rest[0].ID != all[2].ID || last != 0 {
			t.Errorf("pages %+v then %+v", page, rest)
		}
		for _, f := range []store.AuditFilter{{Object: "users/" + u.ID.String()}, {Action: "PATCH /api/v1/users/{id}"}, {ActorID: u.ID}} {
			got, _, _ := st.Audit(ctx, f)
			wantN := map[bool]int{true: 0, false: 1}[f.ActorID != 0]
			if f.Object != "" {
				wantN = 2
			}
			if len(got) != wantN {
				t.Errorf("filter %+v: %d entries, want %d", f, len(got), wantN)
			}
		}
	})
}
