package store_test

import (
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
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

// TestLoginLockout: LoginMaxFailures failures within LoginFailureWindow of
// the real (Wall) clock lock the account, even against the right password;
// a success clears the count, and the window passing unlocks it.
func TestLoginLockout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		wall := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
		st.Wall = func() time.Time { return wall }
		if err := st.CreateUser(ctx, &skillpath.User{Email: "a@example.com", Name: "A"}, "a-password"); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateUser(ctx, &skillpath.User{Email: "b@example.com", Name: "B"}, "b-password"); err != nil {
			t.Fatal(err)
		}
		fail := func(n int) {
			t.Helper()
			for range n {
				_, err := st.Login(ctx, "a@example.com", "wrong-password")
				wantCode(t, err, skillpath.EUNAUTHORIZED)
			}
		}
		login := func(pass, code string) {
			t.Helper()
			_, err := st.Login(ctx, "a@example.com", pass)
			wantCode(t, err, code)
		}

		fail(skillpath.LoginMaxFailures - 1)
		login("a-password", "") // clears the count
		fail(skillpath.LoginMaxFailures - 1)
		login("a-password", "")

		// Failures older than the window do not count.
		fail(skillpath.LoginMaxFailures - 1)
		wall = wall.Add(skillpath.LoginFailureWindow)
		fail(1)
		login("a-password", "")

		fail(skillpath.LoginMaxFailures)
		login("a-password", skillpath.ETOOMANYREQUESTS)
		login("wrong-password", skillpath.ETOOMANYREQUESTS)
		if _, err := st.Login(ctx, "b@example.com", "b-password"); err != nil {
			t.Errorf("another account is locked too: %v", err)
		}
		// The frozen business clock plays no part.
		st.Now = skillpath.FixedClock(now.Add(24 * time.Hour))
		login("a-password", skillpath.ETOOMANYREQUESTS)
		wall = wall.Add(skillpath.LoginFailureWindow - time.Millisecond)
		login("a-password", skillpath.ETOOMANYREQUESTS)
		wall = wall.Add(time.Millisecond)
		login("a-password", "")
	})
}
