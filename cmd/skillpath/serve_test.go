package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"skillpath/internal/testdb"
	"skillpath/store"
)

var demoLogin = regexp.MustCompile(`Log in as (\S+) with password (\S+)`)

// TestServeBinary runs the built binary as an operator would (SPEC §5):
// `serve --demo` on a fresh database prints the admin's login, answers
// /healthz, the API and the home page, and exits 0 on SIGTERM; a
// configuration error exits 1 with the reason on stderr.
func TestServeBinary(t *testing.T) {
	bin := buildBinary(t)
	testdb.Each(t, func(t *testing.T, dialect string) {
		in := startBinary(t, bin, nil, "serve", "--demo", "--addr", "127.0.0.1:0", "--db", testdb.URL(t, dialect)).await(t)
		m := demoLogin.FindStringSubmatch(in.out.text())
		if m == nil {
			t.Fatalf("no login line in the output:\n%s", in.out.text())
		}
		if status, _, body := call(t, "GET", in.URL+"/healthz", "", nil); status != http.StatusOK {
			t.Errorf("GET /healthz: %d %s", status, body)
		}
		token := login(t, in.URL, m[1], m[2])
		status, _, body := call(t, "GET", in.URL+"/api/v1/me", token, nil)
		var me struct {
			Email         string `json:"email"`
			PlatformAdmin bool   `json:"platform_admin"`
		}
		if err := json.Unmarshal(body, &me); status != http.StatusOK || err != nil || me.Email != m[1] || !me.PlatformAdmin {
			t.Errorf("GET /api/v1/me with the demo admin's token: %d %s", status, body)
		}
		status, contentType, body := call(t, "GET", in.URL+"/", "", nil)
		if status != http.StatusOK || !strings.HasPrefix(contentType, "text/html") || !strings.Contains(string(body), "<html") {
			t.Errorf("GET /: %d %q %.200s", status, contentType, body)
		}
		if err := in.shutdown(t); err != nil {
			t.Errorf("after SIGTERM: %v, want exit status 0\nstderr:\n%s", err, in.logs)
		}
	})

	t.Run("bad configuration", func(t *testing.T) {
		db := "sqlite:" + filepath.Join(t.TempDir(), "skillpath.db")
		in := startBinary(t, bin, map[string]string{"SKILLPATH_NOW": "tomorrow"}, "serve", "--addr", "127.0.0.1:0", "--db", db)
		<-in.done
		if code := exitCode(in.err); code != 1 || !strings.Contains(in.logs.String(), `SKILLPATH_NOW "tomorrow"`) {
			t.Errorf("exit status %d, want 1; stderr: %s", code, in.logs)
		}
	})
}

// exitCode is the status a child process exited with.
func exitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	return -1
}

// TestServeBootstrapAdmin: on an empty database the environment's admin is
// created with the frozen business clock; a restart creates no one else.
func TestServeBootstrapAdmin(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "skillpath.db")
	env := map[string]string{"SKILLPATH_DB": db, "SKILLPATH_ADDR": "127.0.0.1:0", "SKILLPATH_TZ": "Europe/Paris",
		"SKILLPATH_NOW": "2026-01-31T09:00:00+01:00", "SKILLPATH_ADMIN_EMAIL": "boss@example.com", "SKILLPATH_ADMIN_PASSWORD": "boss-password"}
	in := startInProcess(t, env, "serve").await(t)
	out := in.out.text()
	if !strings.Contains(out, "Platform admin boss@example.com created.") || !strings.Contains(out, "time zone: Europe/Paris") {
		t.Errorf("output does not tell of the admin and the time zone:\n%s", out)
	}
	token := login(t, in.URL, "boss@example.com", "boss-password")
	status, _, body := call(t, "GET", in.URL+"/api/v1/me", token, nil)
	var me struct {
		PlatformAdmin bool   `json:"platform_admin"`
		RegisteredAt  string `json:"registered_at"`
	}
	if err := json.Unmarshal(body, &me); status != http.StatusOK || err != nil || !me.PlatformAdmin || me.RegisteredAt != "2026-01-31T08:00:00Z" {
		t.Errorf("GET /api/v1/me: %d %s; want a platform admin registered at SKILLPATH_NOW in UTC", status, body)
	}
	if err := in.shutdown(t); err != nil {
		t.Fatalf("serve: %v", err)
	}

	env["SKILLPATH_ADMIN_EMAIL"] = "other@example.com"
	again := startInProcess(t, env, "serve").await(t)
	if err := again.shutdown(t); err != nil {
		t.Fatalf("serve again: %v", err)
	}
	if out := again.out.text(); strings.Contains(out, "created") {
		t.Errorf("a restart on a non-empty database created an admin:\n%s", out)
	}
	if n := countUsers(t, db); n != 1 {
		t.Errorf("%d users after the restart, want 1", n)
	}
}

// TestServeDemoOnce: --demo on a database that is not empty says so and
// loads nothing.
func TestServeDemoOnce(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "skillpath.db")
	args := []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", db}
	first := startInProcess(t, nil, args...).await(t)
	if err := first.shutdown(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !demoLogin.MatchString(first.out.text()) {
		t.Fatalf("the first start printed no login:\n%s", first.out.text())
	}
	n := countUsers(t, db)
	second := startInProcess(t, nil, args...).await(t)
	if err := second.shutdown(t); err != nil {
		t.Fatalf("serve again: %v", err)
	}
	out := second.out.text()
	if demoLogin.MatchString(out) || !strings.Contains(out, "not loaded again") {
		t.Errorf("the second start's output:\n%s\nwant the demo not loaded again", out)
	}
	if again := countUsers(t, db); again != n {
		t.Errorf("%d users after the second start, %d after the first", again, n)
	}
}

