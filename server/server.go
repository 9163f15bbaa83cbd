// Package server is skillpath's HTTP side: the JSON API of SPEC §5, the web
// pages, authentication, and the one mapping of domain errors to statuses.
package server

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzhttp"

	"skillpath"
	"skillpath/netguard"
	"skillpath/store"
)

// Server answers HTTP requests from the store's facts.
type Server struct {
	Store *store.Store
	Log   *slog.Logger
	// Metrics serves GET /metrics in the Prometheus text format; nil
	// answers 404. Set it before serving.
	Metrics http.Handler
	// TrustProxy takes the client's address from the last X-Forwarded-For
	// entry (serve --trust-proxy): set it only behind a reverse proxy that
	// adds that header, or clients could choose the address sign-ins are
	// throttled by.
	TrustProxy bool
	// Certificates configures certificate documents and their public
	// verification (SPEC §8). Set it before serving.
	Certificates CertificateSettings
	documents    documentState
	// LRSGuard decides which LRS endpoints may be saved (SPEC §4); the
	// zero value refuses loopback, link-local and private addresses.
	LRSGuard netguard.Guard
	// ReenrollLead is the default re-enrollment lead of certificates that
	// set none (serve --reenroll-lead-days; 0: store.DefaultReenrollLead).
	ReenrollLead time.Duration
	// ResponseFailed, when set, counts an answer that failed after its
	// handler chose it: "encode" (a value JSON cannot hold, answered 500),
	// "write" (the client went away mid-body) or "aborted" (a streamed
	// download cut after its status was sent). Each is also logged.
	ResponseFailed func(reason string)
	// Currency is the ISO 4217 code every price is in (serve --currency,
	// skillpath.ParseCurrency); "" is skillpath.DefaultCurrency.
	Currency string
	mux      *routeMux
	// compressed is mux behind the response compression (compress).
	compressed http.Handler

	templates map[string]*template.Template // the pages, by file name
	tokens    tokenCache                    // API tokens' users, briefly (tokencache.go)
	// imports holds a token for each import running (importSlot).
	imports    chan struct{}
	importOnce sync.Once
}

// New returns a server with every route registered.
func New(st *store.Store, log *slog.Logger) *Server {
	s := &Server{Store: st, Log: log, mux: &routeMux{ServeMux: http.NewServeMux()}}
	s.routes()
	s.compressed = compress(s.mux)
	return s
}

// NewHTTPServer returns the http.Server that serves h in production, with
// the limits that keep slow or oversized clients from holding connections
// and memory: 10 s to send the headers (slow-header attacks), 60 s for
// the whole request, 2 minutes idle between requests, 1 MiB of request
// line and headers (request bodies are bounded by the handlers).
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
}

// compress wraps h so that its responses are compressed when the client
// accepts it (Accept-Encoding, RFC 9110 §12.5.3): zstd (RFC 8878) when
// offered, else gzip, at the fastest levels, for bodies of 1 KiB or more
// — pages, JSON and CSV alike. A streamed CSV download still streams: the
// compressor passes on what it has at each Flush and whenever its window
// fills, never holding a whole table. Responses vary on Accept-Encoding.
func compress(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(1), gzhttp.MinSize(1024))
	if err != nil {
		panic(err) // constant options: a bug
	}
	return wrap(h)
}

// now is the business time (SKILLPATH_NOW when frozen).
func (s *Server) now() time.Time { return s.Store.Now() }

// currency is the platform's currency code.
func (s *Server) currency() string {
	if s.Currency == "" {
		return skillpath.DefaultCurrency
	}
	return s.Currency
}

// routes registers every endpoint; each area's handlers live in its own
// api_*.go or page_*.go file.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.apiAccess()
	s.apiUsers()
	s.apiGroups()
	s.apiCatalog()
	s.apiRecertification()
	s.apiSessions()
	s.apiLearning()
	s.apiBulk()
	s.apiSessionsEdit()
	s.apiResults()
	s.apiLRS()
	s.apiNotifications()
	s.apiStats()
	s.apiAttachments()
	s.apiOpenAPI()
	s.pages()
	s.certificateDocuments()
}

// Routes lists the pattern of every route the server registered ("GET
// /api/v1/me", "POST /login"), in the order registered: the route table
// that the authorization matrix and the OpenAPI document are checked
// against.
func (s *Server) Routes() []string { return slices.Clone(s.mux.patterns) }

