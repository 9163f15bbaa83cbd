package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"skillpath"
	"skillpath/server/input"
)

// maxBodyBytes is the largest request body accepted (413 above it).
const maxBodyBytes = input.MaxBodyBytes

// decode reads one JSON object from the body into v, exactly: see
// input.Decode.
func decode(w http.ResponseWriter, r *http.Request, v any) error { return input.Decode(w, r, v) }

// jsonBuffers keeps the buffers writeJSON encodes into, so that an answer
// (a learner's enrollment is about 4 KB) does not grow a new one each time;
// one grown past maxPooledJSON by a large answer is left to the collector.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledJSON = 64 << 10

// writeJSON answers v as JSON with the given status. The body is encoded
// in full before the status is sent, so a value that cannot be encoded (a
// time outside RFC 3339's years, a NaN) is a logged 500, never a 2xx with
// an empty or cut body; the failure is reported to the server (its log
// line and metric) through the ResponseWriter.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledJSON {
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		responseFailed(w, "encode", fmt.Errorf("encode the JSON answer: %w", err))
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(errorBody{errorDetail{Code: skillpath.EINTERNAL, Message: skillpath.ErrorMessage(err)}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		responseFailed(w, "write", err)
	}
}
