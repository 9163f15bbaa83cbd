package server

import (
	"net/http"

	"skillpath"
	"skillpath/store"
)

func (s *Server) pagesLearn() {
	s.page("GET /learn", s.pageLearn)
	s.page("POST /learn/enroll", s.pageEnroll)
}

// learnPage is the learner's home: their trainings and the catalog.
type learnPage struct {
	Enrollments  []store.EnrollmentSummary
	Catalog      []store.CatalogEntry
	Certificates []store.HeldCertificate // the learner's, latest delivery of each (issue 18)
}

// pageLearn lists the learner's enrollments (GET /api/v1/me/enrollments) and
// the catalog with its actions (GET /api/v1/catalog).
func (s *Server) pageLearn(w http.ResponseWriter, r *http.Request, v *view) error {
	mine, err := s.Store.UserEnrollments(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	catalog, err := s.Store.Catalog(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	held, err := s.Store.UserCertificates(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	v.Title, v.Data = "Learn", learnPage{Enrollments: mine, Catalog: catalog, Certificates: held}
	return s.render(w, r, v, "learn.html")
}

// pageEnroll enrolls the signed-in learner in the session chosen in the
// catalog, as POST /api/v1/sessions/{id}/enrollments does without user_id,
// and opens the player.
func (s *Server) pageEnroll(w http.ResponseWriter, r *http.Request, v *view) error {
	sessionID, ok := skillpath.ParseID(r.PostForm.Get("session_id"))
	if !ok {
		return s.refused(w, r, v, skillpath.Invalid("session_id", "Choose a session."), "", s.pageLearn)
	}
	res, err := s.Store.Enroll(r.Context(), sessionID, v.User.ID, v.User.ID, true)
	if err != nil {
		return s.refused(w, r, v, err, "", s.pageLearn)
	}
	s.flash(w, r, "You are enrolled.")
	return redirect(w, r, "/learn/enrollments/"+res.ID.String())
}
