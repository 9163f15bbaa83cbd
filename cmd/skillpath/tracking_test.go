package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/lrs"
	"skillpath/netguard"
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

// TestStatementBase: base URLs that prefix valid activity IRIs are taken,
// without their trailing slash; the default is the served address.
func TestStatementBase(t *testing.T) {
	for _, tc := range []struct{ base, addr, want string }{
		{"https://learn.example.com", "", "https://learn.example.com"},
		{"https://learn.example.com/", "", "https://learn.example.com"},
		{"http://learn.example.com/my%20academy/", "", "http://learn.example.com/my%20academy"},
		{"https://learn.example.com:8443/académie", "", "https://learn.example.com:8443/académie"},
		{"https://xn--acadmie-cya.example/", "", "https://xn--acadmie-cya.example"},
		{"http://[2001:db8::1]:8080", "", "http://[2001:db8::1]:8080"},
		{"", "127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"", "0.0.0.0:80", "http://localhost:80"},
	} {
		got, err := statementBase(tc.base, tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("statementBase(%q, %q) = %q, %v; want %q", tc.base, tc.addr, got, err, tc.want)
		}
	}
}

// TestDeliveryClient: the delivery client connects to no address inside
// this server's network unless allowed, checking when it connects (SPEC §4),
// and hands a redirect back instead of following it.
func TestDeliveryClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old/statements" {
			http.Redirect(w, r, "/new/statements", http.StatusMovedPermanently)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	if resp, err := lrs.NewClient(time.Second, 5*time.Second, netguard.Guard{}.Control).Post(srv.URL+"/xapi/statements", "application/json", strings.NewReader("[]")); !errors.Is(err, netguard.ErrForbidden) {
		if err == nil {
			resp.Body.Close()
		}
		t.Fatalf("POST to loopback by default: %v, want ErrForbidden", err)
	}
	allowing := lrs.NewClient(time.Second, 5*time.Second, netguard.Guard{AllowPrivate: true}.Control)
	resp, err := allowing.Post(srv.URL+"/old/statements", "application/json", strings.NewReader("[]"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("the redirect was followed: %s", resp.Status)
	}
}
