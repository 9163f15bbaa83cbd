package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"skillpath/internal/testdb"
)

// startTimeout bounds how long serve may take to listen: migrations and,
// with --demo, some sixty password hashes.
const startTimeout = 2 * time.Minute

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// output collects what serve prints on stdout, line by line, and tells
// when it says where it listens.
type output struct {
	mu     sync.Mutex
	lines  []string
	url    chan string   // receives the listening URL once
	closed chan struct{} // closed when stdout ends
}

func watch(r io.Reader) *output {
	o := &output{url: make(chan string, 1), closed: make(chan struct{})}
	go func() {
		defer close(o.closed)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			o.mu.Lock()
			o.lines = append(o.lines, sc.Text())
			o.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				o.url <- m[1]
			}
		}
	}()
	return o
}

func (o *output) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.lines, "\n")
}

// instance is one running `skillpath serve`, in-process or a child process.
type instance struct {
	out  *output
	logs *testdb.Buffer // stderr: the log
	done chan struct{}  // closed once serve has returned or the process exited
	err  error          // serve's error, or the process's exit, once done
	stop func()         // asks for a graceful shutdown
	kill func()         // ends it at once, for a test that failed midway
	URL  string
}

// await waits until serve listens and records its URL; it fails the test
// with the output when serve ends first.
func (in *instance) await(t *testing.T) *instance {
	t.Helper()
	select {
	case in.URL = <-in.out.url:
		return in
	case <-in.done:
		t.Fatalf("serve ended before listening: %v\nstdout:\n%s\nstderr:\n%s", in.err, in.out.text(), in.logs)
	case <-time.After(startTimeout):
		t.Fatalf("serve did not listen within %s\nstdout:\n%s\nstderr:\n%s", startTimeout, in.out.text(), in.logs)
	}
	return nil
}

// shutdown stops serve gracefully and returns how it ended.
func (in *instance) shutdown(t *testing.T) error {
	t.Helper()
	in.stop()
	select {
	case <-in.done:
		return in.err
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30s\nstderr:\n%s", in.logs)
		return nil
	}
}

// cleanup ends the instance if the test left it running.
func (in *instance) cleanup(t *testing.T) {
	t.Cleanup(func() {
		select {
		case <-in.done:
		default:
			in.kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("serve stdout:\n%s\nstderr:\n%s", in.out.text(), in.logs)
		}
	})
}

// startInProcess runs `skillpath args…` through run, with env as the whole
// environment.
func startInProcess(t *testing.T, env map[string]string, args ...string) *instance {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	in := &instance{out: watch(pr), logs: &testdb.Buffer{}, done: make(chan struct{}), stop: cancel, kill: cancel}
	go func() {
		in.err = run(ctx, args, func(k string) string { return env[k] }, pw, in.logs)
		pw.Close()
		close(in.done)
	}()
	in.cleanup(t)
	return in
}

// buildBinary compiles the command into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "skillpath")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs the built command as a child process. Its environment
// is the test's without SKILLPATH_* variables, plus env.
func startBinary(t *testing.T, bin string, env map[string]string, args ...string) *instance {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SKILLPATH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	pr, pw := io.Pipe()
	in := &instance{out: watch(pr), logs: &testdb.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = pw, in.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.stop = func() { _ = cmd.Process.Signal(syscall.SIGTERM) }
	in.kill = func() { _ = cmd.Process.Kill() }
	go func() {
		in.err = cmd.Wait()
		pw.Close()
		close(in.done)
	}()
	in.cleanup(t)
	return in
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends a request with an optional bearer token and JSON body and
// returns the status, the Content-Type and the body.
func call(t *testing.T, method, url, token string, body any) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// login exchanges credentials for a token, failing the test otherwise.
func login(t *testing.T, url, email, password string) string {
	t.Helper()
	status, _, body := call(t, "POST", url+"/api/v1/tokens", "", map[string]string{"email": email, "password": password})
	var tok struct{ Token string }
	if err := json.Unmarshal(body, &tok); status != http.StatusCreated || err != nil || tok.Token == "" {
		t.Fatalf("POST /api/v1/tokens as %s: %d %s", email, status, body)
	}
	return tok.Token
}