// routeMux is the server's ServeMux, remembering every pattern registered
// on it whichever helper registers it.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// handle registers an API handler that needs an authenticated caller.
func (s *Server) handle(pattern string, h func(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		caller, err := s.authenticate(r)
		if err == nil {
			r = s.audit(r, pattern, caller)
			if bodyless[pattern] {
				err = noBody(w, r)
			}
			if err == nil {
				err = h(w, r, caller)
			}
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// handlePublic registers an API handler that anyone may call.
func (s *Server) handlePublic(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ServeHTTP logs each request, recovers from panics (a bug, answered 500
// without details), and answers unknown API routes in JSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { // a download that failed midway: cut the connection
				s.responseFailed(r, rec.status, "aborted", errors.New("the answer was cut after its status was sent"))
				panic(p)
			}
			s.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, r, skillpath.Errorf(skillpath.EINTERNAL, "panic"))
			}
		}
		if rec.failure != nil {
			s.responseFailed(r, rec.status, rec.failReason, rec.failure)
		}
		s.Log.Info("request", append(logAttrs(r, rec.status), slog.Duration("duration", time.Since(start)))...)
	}()
	if secure(r) {
		rec.Header().Set("Strict-Transport-Security", hsts)
	}
	if err := checkRequestText(r.URL); err != nil {
		if isAPI(r.URL.Path) {
			s.writeError(rec, r, err)
		} else {
			pageHeaders(rec)
			s.pageError(rec, r, &view{}, err)
		}
		return
	}
	if isAPI(r.URL.Path) && !cleanPath(r.URL.Path) {
		// The mux would redirect to the cleaned path (307 for a POST);
		// an API client is told plainly that no endpoint has this path.
		s.writeError(rec, r, skillpath.Errorf(skillpath.ENOTFOUND, "no API endpoint %s (a path has no empty, . or .. segments)", r.URL.Path))
		return
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		if isAPI(r.URL.Path) {
			s.apiNoRoute(rec, r, h)
		} else {
			s.pageNoRoute(rec, r, h)
		}
		return
	}
	s.compressed.ServeHTTP(rec, r)
	s.forgetTokens(r)
}

// hsts tells browsers that reached us over HTTPS to come back only over
// HTTPS for a year (RFC 6797). It is sent whenever the request came over
// TLS, directly or through a proxy that says so — the one decision that
// also makes cookies Secure (see secure) — and never over plain HTTP.
const hsts = "max-age=31536000"

// cleanPath reports whether p has no empty, "." or ".." segment (a
// trailing slash aside).
func cleanPath(p string) bool {
	for _, seg := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func isAPI(path string) bool { return len(path) >= 5 && path[:5] == "/api/" }

// apiNoRoute answers a request no API route matches with the mux's own
// status (404, or 405 with its Allow header) in the API's JSON error shape.
func (s *Server) apiNoRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &statusRecorder{ResponseWriter: discard{header: http.Header{}}, status: http.StatusOK}
	h.ServeHTTP(probe, r)
	if allow := probe.Header().Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	code := skillpath.ENOTFOUND
	msg := "no API endpoint " + r.URL.Path
	if probe.status == http.StatusMethodNotAllowed {
		code = "method_not_allowed"
		msg = r.Method + " is not allowed on " + r.URL.Path
	}
	writeJSON(w, probe.status, errorBody{errorDetail{Code: code, Message: msg}})
}

// responseFailed logs and counts an answer that could not be given as the
// handler meant it.
func (s *Server) responseFailed(r *http.Request, status int, reason string, err error) {
	s.Log.Error("response failed", append(logAttrs(r, status), slog.String("reason", reason), slog.Any("error", err))...)
	if s.ResponseFailed != nil {
		s.ResponseFailed(reason)
	}
}

// responseFailed records on the server's ResponseWriter that the answer
// failed (see Server.ResponseFailed), through any writers wrapped around it
// (the compression's: they Unwrap, as http.ResponseController expects); on
// any other writer it does nothing.
func responseFailed(w http.ResponseWriter, reason string, err error) {
	for {
		switch x := w.(type) {
		case *statusRecorder:
			if x.failure == nil {
				x.failReason, x.failure = reason, err
			}
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return
		}
	}
}

// pageNoRoute answers a request no page matches with the mux's status (404,
// or 405 with its Allow header) as a page of the site: its layout, a
// title, a link home, and the pages' security headers.
func (s *Server) pageNoRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &statusRecorder{ResponseWriter: discard{header: http.Header{}}, status: http.StatusOK}
	h.ServeHTTP(probe, r)
	pageHeaders(w)
	if probe.status != http.StatusNotFound && probe.status != http.StatusMethodNotAllowed {
		h.ServeHTTP(w, r) // the mux's redirect to a path's canonical form
		return
	}
	v := &view{Status: http.StatusNotFound, Title: "Not found", Data: errorPage{Message: "There is no page at this address."}}
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.Header().Get("Allow"))
		v.Status, v.Title = http.StatusMethodNotAllowed, "Not allowed"
		v.Data = errorPage{Message: r.Method + " is not allowed on this page."}
	}
	if err := s.render(w, r, v, "error.html"); err != nil {
		s.Log.Error("render error page", "error", err)
		http.Error(w, v.Title, v.Status)
	}
}

// statusRecorder remembers the status a handler wrote, for the log, and
// whether the answer failed.
type statusRecorder struct {
	http.ResponseWriter
	status     int
	wrote      bool
	failReason string
	failure    error
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush lets streamed downloads (CSV) reach the client as they are written.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// discard is a ResponseWriter that keeps headers and drops the body.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
