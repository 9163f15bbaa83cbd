// Package lrstest is a stand-in Learning Record Store for tests: a real
// HTTP server on loopback that takes POST …/statements as an xAPI 1.0.3 LRS
// does, records what it receives, and can be told to fail.
package lrstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// LRS is the stand-in. Its zero settings accept every valid statement
// without authentication.
type LRS struct {
	URL string // the endpoint to configure: the server's address + "/xapi"

	mu         sync.Mutex
	login      string
	password   string
	strict     bool                    // 409 for a batch holding an id already stored
	versions   []string                // xAPI versions accepted and listed by About
	script     []Answer                // answers given before anything else, in order
	rejects    map[string]Answer       // statement id → answer for any batch holding it
	hang       chan struct{}           // non-nil: requests wait for it to close
	drop       bool                    // hung requests end in 503 when released, storing nothing
	stored     []map[string]any        // statements held, in the order stored
	held       map[string]bool         // ids stored
	received   map[string]int          // how many times each id was received
	requests   []Request               // every request, in order
	invalid    []string                // validation errors of statements received
	arrived    chan struct{}           // signalled on each request
	storedWait map[int][]chan struct{} // waiters for a number of stored statements
}

// Answer is a scripted answer.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Request is what one request carried.
type Request struct {
	Method, Path    string
	Login, Password string
	Version         string
	ContentType     string
	Statements      int
	Status          int
	At              time.Time
}

// Start runs a stand-in LRS until the test ends.
func Start(t testing.TB) *LRS {
	l := &LRS{versions: []string{"1.0.0", "1.0.1", "1.0.2", "1.0.3"}, rejects: map[string]Answer{}, held: map[string]bool{}, received: map[string]int{},
		arrived: make(chan struct{}, 1000), storedWait: map[int][]chan struct{}{}}
	srv := httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(func() {
		l.Release()
		srv.CloseClientConnections()
		srv.Close()
	})
	l.URL = srv.URL + "/xapi"
	return l
}

// RequireAuth makes the LRS answer 401 unless Basic auth carries login and password.
func (l *LRS) RequireAuth(login, password string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.login, l.password = login, password
}

// Strict makes the LRS answer 409 to a batch holding an id it already
// stores (storing nothing of it), as some LRSs do; by default a statement
// sent again is accepted and ignored.
func (l *LRS) Strict() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.strict = true
}

// Speak makes the LRS accept only these xAPI versions in the
// X-Experience-API-Version header (400 otherwise) and list them in its About
// resource; by default 1.0.0 to 1.0.3.
func (l *LRS) Speak(versions ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.versions = versions
}

// Script queues answers given to the next requests, whatever they hold.
func (l *LRS) Script(answers ...Answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.script = append(l.script, answers...)
}

// Fail queues n answers with the status (and header name, value pairs).
func (l *LRS) Fail(n, status int, header ...string) {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	for range n {
		l.Script(Answer{Status: status, Header: h, Body: fmt.Sprintf(`{"error":"scripted %d"}`, status)})
	}
}

// Reject answers any batch holding the statement with the status and
// body; status 0 accepts the statement again.
func (l *LRS) Reject(statementID string, status int, body string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if status == 0 {
		delete(l.rejects, statementID)
		return
	}
	l.rejects[statementID] = Answer{Status: status, Body: body}
}

// Hang makes requests wait, storing nothing, until Release or until the
// client gives up.
func (l *LRS) Hang() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hang == nil {
		l.hang = make(chan struct{})
	}
}

// Release ends Hang: the waiting requests go on and are answered as usual.
func (l *LRS) Release() { l.release(false) }

// Drop ends Hang as an LRS that went down would: the waiting requests are
// answered 503 and nothing of them is stored or counted.
func (l *LRS) Drop() { l.release(true) }

func (l *LRS) release(drop bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hang != nil {
		l.drop = drop
		close(l.hang)
		l.hang = nil
	}
}

