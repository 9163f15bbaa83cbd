package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"skillpath"
	"skillpath/server/input"
)

// maxBodyBytes is the largest request body accepted (413 above it).
const maxBodyBytes = input.MaxBodyBytes

// decode reads one JSON object from the body into v, exactly: see
// input.Decode.
func decode(w http.ResponseWriter, r *http.Request, v any) error { return input.Decode(w, r, v) }

// writeJSON answers v as JSON with the given status. The body is encoded
// in full before the status is sent, so a value that cannot be encoded (a
// time outside RFC 3339's years, a NaN) is a logged 500, never a 2xx with
// an empty or cut body; the failure is reported to the server (its log
// line and metric) through the ResponseWriter.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		responseFailed(w, "encode", fmt.Errorf("encode the JSON answer: %w", err))
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errorBody{errorDetail{Code: skillpath.EINTERNAL, Message: skillpath.ErrorMessage(err)}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		responseFailed(w, "write", err)
	}
}
