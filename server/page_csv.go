package server

import (
	"net/http"
	"strings"

	"skillpath"
)

// utf8BOM is the byte-order mark that tells Excel a CSV file is UTF-8.
const utf8BOM = "\ufeff"

// excelCSV serves an API CSV handler as a page's download (issue 14):
// the same bytes as the API, after a UTF-8 byte-order mark. Excel on
// Windows reads a CSV file without one in the machine's ANSI code page,
// showing "Émilie" as "Ã‰milie"; with it, Excel reads UTF-8. The API's CSV
// stays as it was (no mark), byte for byte, for the scripts that read it.
// Errors answered as JSON or HTML get no mark: only a text/csv body does.
func excelCSV(h func(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		return h(&bomWriter{ResponseWriter: w}, r, v.User)
	}
}

// bomWriter writes the byte-order mark before the first byte of a CSV
// body.
type bomWriter struct {
	http.ResponseWriter
	started bool
}

func (b *bomWriter) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		if strings.HasPrefix(b.Header().Get("Content-Type"), "text/csv") {
			if _, err := b.ResponseWriter.Write([]byte(utf8BOM)); err != nil {
				return 0, err
			}
		}
	}
	return b.ResponseWriter.Write(p)
}

// Flush passes a streamed download's flushes on.
func (b *bomWriter) Flush() {
	if f, ok := b.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController and responseFailed reach the
// server's writer.
func (b *bomWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }
