package server

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"skillpath"
)

// attachmentDisposition is the Content-Disposition of a download named
// name (issue 18): RFC 6266's filename, quoted, in ASCII (other letters
// become "_") for old clients, and, when the name is not plain ASCII,
// RFC 5987's filename* in UTF-8 with the name as it is, which browsers
// prefer. Path separators and control characters never reach the name.
func attachmentDisposition(name string) string {
	var clean, ascii strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			r = '-'
		case unicode.IsControl(r):
			continue
		}
		clean.WriteRune(r)
		switch {
		case r == '"':
			ascii.WriteRune('\'')
		case r > unicode.MaxASCII:
			ascii.WriteRune('_')
		default:
			ascii.WriteRune(r)
		}
	}
	h := `attachment; filename="` + ascii.String() + `"`
	if clean.String() != ascii.String() {
		h += "; filename*=UTF-8''" + strings.ReplaceAll(url.PathEscape(clean.String()), "+", "%2B")
	}
	return h
}

// downloadName is the name of a certificate's table download: its title,
// what the table is and the day, "Forklift licence - learners - 2026-11-22.csv".
// The title is read only for a CSV request, and a certificate the caller
// may not see is never named: its download is refused before the header.
func (s *Server) downloadName(r *http.Request, id skillpath.ID, what string) string {
	if !wantsCSV(r) {
		return ""
	}
	c, err := s.Store.FindCertificate(r.Context(), id)
	if err != nil {
		return "certificate " + id.String() + " - " + what
	}
	return c.Title + " - " + what
}
