package server

import (
	"net/http"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/store"
)

func (s *Server) pagesGrading() {
	s.page("GET /grading", s.pageGrading)
	s.page("POST /grading/enrollments/{id}/activities/{activity_id}/score", s.pageScore)
}

// gradingPage lists the answers awaiting scoring in the caller's scope.
type gradingPage struct {
	Answers []store.GradingItem
	Drafts  map[string]string // a refused score by answer anchor, to show it again
}

func (s *Server) pageGrading(w http.ResponseWriter, r *http.Request, v *view) error {
	list, err := s.Store.Grading(r.Context(), v.User)
	if err != nil {
		return err
	}
	p := gradingPage{Answers: list}
	if d, ok := v.Data.(map[string]string); ok {
		p.Drafts = d
	}
	v.Title, v.Data = "Grading", p
	return s.render(w, r, v, "grading.html")
}

// answerAnchor is the element id of one answer on the grading page.
func answerAnchor(enrollmentID, activityID string) string {
	return "answer-" + enrollmentID + "-" + activityID
}

// pageScore scores one answer, with the API's rule (skillpath.Access.CanScore).
func (s *Server) pageScore(w http.ResponseWriter, r *http.Request, v *view) error {
	e, a, err := s.enrollmentAccess(r, v.User)
	if err != nil {
		return err
	}
	if !a.CanScore() {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins, the training's instructors and the admins and coaches of the learner's groups may score.")
	}
	activityID, err := pathID(r, "activity_id", "activity")
	if err != nil {
		return err
	}
	anchor := answerAnchor(e.ID.String(), activityID.String())
	text := strings.TrimSpace(r.PostForm.Get("score"))
	v.Data = map[string]string{anchor: text}
	score, perr := strconv.ParseFloat(text, 64)
	if perr != nil {
		return s.refused(w, r, v, skillpath.Invalid("score", "Enter the score as a number, such as 7 or 7.5."), anchor, s.pageGrading)
	}
	if err := s.Store.Score(r.Context(), e.ID, activityID, score, v.User.ID); err != nil {
		return s.refused(w, r, v, err, anchor, s.pageGrading)
	}
	s.flash(w, r, "The score is saved.")
	return redirect(w, r, "/grading")
}
