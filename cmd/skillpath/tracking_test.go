package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/secret"
	"skillpath/store"
)

// TestServeSecretKey: serve refuses to start when stored LRS passwords
// cannot be opened — no SKILLPATH_SECRET_KEY, another key, a malformed one,
// or --demo's key — and starts with the key they were saved with.
func TestServeSecretKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		key := strings.Repeat("5a", 32)
		url := testdb.URL(t, dialect)
		st := testdb.OpenURL(t, url, time.Time{})
		st.Secrets, _ = secret.ParseKey(key)
		tr := &skillpath.Training{Title: "Forklift", Modules: []*skillpath.Module{{Title: "Read", MaxAttempts: 1,
			Activities: []*skillpath.Activity{{Title: "Rules", Kind: skillpath.KindContent}}}}}
		ctx := context.Background()
		if err := st.CreateTraining(ctx, tr); err != nil {
			t.Fatal(err)
		}
		password := "lap-password"
		if _, err := st.SetLRSDraft(ctx, tr.ID, store.LRSInput{Endpoint: "https://lrs.example.com", Login: "lap", Password: &password, Verbs: []skillpath.Verb{}}); err != nil {
			t.Fatal(err)
		}
		st.Close()

		cases := []struct {
			name  string
			args  []string
			key   string
			error string // "" to start
		}{
			{"no key", nil, "", "set SKILLPATH_SECRET_KEY"},
			{"another key", nil, strings.Repeat("a5", 32), "does not open the LRS password of training 1: set SKILLPATH_SECRET_KEY"},
			{"a malformed key", nil, "secret", "SKILLPATH_SECRET_KEY: the key must be 32 bytes"},
			{"the demo's key", []string{"--demo"}, "", "does not open the LRS password of training 1: set SKILLPATH_SECRET_KEY"},
			{"a bad base URL", []string{"--base-url", "learn.example.com"}, key, "--base-url"},
			{"the key", nil, key, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
				defer cancel()
				env := map[string]string{"SKILLPATH_SECRET_KEY": tc.key}
				var out bytes.Buffer
				args := append([]string{"--db", url, "--addr", "127.0.0.1:0"}, tc.args...)
				err := serve(ctx, args, func(k string) string { return env[k] }, &out, slog.New(slog.NewTextHandler(io.Discard, nil)))
				switch {
				case tc.error == "" && err != nil:
					t.Fatalf("serve: %v", err)
				case tc.error == "" && !strings.Contains(out.String(), "listening"):
					t.Fatalf("serve did not start: %s", out.String())
				case tc.error != "" && (err == nil || !strings.Contains(err.Error(), tc.error)):
					t.Fatalf("error %v, want one saying %q", err, tc.error)
				}
			})
		}
	})
}
