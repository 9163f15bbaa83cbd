package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"skillpath"
	"skillpath/roster"
)

// importUsers is POST /api/v1/users/import (SPEC §6, issue 14): a CSV body
// of users to create or update, all of it or nothing. With dry_run=true
// it answers the report and writes nothing. A file with problems answers
// 422 with the report (nothing written) and an error object beside it, so
// a client reading either shape is told.
func (s *Server) importUsers(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	dryRun, err := boolQuery(r, "dry_run")
	if err != nil {
		return err
	}
	if err := checkCSVType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	rep, err := s.importFile(w, r, r.Body, dryRun)
	if err != nil {
		return err
	}
	status := http.StatusOK
	body := importAnswer{Report: rep}
	if !rep.OK() {
		status = http.StatusUnprocessableEntity
		body.Error = &errorDetail{Code: skillpath.EUNPROCESSABLE, Message: importRefusal(rep)}
	}
	writeJSON(w, status, body)
	return nil
}

// importAnswer is the report of an import, with an error when it was
// refused.
type importAnswer struct {
	*roster.Report
	Error *errorDetail `json:"error,omitempty"`
}

// importRefusal says why a file was not applied.
func importRefusal(rep *roster.Report) string {
	return "the file has " + quantity(len(rep.Errors), "error") + "; nothing was written: correct them and send the whole file again"
}

// importFile reads an import file of at most roster.MaxBytes and applies
// it (or only plans it, dryRun).
func (s *Server) importFile(w http.ResponseWriter, r *http.Request, body io.Reader, dryRun bool) (*roster.Report, error) {
	release, err := s.importSlot()
	if err != nil {
		return nil, err
	}
	defer release()
	// One buffer of the announced size (within the limit) rather than one
	// grown by doubling: the file is held once.
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= roster.MaxBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(http.MaxBytesReader(w, io.NopCloser(body), roster.MaxBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, skillpath.Errorf(skillpath.ETOOLARGE, "the file is larger than %d MiB: split it into smaller files and import each", roster.MaxBytes>>20)
	} else if err != nil {
		return nil, skillpath.Errorf(skillpath.EINVALID, "the file could not be read: %v", err)
	}
	f := roster.ParseBytes(buf.Bytes(), s.now(), s.Store.Zone)
	buf = bytes.Buffer{} // the file is no longer needed while the store plans it
	rep, err := s.Store.ImportUsers(r.Context(), f, dryRun)
	if err != nil {
		return nil, err
	}
	if rep.Errors == nil {
		rep.Errors = []roster.Problem{}
	}
	return rep, nil
}

// checkCSVType accepts the types browsers and scripts give a CSV file
// (Windows calls it application/vnd.ms-excel); anything else, such as
// curl's default form type, is refused so a wrong body is not read as a
// file.
func checkCSVType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == "text/csv", mt == "application/csv", mt == "text/plain", mt == "application/vnd.ms-excel":
		return nil
	}
	return skillpath.Invalid("Content-Type", "send the file with Content-Type: text/csv (got %q)", ct)
}

// boolQuery reads an optional true/false query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, skillpath.Invalid(name, "must be true or false, not %q", v)
	}
}

// importSlots bounds the imports (API and page, dry runs included) that
// run at once: each holds its file, its lines and the users it compares
// them with, up to some hundreds of MB for a 16 MiB file, so parallel
// imports could exhaust the memory of a small server.
const importSlots = 1

// importRetry is the Retry-After of an import refused while another runs.
const importRetry = 10 * time.Second

// importSlot takes one of the import slots, or returns EUNAVAILABLE (503,
// Retry-After) when every one is taken. Call release when done.
func (s *Server) importSlot() (release func(), err error) {
	s.importOnce.Do(func() { s.imports = make(chan struct{}, importSlots) })
	select {
	case s.imports <- struct{}{}:
		return func() { <-s.imports }, nil
	default:
		return nil, &skillpath.Error{Code: skillpath.EUNAVAILABLE, RetryAfter: importRetry,
			Message: "another import is running: send the file again in a few seconds"}
	}
}
