package store_test

import (
	"strings"
	"testing"

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
