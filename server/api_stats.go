package server

import (
	"context"
	"mime"
	"net/http"
	"strings"

	"skillpath"
	"skillpath/report"
	"skillpath/store"
)

// apiStats registers the certificate statistics of SPEC §3 and §5: each
// table as JSON, or as CSV when the path ends in .csv or the request
// accepts text/csv.
func (s *Server) apiStats() {
	for _, csv := range []string{"", ".csv"} {
		s.handle("GET /api/v1/stats/certificates"+csv, s.statsCertificates)
		s.handle("GET /api/v1/stats/certificates/{id}/learners"+csv, s.statsLearners)
		s.handle("GET /api/v1/stats/certificates/{id}/certified"+csv, s.statsCertified)
		s.handle("GET /api/v1/stats/certificates/{id}/paths"+csv, s.statsPaths)
		s.handle("GET /api/v1/stats/certificates/{id}/learners/{user_id}/history"+csv, s.statsHistory)
	}
}

// Learners pages: 50 rows unless limit says otherwise, at most 1000.
const (
	statsPageSize    = 50
	statsMaxPageSize = 1000
)

// statsRequest is what every statistics table starts from: the caller's
// scope (403 for a learner) and the filters (400 naming the parameter).
func (s *Server) statsRequest(r *http.Request, caller *skillpath.User) (report.Scope, report.Filter, error) {
	sc, err := s.Store.StatsScope(r.Context(), caller)
	if err != nil {
		return sc, report.Filter{}, err
	}
	f, err := report.ParseFilter(r.URL.Query(), s.Store.Zone)
	if err != nil {
		return sc, f, err
	}
	return sc, f, s.Store.CheckFilter(r.Context(), f)
}

func (s *Server) statsCertificates(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	sc, f, err := s.statsRequest(r, caller)
	if err != nil {
		return err
	}
	o, err := report.ParseListSort(r.URL.Query())
	if err != nil {
		return err
	}
	return serveWholeTable(s, w, r, "path-certificates", func(emit func(report.CertificateRow) error) error {
		return s.Store.SortedCertificateStats(r.Context(), sc, f, o, emit)
	})
}

func (s *Server) statsLearners(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	return s.statsLearnerList(w, r, caller, "learners", s.Store.CertificateLearners)
}

func (s *Server) statsCertified(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	return s.statsLearnerList(w, r, caller, "certified learners", s.Store.CertifiedLearners)
}

// learnerList reads a learners table: all of a certificate's learners or
// its certified ones.
type learnerList func(ctx context.Context, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, p store.Page, fn func(report.LearnerRow) error) (string, error)

func (s *Server) statsLearnerList(w http.ResponseWriter, r *http.Request, caller *skillpath.User, name string, read learnerList) error {
	id, err := pathID(r, "id", "certificate")
	if err != nil {
		return err
	}
	sc, f, err := s.statsRequest(r, caller)
	if err != nil {
		return err
	}
	lq, err := report.ParseLearnerQuery(r.URL.Query(), s.Store.Zone)
	if err != nil {
		return err
	}
	return serveTable(s, w, r, s.downloadName(r, id, name), func(emit func(report.LearnerRow) error, p store.Page) (string, error) {
		return read(r.Context(), sc, f, lq, id, p, emit)
	})
}

func (s *Server) statsPaths(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "certificate")
	if err != nil {
		return err
	}
	sc, _, err := s.statsRequest(r, caller)
	if err != nil {
		return err
	}
	return serveWholeTable(s, w, r, s.downloadName(r, id, "paths"), func(emit func(report.PathRow) error) error {
		return s.Store.CertificatePaths(r.Context(), sc, id, emit)
	})
}

func (s *Server) statsHistory(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "certificate")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user_id", "user")
	if err != nil {
		return err
	}
	sc, f, err := s.statsRequest(r, caller)
	if err != nil {
		return err
	}
	return serveWholeTable(s, w, r, s.downloadName(r, id, "history of learner "+userID.String()), func(emit func(report.HistoryRow) error) error {
		return s.Store.CertificateHistory(r.Context(), sc, f, id, userID, emit)
	})
}

// tablePage is the JSON of a statistics table (SPEC §5).
type tablePage[R any] struct {
	Rows []R    `json:"rows"`
	Next string `json:"next,omitempty"`
}

// serveWholeTable is serveTable for a table that is not paged (SPEC §5:
// only the learners tables page): its JSON holds every row, like its CSV,
// and limit or after, which it would not honour, are refused (EINVALID
// naming the parameter) rather than ignored.
func serveWholeTable[R report.Row](s *Server, w http.ResponseWriter, r *http.Request, file string, read func(emit func(R) error) error) error {
	q := r.URL.Query()
	for _, name := range []string{"limit", "after"} {
		if q.Has(name) {
			return skillpath.Invalid(name, "this table is not paged: it answers every row (leave out %s)", name)
		}
	}
	return serveTable(s, w, r, file, func(emit func(R) error, _ store.Page) (string, error) {
		return "", read(emit)
	})
}

// serveTable answers one statistics table, reading it with read: as JSON
// (one page, sized by limit and after), or as a CSV download named
// file-DATE.csv holding every row, streamed as the store reads it.
// Nothing is written before the store has read its first row or finished,
// so a refusal (not found, a bad cursor) is still a JSON error.
func serveTable[R report.Row](s *Server, w http.ResponseWriter, r *http.Request, file string, read func(emit func(R) error, p store.Page) (string, error)) error {
	limit, after, err := page(r.URL.Query(), statsPageSize, statsMaxPageSize)
	if err != nil {
		return err
	}
	if !wantsCSV(r) {
		out := tablePage[R]{Rows: []R{}}
		out.Next, err = read(func(row R) error {
			out.Rows = append(out.Rows, row)
			return nil
		}, store.Page{Limit: limit, After: after})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	var cw *report.Writer[R]
	start := func() error {
		now := s.now()
		day := report.Date(&now, s.Store.Zone)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		sep := "-" // path-certificates-DATE.csv; "Title - what - DATE.csv"
		if strings.Contains(file, " ") {
			sep = " - "
		}
		w.Header().Set("Content-Disposition", attachmentDisposition(file+sep+day+".csv"))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		var err error
		cw, err = report.NewWriter[R](w, s.Store.Zone)
		return err
	}
	_, err = read(func(row R) error {
		if cw == nil {
			if err := start(); err != nil {
				return err
			}
		}
		return cw.Write(row)
	}, store.Page{})
	switch {
	case err != nil && cw == nil:
		return err
	case err == nil && cw == nil:
		err = start()
	}
	if err == nil {
		err = cw.Flush()
	}
	if err != nil {
		// The download has begun: the status is sent. Abort the connection
		// so the client sees a broken download, not a short file.
		s.Log.Error("CSV download failed", "path", r.URL.Path, "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// wantsCSV reports whether the request asks for CSV: a path ending in .csv
// or an Accept header naming text/csv.
func wantsCSV(r *http.Request) bool {
	if strings.HasSuffix(r.URL.Path, ".csv") {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, params, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" && params["q"] != "0" {
			return true
		}
	}
	return false
}