func (l *LRS) serve(w http.ResponseWriter, r *http.Request) {
	login, password, _ := r.BasicAuth()
	req := Request{Method: r.Method, Path: r.URL.Path, Login: login, Password: password, Version: r.Header.Get("X-Experience-API-Version"),
		ContentType: r.Header.Get("Content-Type"), At: time.Now()}
	var raw []json.RawMessage
	decodeErr := json.NewDecoder(r.Body).Decode(&raw)
	req.Statements = len(raw)
	select {
	case l.arrived <- struct{}{}:
	default:
	}
	status, header, body := l.answer(r, req, raw, decodeErr)
	l.mu.Lock()
	req.Status = status
	l.requests = append(l.requests, req)
	l.mu.Unlock()
	for k, v := range header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("X-Experience-API-Version", "1.0.3")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// answer decides the answer as an LRS would, and stores what it accepts.
func (l *LRS) answer(r *http.Request, req Request, raw []json.RawMessage, decodeErr error) (int, http.Header, string) {
	l.mu.Lock()
	hang := l.hang
	l.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return 499, nil, "" // the client went away; nothing is stored
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if hang != nil && l.drop {
		return http.StatusServiceUnavailable, nil, `{"error":"down"}`
	}
	if len(l.script) > 0 {
		a := l.script[0]
		l.script = l.script[1:]
		return a.Status, a.Header, a.Body
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/xapi/about"):
		about, _ := json.Marshal(map[string]any{"version": l.versions})
		return http.StatusOK, nil, string(about)
	case r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/xapi/statements"):
		return http.StatusNotFound, nil, `{"error":"no such resource"}`
	case l.login != "" && (req.Login != l.login || req.Password != l.password):
		return http.StatusUnauthorized, http.Header{"Www-Authenticate": {`Basic realm="LRS"`}}, `{"error":"bad credentials"}`
	case !slices.Contains(l.versions, req.Version):
		return http.StatusBadRequest, nil, fmt.Sprintf(`{"error":"X-Experience-API-Version %s is not supported"}`, req.Version)
	case !strings.HasPrefix(req.ContentType, "application/json"):
		return http.StatusBadRequest, nil, `{"error":"Content-Type must be application/json"}`
	case decodeErr != nil:
		return http.StatusBadRequest, nil, fmt.Sprintf(`{"error":"not a JSON array of statements: %v"}`, decodeErr)
	}
	batch := make([]map[string]any, len(raw))
	ids := make([]string, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &batch[i]); err != nil {
			return http.StatusBadRequest, nil, fmt.Sprintf(`{"error":"statement %d: %v"}`, i, err)
		}
		ids[i], _ = batch[i]["id"].(string)
		l.received[ids[i]]++
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if a, ok := l.rejects[id]; ok {
			return a.Status, a.Header, a.Body
		}
		if err := Validate(batch[i]); err != nil {
			l.invalid = append(l.invalid, err.Error())
			return http.StatusBadRequest, nil, fmt.Sprintf(`{"error":%q}`, err.Error())
		}
		if seen[id] {
			return http.StatusBadRequest, nil, `{"error":"the batch holds one id twice"}`
		}
		seen[id] = true
		if l.strict && l.held[id] {
			return http.StatusConflict, nil, fmt.Sprintf(`{"error":"statement %s exists"}`, id)
		}
	}
	for i, st := range batch {
		if !l.held[ids[i]] {
			l.held[ids[i]] = true
			l.stored = append(l.stored, st)
		}
	}
	for n, waiters := range l.storedWait {
		if len(l.stored) >= n {
			for _, c := range waiters {
				close(c)
			}
			delete(l.storedWait, n)
		}
	}
	out, _ := json.Marshal(ids)
	return http.StatusOK, nil, string(out)
}

// Stored returns the statements the LRS holds, in the order it stored them.
func (l *LRS) Stored() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.stored...)
}

// Received tells how many times a statement id was received, stored or not.
func (l *LRS) Received(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.received[id]
}

// Requests returns every request received so far.
func (l *LRS) Requests() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Request(nil), l.requests...)
}

// Invalid returns the validation errors of statements received.
func (l *LRS) Invalid() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.invalid...)
}

// Arrived is signalled when a request arrives (its answer may still wait).
func (l *LRS) Arrived() <-chan struct{} { return l.arrived }

// WaitStored waits until the LRS holds at least n statements, failing the
// test after timeout.
func (l *LRS) WaitStored(t testing.TB, n int, timeout time.Duration) []map[string]any {
	t.Helper()
	l.mu.Lock()
	if len(l.stored) >= n {
		l.mu.Unlock()
		return l.Stored()
	}
	c := make(chan struct{})
	l.storedWait[n] = append(l.storedWait[n], c)
	l.mu.Unlock()
	select {
	case <-c:
	case <-time.After(timeout):
		t.Fatalf("the LRS holds %d statements after %v, want %d; requests: %+v", len(l.Stored()), timeout, n, l.Requests())
	}
	return l.Stored()
}
