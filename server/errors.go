package server

import (
	"log/slog"
	"net/http"

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
	skillpath.EINTERNAL:        http.StatusInternalServerError,
	skillpath.EUNAVAILABLE:     http.StatusServiceUnavailable,
}

// retryAfter is the Retry-After of a 503, in seconds: about how long a
// database restart or fail-over takes.
const retryAfter = "5"

// classify turns an error from below into what the client is told: a
// database that cannot be reached is EUNAVAILABLE (503, try again), not a
// bug. The cause is logged for the operator either way.
func (s *Server) classify(r *http.Request, err error) error {
	if skillpath.ErrorCode(err) != skillpath.EINTERNAL {
		return err
	}
	if store.IsUnavailable(err) {
		s.Log.Error("database unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
		return skillpath.Errorf(skillpath.EUNAVAILABLE, "The service is unavailable for a moment. Try again shortly.")
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
	if code == skillpath.EUNAVAILABLE {
		w.Header().Set("Retry-After", retryAfter)
	}
	var field string
	if e, ok := err.(*skillpath.Error); ok {
		field = e.Field
	}
	if code == skillpath.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="skillpath"`)
	}
	writeJSON(w, statusOf[code], errorBody{errorDetail{Code: code, Message: skillpath.ErrorMessage(err), Field: field}})
}

// logAttrs is what every request log line carries.
func logAttrs(r *http.Request, status int) []any {
	return []any{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status)}
}