func countUsers(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(context.Background(), db, testdb.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConfigErrors: a bad command line or environment stops the command
// with an error that names the setting at fault.
func TestConfigErrors(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "skillpath.db")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string // parts of the error message
	}{
		{"no command", nil, nil, []string{"a command is required"}},
		{"unknown command", []string{"launch"}, nil, []string{`unknown command "launch"`}},
		{"unknown flag", []string{"serve", "--port", "80"}, nil, []string{"-port"}},
		{"SKILLPATH_NOW not a time", []string{"serve"}, map[string]string{"SKILLPATH_NOW": "yesterday"}, []string{`SKILLPATH_NOW "yesterday"`, "RFC 3339"}},
		{"SKILLPATH_NOW without offset", []string{"serve"}, map[string]string{"SKILLPATH_NOW": "2026-01-31T09:00:00"}, []string{"SKILLPATH_NOW", "RFC 3339"}},
		{"unknown --timezone", []string{"serve", "--timezone", "Mars/Olympus"}, nil, []string{`--timezone "Mars/Olympus"`, "time zone"}},
		{"unknown SKILLPATH_TZ", []string{"serve"}, map[string]string{"SKILLPATH_TZ": "Atlantis"}, []string{`"Atlantis"`, "time zone"}},
		{"admin email without password", []string{"serve"}, map[string]string{"SKILLPATH_ADMIN_EMAIL": "a@example.com"}, []string{"SKILLPATH_ADMIN_EMAIL", "SKILLPATH_ADMIN_PASSWORD"}},
		{"admin password too short", []string{"serve"}, map[string]string{"SKILLPATH_ADMIN_EMAIL": "a@example.com", "SKILLPATH_ADMIN_PASSWORD": "short"}, []string{"first platform admin", "password"}},
		{"unknown --paper", []string{"serve", "--paper", "a3"}, nil, []string{`--paper "a3"`, "a4 or letter"}},
		{"unknown SKILLPATH_PAPER", []string{"serve"}, map[string]string{"SKILLPATH_PAPER": "legal"}, []string{`"legal"`, "a4 or letter"}},
		{"admin email not an email", []string{"serve"}, map[string]string{"SKILLPATH_ADMIN_EMAIL": "boss", "SKILLPATH_ADMIN_PASSWORD": "boss-password"}, []string{"first platform admin", "email"}},
		// Issue 10: a base URL that cannot prefix activity IRIs.
		{"base URL with a space", []string{"serve", "--base-url", "http://learn.example.com/my academy"}, nil, []string{"--base-url", `"http://learn.example.com/my academy"`, "position 28", "%20"}},
		{"SKILLPATH_BASE_URL with a quote", []string{"serve"}, map[string]string{"SKILLPATH_BASE_URL": `https://learn.example.com/"x"`}, []string{"SKILLPATH_BASE_URL", "%22"}},
		{"base URL with a query", []string{"serve", "--base-url", "https://learn.example.com/?org=7"}, nil, []string{"--base-url", "query or fragment"}},
		{"base URL with a fragment", []string{"serve", "--base-url", "https://learn.example.com/#top"}, nil, []string{"--base-url", "query or fragment"}},
		{"base URL with an empty query", []string{"serve", "--base-url", "https://learn.example.com/?"}, nil, []string{"--base-url", "query or fragment"}},
		{"base URL without host", []string{"serve", "--base-url", "https:///academy"}, nil, []string{"--base-url", "names no host"}},
		{"base URL not http", []string{"serve", "--base-url", "ftp://learn.example.com"}, nil, []string{"--base-url", "http or https"}},
		{"base URL without scheme", []string{"serve", "--base-url", "learn.example.com"}, nil, []string{"--base-url", "http or https"}},
		{"base URL with a stray %", []string{"serve", "--base-url", "https://learn.example.com/100%"}, nil, []string{"--base-url", "%25"}},
		{"base URL with credentials", []string{"serve", "--base-url", "https://me:pw@learn.example.com"}, nil, []string{"--base-url", "no user name"}},
		{"base URL with a port out of range", []string{"serve", "--base-url", "http://learn.example.com:99999/"}, nil, []string{"--base-url", "1 to 65535"}},
		{"base URL with a bad host", []string{"serve", "--base-url", "https://learn_example.com"}, nil, []string{"--base-url", "not a host name"}},
		// Issue 18: the platform currency is an ISO 4217 code.
		{"--currency a symbol", []string{"serve", "--currency", "€"}, nil, []string{"--currency", `"€"`, "ISO 4217"}},
		{"SKILLPATH_CURRENCY unknown", []string{"serve"}, map[string]string{"SKILLPATH_CURRENCY": "EURO"}, []string{`"EURO"`, "ISO 4217"}},
		{"SKILLPATH_LRS_ALLOW_PRIVATE not a boolean", []string{"serve"}, map[string]string{"SKILLPATH_LRS_ALLOW_PRIVATE": "maybe"}, []string{"SKILLPATH_LRS_ALLOW_PRIVATE", "true or false"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"SKILLPATH_DB": db, "SKILLPATH_ADDR": "127.0.0.1:0"}
			for k, v := range tc.env {
				env[k] = v
			}
			// Were serve to start by mistake, it would run until this ends.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr testdb.Buffer
			err := run(ctx, tc.args, func(k string) string { return env[k] }, &stdout, &stderr)
			if err == nil {
				t.Fatalf("no error; stdout: %s", stdout.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
