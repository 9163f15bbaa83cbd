package server

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
	"skillpath/store"
)

func (s *Server) pagesResults() {
	s.page("GET /trainings", s.pageTrainings)
	s.page("GET /trainings/{id}/results", s.pageResults)
	s.page("GET /trainings/{id}/results.csv", s.pageResultsCSV)
}

// trainingsPage lists the trainings whose results the caller may see.
type trainingsPage struct {
	Trainings []store.StaffTraining
	Tracking  bool // the caller may configure every training's results tracking (platform admin); authors theirs
}

func (s *Server) pageTrainings(w http.ResponseWriter, r *http.Request, v *view) error {
	if !v.Roles.Staff() {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Results are for platform admins, the trainings' authors and instructors, and group admins and coaches.")
	}
	list, err := s.Store.StaffTrainings(r.Context(), v.User)
	if err != nil {
		return err
	}
	v.Title = "Trainings"
	v.Data = trainingsPage{Trainings: list, Tracking: v.Roles.PlatformAdmin}
	return s.render(w, r, v, "trainings.html")
}

// resultsView is a training's results page: the filter panel's state, one page
// of rows and the links to the first and next pages.
type resultsView struct {
	Training *skillpath.Training
	Status   string
	Statuses []statusOption
	Rows     []resultLine
	Next     string // URL of the next page, "" on the last
	First    string // URL of the first page, "" on it
	Tracking bool   // the caller may configure the training's results tracking
	Download string // the CSV of every row under the filter
	Position string // "Learners 51–100 of 2,161"
}

// resultLine is a row of the results page with where it leads: the
// learner's history of the training's certificate, and for a pending
// enrollment the page that acts on it (issue 18).
type resultLine struct {
	store.ResultRow
	History           string // "" when the training grants no certificate
	Action, ActionFor string // the link and its words, "" when nothing waits
}

// statusOption is one choice of the status filter.
type statusOption struct {
	Value, Label string
	Selected     bool
}

