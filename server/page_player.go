package server

import (
	"html/template"
	"net/http"
	"time"

	"skillpath"
	"skillpath/markdown"
	"skillpath/status"
	"skillpath/store"
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
	s.page("POST /learn/enrollments/{id}/leave", s.pageLeave)
}

// playerPage is one enrollment as its learner sees it.
type playerPage struct {
	Result        *skillpath.EnrollmentResult
	TrainingTitle string
	SessionName   string
	Started       bool
	Modules       []playerModule
	Drafts        map[skillpath.ID]string // refused answers, kept so they need not be typed again
	// Prerequisites, while they are pending: what to pass first (issue 18).
	Prerequisites []store.Prerequisite
	// Renewed: on an automatic re-enrollment, the certificates it renews
	// and when they expire (issue 18).
	Renewed []store.HeldCertificate
	// CanLeave: the learner may leave this enrollment (issue 18).
	CanLeave bool
	// Certificates: each certificate the training grants, with when it was
	// revoked in this enrollment, if it was; Held: those delivered and not
	// revoked, with their true status (valid, expiring soon, expired).
	Certificates []playerCertificate
	Held         []playerCertificate
}

// playerCertificate is a certificate of the enrollment as the player shows it.
type playerCertificate struct {
	skillpath.CertificateResult
	RevokedAt *time.Time
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
	Body          template.HTML // a content activity's Markdown, rendered and sanitised
	URL           string        // a content activity's video or external page
}

func (s *Server) pagePlayer(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r, "id", "enrollment")
	if err != nil {
		return err
	}
	l, err := s.Store.Learn(r.Context(), id, v.User, onlyLearner(id, nil), store.Act{Kind: store.ActRead})
	if err != nil {
		return err
	}
	res, t := l.Result, l.Training
	p := playerPage{Result: res, TrainingTitle: t.Title, SessionName: l.SessionName, Started: res.StartedAt != nil}
	if d, ok := v.Data.(map[skillpath.ID]string); ok {
		p.Drafts = d
	}
	revoked, err := s.Store.RevokedAwards(r.Context(), id)
	if err != nil {
		return err
	}
	e := skillpath.Enrollment{SelfEnrolled: res.SelfEnrolled, AutoReenrolled: res.AutoReenrolled, StartedAt: res.StartedAt, HasProgress: res.Progress > 0}
	for _, c := range res.Certificates {
		pc := playerCertificate{CertificateResult: c}
		if at, ok := revoked[c.CertificateID]; ok && c.DeliveredAt == nil {
			pc.RevokedAt = &at
			pc.Status, pc.Label = status.CertificationRevoked, status.CertificationRevoked.Label()
		}
		if c.DeliveredAt != nil {
			e.HoldsCertificate = true
			p.Held = append(p.Held, pc)
		}
		p.Certificates = append(p.Certificates, pc)
	}
	p.CanLeave = e.CheckLeave() == nil
	if res.Status == status.TrainingPrerequisitesPending {
		if p.Prerequisites, err = s.Store.Prerequisites(r.Context(), v.User.ID, res.TrainingID); err != nil {
			return err
		}
	}
	if res.AutoReenrolled {
		if p.Renewed, err = s.Store.RenewedCertificates(r.Context(), id); err != nil {
			return err
		}
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
				pa.Body, pa.URL = markdown.HTML(def.Body), def.URL
			}
			pm.Activities = append(pm.Activities, pa)
		}
		p.Modules = append(p.Modules, pm)
	}
	v.Title, v.Data = t.Title, p
	return s.render(w, r, v, "player.html")
}

// formAct is a learning action sent by a form.
type formAct struct {
	guard   guardFor
	act     store.Act
	pending error  // an error of the request itself, answered after the guard's
	anchor  string // the element a refusal is shown at
	again   pageFunc
	next    string            // where a success goes
	flash   string            // what it says there
	explain func(error) error // rewords a refusal for the page
	refuse  error             // refused after the guard, without acting (input the page checks itself)
}

