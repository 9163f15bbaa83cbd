package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/store"
)

func (s *Server) pagesGrading() {
	s.page("GET /grading", s.pageGrading)
	s.page("POST /grading/enrollments/{id}/activities/{activity_id}/score", s.pageScore)
}

// gradingPage lists one page of the answers awaiting scoring in the
// caller's scope, of one training or all, with where it is in the queue.
type gradingPage struct {
	Answers     []store.GradingItem
	Drafts      map[string]string // a refused score by answer anchor, to show it again
	Training    string            // the title of the training the queue is narrowed to
	All         string            // the queue of every training, when narrowed
	Position    string            // "Answers 21–40 of 346"
	First, Next string            // the pager's links
	Back        string            // this page, where a score returns
}

// gradingPageSize is how many answers a grading page shows.
const gradingPageSize = 20

func (s *Server) pageGrading(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	if r.Method == http.MethodPost { // a refused score: the queue the form came from
		if u, err := url.Parse(localPath(r.PostForm.Get("back"))); err == nil && u.Path == "/grading" {
			q = u.Query()
		}
	}
	gq := store.GradingQuery{Limit: gradingPageSize, After: q.Get("after")}
	p := gradingPage{Back: link("/grading", q)}
	if d, ok := v.Data.(map[string]string); ok {
		p.Drafts = d
	}
	if t := q.Get("training"); t != "" {
		id, ok := skillpath.ParseID(t)
		if !ok {
			return skillpath.Invalid("training", "%q is not a training id", t)
		}
		training, err := s.Store.FindTraining(r.Context(), id)
		if err != nil {
			return err
		}
		gq.TrainingID, p.Training, p.All = id, training.Title, "/grading"
	}
	queue, err := s.Store.GradingPage(r.Context(), v.User, gq)
	if skillpath.ErrorCode(err) == skillpath.EINVALID { // a cursor of an answer scored since: the queue moved
		gq.After = ""
		queue, err = s.Store.GradingPage(r.Context(), v.User, gq)
	}
	if err != nil {
		return err
	}
	p.Answers = queue.Items
	if len(queue.Items) > 0 {
		p.Position = "Answers " + thousands(queue.Before+1) + "–" + thousands(queue.Before+len(queue.Items)) + " of " + thousands(queue.Total)
		if queue.Before == 0 && len(queue.Items) == queue.Total {
			p.Position = thousands(queue.Total) + " answer"
			if queue.Total != 1 {
				p.Position += "s"
			}
		}
	}
	page := &url.URL{Path: "/grading", RawQuery: q.Encode()}
	if queue.Next != "" {
		p.Next = withQuery(page, "after", queue.Next) + "#queue"
	}
	if gq.After != "" {
		p.First = withQuery(page, "after", "") + "#queue"
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
		pending: pending, anchor: anchor, again: s.pageGrading, next: gradingBack(r.PostForm.Get("back")), flash: "The score is saved."}
	if err != nil {
		f.act = store.Act{Kind: store.ActRead}
		f.refuse = skillpath.Invalid("score", "Enter the score as a number, such as 7 or 7.5.")
	}
	return s.do(w, r, v, f)
}

// gradingBack is the grading page a score came from (its training and
// page), "/grading" when the form says none or something else.
func gradingBack(back string) string {
	u, err := url.Parse(localPath(back))
	if err != nil || u.Path != "/grading" {
		return "/grading"
	}
	return link("/grading", u.Query()) + "#queue"
}
