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

// gradingScorer is the API's rule (skillpath.Access.CanScore), said for the page.
var gradingScorer = staff(skillpath.Access.CanScore,
	"Only platform admins, the training's instructors and the admins and coaches of the learner's groups may score.")

// pageScore scores one answer in one transaction (store.Learn).
func (s *Server) pageScore(w http.ResponseWriter, r *http.Request, v *view) error {
	activityID, pending := pathID(r, "activity_id", "activity")
	anchor := answerAnchor(r.PathValue("id"), activityID.String())
	text := strings.TrimSpace(r.PostForm.Get("score"))
	v.Data = map[string]string{anchor: text}
	score, err := strconv.ParseFloat(text, 64)
	f := formAct{guard: gradingScorer, act: store.Act{Kind: store.ActScore, ActivityID: activityID, Score: score, By: v.User.ID},
		pending: pending, anchor: anchor, again: s.pageGrading, next: "/grading", flash: "The score is saved."}
	if err != nil {
		f.act = store.Act{Kind: store.ActRead}
		f.refuse = skillpath.Invalid("score", "Enter the score as a number, such as 7 or 7.5.")
	}
	return s.do(w, r, v, f)
}
