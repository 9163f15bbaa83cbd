package server

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"skillpath"
	"skillpath/store"
)

// statusOf maps each error code to its HTTP status: the one place where
// domain errors meet HTTP.
var statusOf = map[string]int{
	skillpath.EINVALID:         http.StatusBadRequest,
	skillpath.EUNAUTHORIZED:    http.StatusUnauthorized,
	skillpath.EFORBIDDEN:       http.StatusForbidden,
	skillpath.ENOTFOUND:        http.StatusNotFound,
	skillpath.ECONFLICT:        http.StatusConflict,
	skillpath.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	skillpath.EUNPROCESSABLE:   http.StatusUnprocessableEntity,
	skillpath.ETOOMANYREQUESTS: http.StatusTooManyRequests,
	skillpath.EUNAVAILABLE:     http.StatusServiceUnavailable,
	skillpath.EINTERNAL:        http.StatusInternalServerError,
}

// databaseRetryAfter is the Retry-After of a 503 for an unreachable
// database: about how long a restart or fail-over takes.
const databaseRetryAfter = 5 * time.Second

// classify turns an error from below into what the client is told: a
// database that cannot be reached is EUNAVAILABLE (503, try again), not a
// bug. The cause is logged for the operator either way: as an error, but
// for a request whose client went away before it ended (cancelled), which
// is logged as information.
func (s *Server) classify(r *http.Request, err error) error {
	if skillpath.ErrorCode(err) != skillpath.EINTERNAL {
		return err
	}
	if r.Context().Err() != nil {
		// The client went away (or the server is shutting down) and what
		// the request was doing stopped with it: no fault of the server,
		// and nobody reads the answer.
		s.Log.Info("request ended before its answer", "method", r.Method, "path", r.URL.Path, "error", err)
		return err
	}
	if store.IsUnavailable(err) {
		s.Log.Error("database unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
		e := skillpath.Errorf(skillpath.EUNAVAILABLE, "The service is unavailable for a moment. Try again shortly.")
		e.RetryAfter = databaseRetryAfter
		return e
	}
	s.Log.Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	return err
}

// errorBody is the JSON of every error answer (SPEC §5).
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers err as JSON. Internal errors are logged for the
// operator and shown to the client as "Internal error." only; an
// unreachable database is a 503 with Retry-After.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = s.classify(r, err)
	code := skillpath.ErrorCode(err)
	var field string
	if e, ok := err.(*skillpath.Error); ok {
		field = e.Field
	}
	setRetryAfter(w, err)
	if code == skillpath.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="skillpath"`)
	}
	writeJSON(w, statusOf[code], errorBody{errorDetail{Code: code, Message: skillpath.ErrorMessage(err), Field: field}})
}

// logAttrs is what every request log line carries.
func logAttrs(r *http.Request, status int) []any {
	return []any{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status)}
}

// setRetryAfter sends Retry-After (whole seconds, at least 1) with an error
// that says when to try again (429, 503).
func setRetryAfter(w http.ResponseWriter, err error) {
	var e *skillpath.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
}