// do runs a learning action from a form in one transaction (store.Learn)
// and follows it to f.next. What keeps the caller from the enrollment — it
// is unknown, or not theirs — and f.pending are answered as they are; a
// refused action shows f.again with the reason (refused).
func (s *Server) do(w http.ResponseWriter, r *http.Request, v *view, f formAct) error {
	id, err := pathID(r, "id", "enrollment")
	if err != nil {
		return err
	}
	var checked bool
	var denied error
	l, err := s.Store.Learn(r.Context(), id, v.User, func(a skillpath.Access) error {
		checked, denied = true, f.guard(id, f.pending)(a)
		return denied
	}, f.act)
	switch {
	case err != nil && (!checked || denied != nil):
		return err
	case err != nil:
		if f.explain != nil {
			err = f.explain(err)
		}
		return s.refused(w, r, v, err, f.anchor, f.again)
	case f.refuse != nil:
		return s.refused(w, r, v, f.refuse, f.anchor, f.again)
	}
	if (f.act.Kind == store.ActAnswer || f.act.Kind == store.ActView) && l.Result.Status == status.TrainingPassed {
		// The moment of success (issue 18): the player opens at the box
		// that says so, which takes the focus.
		return redirect(w, r, playerURL(r, "passed"))
	}
	if f.flash != "" {
		s.flash(w, r, f.flash)
	}
	return redirect(w, r, f.next)
}

// playerURL is the player of the enrollment of the path, at the element
// anchor if any.
func playerURL(r *http.Request, anchor string) string {
	u := "/learn/enrollments/" + r.PathValue("id")
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

func (s *Server) pageStart(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.do(w, r, v, formAct{guard: onlyLearner, act: store.Act{Kind: store.ActStart},
		again: s.pagePlayer, next: playerURL(r, ""), flash: "The training has started."})
}

func (s *Server) pageView(w http.ResponseWriter, r *http.Request, v *view) error {
	activityID, pending := pathID(r, "activity_id", "activity")
	anchor := "activity-" + activityID.String()
	return s.do(w, r, v, formAct{guard: onlyLearner, act: store.Act{Kind: store.ActView, ActivityID: activityID}, pending: pending,
		anchor: anchor, again: s.pagePlayer, next: playerURL(r, anchor)})
}

func (s *Server) pageAnswer(w http.ResponseWriter, r *http.Request, v *view) error {
	activityID, pending := pathID(r, "activity_id", "activity")
	anchor := "activity-" + activityID.String()
	response := r.PostForm.Get("response")
	v.Data = map[skillpath.ID]string{activityID: response} // kept if the answer is refused
	return s.do(w, r, v, formAct{guard: onlyLearner, act: store.Act{Kind: store.ActAnswer, ActivityID: activityID, Response: response},
		pending: pending, anchor: anchor, again: s.pagePlayer, next: playerURL(r, anchor), flash: "Your answer is saved.",
		explain: func(err error) error {
			if skillpath.ErrorCode(err) == skillpath.EINVALID && response == "" {
				return skillpath.Invalid("response", "Choose or write an answer before submitting it.")
			}
			return err
		}})
}

// pageLeave lets the learner leave a self-enrollment they have not started
// (POST /api/v1/enrollments/{id}/leave) and goes back to /learn.
func (s *Server) pageLeave(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r, "id", "enrollment")
	if err != nil {
		return err
	}
	if _, err := s.Store.Learn(r.Context(), id, v.User, onlyLearner(id, nil), store.Act{Kind: store.ActRead}); err != nil {
		return err
	}
	if err := s.Store.LeaveEnrollment(r.Context(), id); err != nil {
		return s.refused(w, r, v, err, "leave", s.pagePlayer)
	}
	s.flash(w, r, "You have left the training. You can enroll again from the catalog.")
	return redirect(w, r, "/learn")
}

func (s *Server) pageRetake(w http.ResponseWriter, r *http.Request, v *view) error {
	moduleID, pending := pathID(r, "module_id", "module")
	anchor := "module-" + moduleID.String()
	return s.do(w, r, v, formAct{guard: onlyLearner, act: store.Act{Kind: store.ActRetake, ModuleID: moduleID}, pending: pending,
		anchor: anchor, again: s.pagePlayer, next: playerURL(r, anchor), flash: "A new attempt of the module has started."})
}
