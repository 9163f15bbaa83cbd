package server

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// openAPIDocument describes every API route (issue 11): an OpenAPI 3.1
// document kept by hand beside the handlers, checked against the route
// table and validated by the tests. A new route gets its path item here.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag names this build's document, so clients may cache it.
var openAPIETag = func() string {
	h := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(h[:8]) + `"`
}()

func (s *Server) apiOpenAPI() {
	s.handlePublic("GET /api/v1/openapi.json", s.getOpenAPI)
}

// getOpenAPI serves the document to anyone, cacheable for an hour and
// revalidated by its ETag (304 when unchanged).
func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", openAPIETag)
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(openAPIDocument))
	return nil
}
