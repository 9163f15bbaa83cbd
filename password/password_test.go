package password_test

import (
	"context"
	"testing"

	"skillpath/password"
)

var ctx = context.Background()

func TestHashAndCheck(t *testing.T) {
	h, err := password.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := password.Hash(ctx, "correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"correct horse", true}, {"correct horsE", false}, {"", false}} {
		ok, err := password.Check(ctx, h, tc.password)
		if err != nil || ok != tc.want {
			t.Errorf("Check(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
	}
	if _, err := password.Check(ctx, "$2a$10$bcrypt", "x"); err == nil {
		t.Error("a hash of another kind was accepted")
	}
}
