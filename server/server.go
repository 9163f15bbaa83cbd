// Package server is skillpath's HTTP side: the JSON API of SPEC §5, the web
// pages, authentication, and the one mapping of domain errors to statuses.
package server

import (
	"html/template"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/klauspost/compress/gzhttp"

	"skillpath"
	"skillpath/store"
)

// Server answers HTTP requests from the store's facts.
type Server struct {
	Store *store.Store
	Log   *slog.Logger
	// Metrics serves GET /metrics in the Prometheus text format; nil
	// answers 404. Set it before serving.
	Metrics http.Handler
	mux     *http.ServeMux
	// compressed is mux behind the response compression (compress).
	compressed http.Handler

	templates map[string]*template.Template // the pages, by file name
}

// New returns a server with every route registered.
func New(st *store.Store, log *slog.Logger) *Server {
	s := &Server{Store: st, Log: log, mux: http.NewServeMux()}
	s.routes()
	s.compressed = compress(s.mux)
	return s
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

// routes registers every endpoint; each area's handlers live in its own
// api_*.go or page_*.go file.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.apiAccess()
	s.apiUsers()
	s.apiGroups()
	s.apiCatalog()
	s.apiSessions()
	s.apiLearning()
	s.apiResults()
	s.apiLRS()
	s.apiStats()
	s.pages()
}

// handle registers an API handler that needs an authenticated caller.
func (s *Server) handle(pattern string, h func(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		caller, err := s.authenticate(r)
		if err == nil {
			err = h(w, r, caller)
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
				s.Log.Info("request aborted", logAttrs(r, rec.status)...)
				panic(p)
			}
			s.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, r, skillpath.Errorf(skillpath.EINTERNAL, "panic"))
			}
		}
		s.Log.Info("request", append(logAttrs(r, rec.status), slog.Duration("duration", time.Since(start)))...)
	}()
	if err := checkRequestText(r.URL); err != nil {
		if isAPI(r.URL.Path) {
			s.writeError(rec, r, err)
		} else {
			http.Error(rec, skillpath.ErrorMessage(err), http.StatusBadRequest)
		}
		return
	}
	if h, pattern := s.mux.Handler(r); pattern == "" && isAPI(r.URL.Path) {
		s.apiNoRoute(rec, r, h)
		return
	}
	s.compressed.ServeHTTP(rec, r)
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

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
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
