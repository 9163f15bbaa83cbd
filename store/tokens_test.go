package store_test

import (
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// TestTokens: a token names its live user until the user is deleted.
func TestTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		u := mustUser(t, st, "u@example.com")
		token, err := st.CreateToken(ctx, u.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		other, err := st.CreateToken(ctx, u.ID, u.ID)
		if err != nil || other == token || !strings.HasPrefix(token, "spt_") {
			t.Fatalf("tokens %q and %q (%v): want two different spt_ tokens", token, other, err)
		}
		got, err := st.UserByToken(ctx, token)
		if err != nil || got.ID != u.ID || got.Email != u.Email {
			t.Fatalf("UserByToken = %+v, %v; want user %s", got, err, u.ID)
		}
		for _, bad := range []string{"", "spt_unknown", token + "x", strings.TrimPrefix(token, "spt_")} {
			_, err := st.UserByToken(ctx, bad)
			wantCode(t, err, skillpath.EUNAUTHORIZED)
		}
		_, err = st.CreateToken(ctx, 999999, u.ID)
		wantCode(t, err, skillpath.ENOTFOUND)

		if err := st.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{token, other} {
			_, err := st.UserByToken(ctx, tok)
			wantCode(t, err, skillpath.EUNAUTHORIZED)
		}
	})
}

// TestLogin checks an email and password against live users.
func TestLogin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		u := &skillpath.User{Email: "Ann@Example.com", Name: "Ann"}
		if err := st.CreateUser(ctx, u, "ann-password"); err != nil {
			t.Fatal(err)
		}
		mustUser(t, st, "nopass@example.com")
		cases := []struct {
			name, email, password, code string
		}{
			{"right password", "Ann@Example.com", "ann-password", ""},
			{"email in other case", " ann@EXAMPLE.com", "ann-password", ""},
			{"wrong password", "ann@example.com", "ann-passwort", skillpath.EUNAUTHORIZED},
			{"password in other case", "ann@example.com", "ANN-PASSWORD", skillpath.EUNAUTHORIZED},
			{"unknown email", "bob@example.com", "ann-password", skillpath.EUNAUTHORIZED},
			{"user without a password", "nopass@example.com", "", skillpath.EUNAUTHORIZED},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := st.Login(ctx, tc.email, tc.password)
				wantCode(t, err, tc.code)
				if tc.code == "" && got.ID != u.ID {
					t.Errorf("logged in as %s, want %s", got.ID, u.ID)
				}
			})
		}
	})
}

// TestTokenUseWhileWriterBusy: recording a token's use is a write, but a
// request using the token must not wait on the writer for it. With the
// write lock held — by this store, or on SQLite by another process — the
// token still authenticates at once, its use unrecorded; the next use once
// the writer is free records it.
func TestTokenUseWhileWriterBusy(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		url := testdb.URL(t, dialect)
		st := testdb.OpenURL(t, url, time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
		holders := map[string]*store.Store{"this process": st}
		if dialect == "sqlite" {
			holders["another process"] = testdb.OpenURL(t, url, time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
		}
		for name, holder := range holders {
			t.Run(name, func(t *testing.T) {
				u := mustUser(t, st, strings.ReplaceAll(name, " ", "-")+"@example.com")
				token, err := st.CreateToken(ctx, u.ID, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				var got *skillpath.User
				err = whileWriterHeld(t, holder, "UserByToken", func() (err error) {
					got, err = st.UserByToken(ctx, token)
					return err
				})
				if err != nil || got.ID != u.ID {
					t.Fatalf("UserByToken with the writer held = %+v, %v; want user %s", got, err, u.ID)
				}
				used := func() *time.Time {
					list, err := st.Tokens(ctx, u.ID)
					if err != nil || len(list) != 1 {
						t.Fatalf("Tokens = %+v, %v", list, err)
					}
					return list[0].LastUsedAt
				}
				if dialect == "sqlite" && used() != nil {
					t.Errorf("last_used_at %v written while another writer held the lock", used())
				}
				if _, err := st.UserByToken(ctx, token); err != nil {
					t.Fatal(err)
				}
				if used() == nil {
					t.Error("last_used_at still empty after a use with the writer free")
				}
			})
		}
	})
}

// TestWebSessionSlideWhileWriterBusy: a browser session's sliding end is
// written in passing as well. With the writer held, the session still
// signs in the request at once, its end unmoved; the next request with the
// writer free slides it.
func TestWebSessionSlideWhileWriterBusy(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		wall := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
		st.Wall = func() time.Time { return wall }
		u := mustUser(t, st, "browser@example.com")
		token, created, err := st.CreateWebSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		wall = wall.Add(time.Hour) // the end is due to slide
		var ws *store.WebSession
		err = whileWriterHeld(t, st, "WebSession", func() (err error) {
			ws, err = st.WebSession(ctx, token)
			return err
		})
		if err != nil || ws.User.ID != u.ID {
			t.Fatalf("WebSession with the writer held = %+v, %v; want user %s", ws, err, u.ID)
		}
		if dialect == "sqlite" && !ws.ExpiresAt.Equal(created.ExpiresAt) {
			t.Errorf("session end %v, want it unmoved (%v) while the writer was held", ws.ExpiresAt, created.ExpiresAt)
		}
		ws, err = st.WebSession(ctx, token)
		if err != nil || !ws.ExpiresAt.Equal(wall.Add(store.WebSessionIdle)) {
			t.Fatalf("WebSession with the writer free = %+v, %v; want its end slid to %v", ws, err, wall.Add(store.WebSessionIdle))
		}
	})
}

// whileWriterHeld runs call with holder's writer held, and fails the test
// if call waits more than 2 s for it: what a request makes in passing must
// not wait on the writer.
func whileWriterHeld(t *testing.T, holder *store.Store, name string, call func() error) error {
	t.Helper()
	release := holder.HoldWriter(ctx)
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		release()
		return err
	case <-time.After(2 * time.Second):
		release()
		<-done
		t.Fatalf("%s waited more than 2 s for the writer; want no wait for what it writes in passing", name)
		return nil
	}
}
