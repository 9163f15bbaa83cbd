package server

import (
	"net/http"
	"net/url"

	"skillpath"
	"skillpath/status"
	"skillpath/store"
)

func (s *Server) pagesResults() {
	s.page("GET /trainings", s.pageTrainings)
	s.page("GET /trainings/{id}/results", s.pageResults)
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
	Rows     []store.ResultRow
	Next     string // URL of the next page, "" on the last
	First    string // URL of the first page, "" on it
	Tracking bool   // the caller may configure the training's results tracking
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
	rv := resultsView{Training: t, Status: q.Get("status"), Rows: p.Rows, Tracking: a.CanConfigureTracking()}
	rv.Statuses = append(rv.Statuses, statusOption{Value: "", Label: "All statuses", Selected: rv.Status == ""})
	for _, st := range status.Trainings {
		rv.Statuses = append(rv.Statuses, statusOption{Value: string(st), Label: st.Label(), Selected: rv.Status == string(st)})
	}
	if p.Next != "" {
		rv.Next = withQuery(r.URL, "after", p.Next)
	}
	if q.Get("after") != "" {
		rv.First = withQuery(r.URL, "after", "")
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
