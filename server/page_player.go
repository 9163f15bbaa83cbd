package server

import (
	"net/http"

	"skillpath"
)

// The player: where a learner takes a training. Every change is a POST with
// the form token, made through the same store methods and the same rule as
// the API (only the learner acts in their enrollment); a GET changes nothing.
func (s *Server) pagesPlayer() {
	s.page("GET /learn/enrollments/{id}", s.pagePlayer)
	s.page("POST /learn/enrollments/{id}/start", s.pageStart)
	s.page("POST /learn/enrollments/{id}/activities/{activity_id}/view", s.pageView)
	s.page("POST /learn/enrollments/{id}/activities/{activity_id}/answer", s.pageAnswer)
	s.page("POST /learn/enrollments/{id}/modules/{module_id}/retake", s.pageRetake)
}

// playerPage is one enrollment as its learner sees it.
type playerPage struct {
	Result        *skillpath.EnrollmentResult
	TrainingTitle string
	SessionName   string
	Started       bool
	Modules       []playerModule
	Drafts        map[skillpath.ID]string // refused answers, kept so they need not be typed again
}

type playerModule struct {
	skillpath.ModuleResult
	Activities []playerActivity
}

// playerActivity is an activity's result with what its form needs.
type playerActivity struct {
	skillpath.ActivityResult
	Choices       []string
	ManualScoring bool
}

func (s *Server) pagePlayer(w http.ResponseWriter, r *http.Request, v *view) error {
	e, err := s.learnerAction(r, v.User)
	if err != nil {
		return err
	}
	res, err := s.Store.Result(r.Context(), e.ID)
	if err != nil {
		return err
	}
	t, err := s.Store.FindTraining(r.Context(), e.TrainingID)
	if err != nil {
		return err
	}
	se, err := s.Store.FindSession(r.Context(), e.SessionID)
	if err != nil {
		return err
	}
	p := playerPage{Result: res, TrainingTitle: t.Title, SessionName: se.Name, Started: res.StartedAt != nil}
	if d, ok := v.Data.(map[skillpath.ID]string); ok {
		p.Drafts = d
	}
	activities := map[skillpath.ID]*skillpath.Activity{}
	for _, m := range t.Modules {
		for _, a := range m.Activities {
			activities[a.ID] = a
		}
	}
	for _, m := range res.Modules {
		pm := playerModule{ModuleResult: m}
		for _, a := range m.Activities {
			pa := playerActivity{ActivityResult: a}
			if def := activities[a.ID]; def != nil {
				pa.Choices, pa.ManualScoring = def.Choices, def.ManualScoring
			}
			pm.Activities = append(pm.Activities, pa)
		}
		p.Modules = append(p.Modules, pm)
	}
	v.Title, v.Data = t.Title, p
	return s.render(w, r, v, "player.html")
}

// playerURL is the player of the enrollment, at the element anchor if any.
func playerURL(e *skillpath.Enrollment, anchor string) string {
	u := "/learn/enrollments/" + e.ID.String()
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

func (s *Server) pageStart(w http.ResponseWriter, r *http.Request, v *view) error {
	e, err := s.learnerAction(r, v.User)
	if err != nil {
		return err
	}
	if err := s.Store.Start(r.Context(), e.ID); err != nil {
		return s.refused(w, r, v, err, "", s.pagePlayer)
	}
	s.flash(w, r, "The training has started.")
	return redirect(w, r, playerURL(e, ""))
}

func (s *Server) pageView(w http.ResponseWriter, r *http.Request, v *view) error {
	e, err := s.learnerAction(r, v.User)
	if err != nil {
		return err
	}
	activityID, err := pathID(r, "activity_id", "activity")
	if err != nil {
		return err
	}
	anchor := "activity-" + activityID.String()
	if err := s.Store.View(r.Context(), e.ID, activityID); err != nil {
		return s.refused(w, r, v, err, anchor, s.pagePlayer)
	}
	return redirect(w, r, playerURL(e, anchor))
}

func (s *Server) pageAnswer(w http.ResponseWriter, r *http.Request, v *view) error {
	e, err := s.learnerAction(r, v.User)
	if err != nil {
		return err
	}
	activityID, err := pathID(r, "activity_id", "activity")
	if err != nil {
		return err
	}
	anchor := "activity-" + activityID.String()
	response := r.PostForm.Get("response")
	if err := s.Store.Answer(r.Context(), e.ID, activityID, response); err != nil {
		v.Data = map[skillpath.ID]string{activityID: response}
		if skillpath.ErrorCode(err) == skillpath.EINVALID && response == "" {
			err = skillpath.Invalid("response", "Choose or write an answer before submitting it.")
		}
		return s.refused(w, r, v, err, anchor, s.pagePlayer)
	}
	s.flash(w, r, "Your answer is saved.")
	return redirect(w, r, playerURL(e, anchor))
}

func (s *Server) pageRetake(w http.ResponseWriter, r *http.Request, v *view) error {
	e, err := s.learnerAction(r, v.User)
	if err != nil {
		return err
	}
	moduleID, err := pathID(r, "module_id", "module")
	if err != nil {
		return err
	}
	anchor := "module-" + moduleID.String()
	if err := s.Store.Retake(r.Context(), e.ID, moduleID); err != nil {
		return s.refused(w, r, v, err, anchor, s.pagePlayer)
	}
	s.flash(w, r, "A new attempt of the module has started.")
	return redirect(w, r, playerURL(e, anchor))
}
