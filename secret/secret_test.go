package secret_test

import (
	"errors"
	"strings"
	"testing"

	"skillpath/secret"
)

func TestParseKey(t *testing.T) {
	cases := []struct {
		text string
		ok   bool
	}{
		{strings.Repeat("ab", 32), true},
		{"q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=", true}, // 32 bytes, base64
		{"q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M", true},  // unpadded
		{strings.Repeat("ab", 16), false},                      // 16 bytes
		{"not a key", false},
		{"", false},
	}
	for _, tc := range cases {
		if _, err := secret.ParseKey(tc.text); (err == nil) != tc.ok {
			t.Errorf("ParseKey(%q): error %v, want ok=%v", tc.text, err, tc.ok)
		}
	}
}

func TestSealOpen(t *testing.T) {
	k, err := secret.ParseKey(strings.Repeat("01", 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := secret.ParseKey(strings.Repeat("02", 32))
	sealed := k.Seal("lrs-pa55", "training 7")
	if strings.Contains(sealed, "lrs-pa55") || sealed == k.Seal("lrs-pa55", "training 7") {
		t.Fatalf("sealed text shows the secret or is not randomised: %q", sealed)
	}
	if got, err := k.Open(sealed, "training 7"); err != nil || got != "lrs-pa55" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another key":     func() (string, error) { return other.Open(sealed, "training 7") },
		"another context": func() (string, error) { return k.Open(sealed, "training 8") },
		"damaged":         func() (string, error) { return k.Open(sealed[:len(sealed)-2]+"AA", "training 7") },
		"not sealed":      func() (string, error) { return k.Open("lrs-pa55", "training 7") },
	} {
		if _, err := open(); !errors.Is(err, secret.ErrWrongKey) {
			t.Errorf("%s: error %v, want ErrWrongKey", name, err)
		}
	}
}