// pageResults shows one row per enrollment the caller sees (issue 7), with
// the same reading of the query as GET /api/v1/trainings/{id}/results.
func (s *Server) pageResults(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := s.trainingResults(r, v.User)
	if skillpath.ErrorCode(err) == skillpath.EINVALID {
		v.Error, v.Status = skillpath.ErrorMessage(err), http.StatusBadRequest
	} else if err != nil {
		return err
	}
	a, err := s.Store.Access(r.Context(), v.User, 0, id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rv := resultsView{Training: t, Status: q.Get("status"), Tracking: a.CanConfigureTracking(),
		Download: link("/trainings/"+t.ID.String()+"/results.csv", url.Values{"status": {q.Get("status")}})}
	if q.Get("status") == "" {
		rv.Download = "/trainings/" + t.ID.String() + "/results.csv"
	}
	for _, row := range p.Rows {
		rv.Rows = append(rv.Rows, resultAction(t, row))
	}
	rv.Statuses = append(rv.Statuses, statusOption{Value: "", Label: "All statuses", Selected: rv.Status == ""})
	for _, st := range status.Trainings {
		rv.Statuses = append(rv.Statuses, statusOption{Value: string(st), Label: st.Label(), Selected: rv.Status == string(st)})
	}
	if p.Next != "" {
		rv.Next = withQuery(r.URL, "after", p.Next) + "#results-heading"
	}
	if q.Get("after") != "" {
		rv.First = withQuery(r.URL, "after", "") + "#results-heading"
	}
	if v.Error == "" {
		total, before, err := s.Store.CountTrainingResults(r.Context(), v.User, id, store.ResultsFilter{Status: status.Training(q.Get("status")), After: q.Get("after")})
		if err != nil {
			return err
		}
		rv.Position = position{First: before + 1, Last: before + len(rv.Rows), Total: total}.String()
	}
	v.Title, v.Data = "Results: "+t.Title, rv
	return s.render(w, r, v, "results.html")
}

// withQuery is the page's URL with one query parameter set (removed when
// value is empty) and the others kept: filters live in the URL, so paging,
// bookmarking and the CSV download keep them.
func withQuery(u *url.URL, key, value string) string {
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	out := url.URL{Path: u.Path, RawQuery: q.Encode()}
	return out.String()
}

// resultAction links a row to the learner's records and, when the
// enrollment waits on someone, to the page where they act: the grading
// queue of the training for answers awaiting a score, the approvals for
// an enrollment awaiting one.
func resultAction(t *skillpath.Training, row store.ResultRow) resultLine {
	l := resultLine{ResultRow: row}
	if len(t.CertificateIDs) > 0 {
		l.History = "/certificates/" + t.CertificateIDs[0].String() + "/learners/" + row.UserID.String()
	}
	switch row.Status {
	case status.TrainingAwaitingScoring:
		l.Action, l.ActionFor = "/grading?training="+t.ID.String(), "Score the answers"
	case status.TrainingApprovalPending:
		l.Action, l.ActionFor = "/approvals", "Approve or refuse"
	}
	return l
}

// resultCSV is a row of the results download.
type resultCSV struct{ store.ResultRow }

// Header names the columns as the page does.
func (resultCSV) Header() []string {
	return []string{"Learner name", "Learner email", "Session", "Status", "Modules completed", "Modules", "Progress (%)", "Score (%)",
		"Certificate status", "Enrollment date", "Completion date", "Automatic re-enrollment"}
}

// Cells is the row as CSV shows it, dates as days in zone.
func (r resultCSV) Cells(zone *time.Location) []string {
	score, cert, auto := "", "", "no"
	if r.Score != nil {
		score = number(*r.Score)
	}
	if r.CertificateStatus != nil {
		cert = r.CertificateStatus.Label()
	}
	if r.AutoReenrolled {
		auto = "yes"
	}
	return []string{r.Name, r.Email, r.SessionName, r.Status.Label(), strconv.Itoa(r.ModulesCompleted), strconv.Itoa(r.ModulesTotal),
		number(r.Progress), score, cert, report.Date(&r.EnrolledAt, zone), report.Date(r.CompletedAt, zone), auto}
}

// resultsCSVPage is how many rows the download reads at a time: it
// streams, its memory bounded by one page whatever the training's size.
const resultsCSVPage = 500

// pageResultsCSV downloads every row of a training's results under the
// status filter, in the page's order: results-TITLE-DATE.csv.
func (s *Server) pageResultsCSV(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return err
	}
	if !v.Roles.Staff() { // the roles the page wrapper read
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Results are for platform admins, the trainings' authors and instructors, and group admins and coaches.")
	}
	f := store.ResultsFilter{Status: status.Training(r.URL.Query().Get("status")), Limit: resultsCSVPage}
	rows, next, err := s.Store.TrainingResults(r.Context(), v.User, id, f)
	if err != nil {
		return err
	}
	now := s.now()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": "results-" + fileWord(t.Title) + "-" + report.Date(&now, s.Store.Zone) + ".csv"}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	cw, err := report.NewWriter[resultCSV](w, s.Store.Zone)
	if err != nil {
		return err
	}
	for {
		for _, row := range rows {
			if err := cw.Write(resultCSV{row}); err != nil {
				panic(http.ErrAbortHandler)
			}
		}
		if next == "" {
			break
		}
		f.After = next
		if rows, next, err = s.Store.TrainingResults(r.Context(), v.User, id, f); err != nil {
			s.Log.Error("results download failed", "path", r.URL.Path, "error", err)
			panic(http.ErrAbortHandler) // the download has begun: break it, not a short file
		}
	}
	if err := cw.Flush(); err != nil {
		panic(http.ErrAbortHandler)
	}
	return nil
}

// fileWord is a title as a file name's word: letters and digits, other
// runs of characters as one "-", at most 60 bytes.
func fileWord(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(title) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "training"
	}
	return b.String()
}
