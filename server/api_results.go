package server

import (
	"net/http"

	"skillpath"
	"skillpath/status"
	"skillpath/store"
)

func (s *Server) apiResults() {
	s.handle("GET /api/v1/trainings/{id}/results", s.listResults)
}

// resultsPage is one page of a training's results: the JSON twin of the
// results page, {rows, next?} like the statistics of SPEC §5.
type resultsPage struct {
	Rows []store.ResultRow `json:"rows"`
	Next string            `json:"next,omitempty"`
}

// trainingResults reads the page of results the request asks for (query
// status, limit, after), for staff only: platform admins, the training's
// authors and instructors, group admins and coaches. Returns EFORBIDDEN for
// anyone else.
func (s *Server) trainingResults(r *http.Request, caller *skillpath.User) (resultsPage, error) {
	trainingID, err := pathID(r, "id", "training")
	if err != nil {
		return resultsPage{}, err
	}
	roles, err := s.Store.UserRoles(r.Context(), caller)
	if err != nil {
		return resultsPage{}, err
	}
	if !roles.Staff() {
		return resultsPage{}, skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins, the training's authors and instructors, and group admins and coaches may see results")
	}
	q := r.URL.Query()
	limit, after, err := page(q, 50, 500)
	if err != nil {
		return resultsPage{}, err
	}
	rows, next, err := s.Store.TrainingResults(r.Context(), caller, trainingID,
		store.ResultsFilter{Status: status.Training(q.Get("status")), After: after, Limit: limit})
	return resultsPage{Rows: rows, Next: next}, err
}

func (s *Server) listResults(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	p, err := s.trainingResults(r, caller)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
