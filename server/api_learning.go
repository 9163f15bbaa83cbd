package server

import (
	"net/http"

	"skillpath"
	"skillpath/store"
)

func (s *Server) apiLearning() {
	s.handle("POST /api/v1/sessions/{id}/enrollments", s.enroll)
	s.handle("GET /api/v1/enrollments/{id}", s.getEnrollment)
	s.handle("DELETE /api/v1/enrollments/{id}", s.deleteEnrollment)
	s.handle("POST /api/v1/enrollments/{id}/approve", s.approveEnrollment)
	s.handle("POST /api/v1/enrollments/{id}/leave", s.leaveEnrollment)
	s.handle("POST /api/v1/trainings/{id}/purchases", s.recordPurchase)
	s.handle("POST /api/v1/enrollments/{id}/start", s.startTraining)
	s.handle("POST /api/v1/enrollments/{id}/activities/{activity_id}/view", s.viewActivity)
	s.handle("POST /api/v1/enrollments/{id}/activities/{activity_id}/answer", s.answerActivity)
	s.handle("POST /api/v1/enrollments/{id}/modules/{module_id}/retake", s.retakeModule)
	s.handle("POST /api/v1/enrollments/{id}/activities/{activity_id}/score", s.scoreActivity)
	s.handle("GET /api/v1/catalog", s.getCatalog)
	s.handle("GET /api/v1/me/enrollments", s.myEnrollments)
	s.handle("GET /api/v1/grading", s.listGrading)
}

// enroll assigns a learner (user_id) or, without user_id, enrolls the caller.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	sessionID, err := pathID(r, "id", "session")
	if err != nil {
		return err
	}
	var in struct {
		UserID *skillpath.ID `json:"user_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	userID, self := caller.ID, true
	if in.UserID != nil {
		a, err := s.Store.Access(r.Context(), caller, *in.UserID, 0)
		if err != nil {
			return err
		}
		switch {
		case a.CanAssign():
			userID, self = *in.UserID, false
		case *in.UserID != caller.ID:
			return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and admins of the learner's groups may enroll another user")
		}
	}
	res, err := s.Store.Enroll(r.Context(), sessionID, userID, caller.ID, self)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

// enrollmentAccess finds the enrollment named in the path and what the
// caller is to it. An enrollment the caller may not see is answered 404, as
// if it did not exist.
func (s *Server) enrollmentAccess(r *http.Request, caller *skillpath.User) (*skillpath.Enrollment, skillpath.Access, error) {
	id, err := pathID(r, "id", "enrollment")
	if err != nil {
		return nil, skillpath.Access{}, err
	}
	e, err := s.Store.FindEnrollment(r.Context(), id)
	if err != nil {
		return nil, skillpath.Access{}, err
	}
	a, err := s.Store.Access(r.Context(), caller, e.UserID, e.TrainingID)
	if err != nil {
		return nil, a, err
	}
	if !a.CanView() {
		return nil, a, skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found", id)
	}
	return e, a, nil
}

// Guards of the learning actions (store.Guard): who may act in enrollment
// id. An enrollment the caller may not see is answered 404, as if it did
// not exist; then 403 for a caller who may see it but not act; then
// pending, the first error of the request's own input, in the order the API
// has always reported them.
type guardFor func(id skillpath.ID, pending error) store.Guard

// viewer lets those who may see the enrollment read it.
func viewer(id skillpath.ID, pending error) store.Guard {
	return func(a skillpath.Access) error {
		if !a.CanView() {
			return skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found", id)
		}
		return pending
	}
}

// staff lets those the rule allows act, among those who may see the enrollment.
func staff(allowed func(skillpath.Access) bool, message string) guardFor {
	return func(id skillpath.ID, pending error) store.Guard {
		return func(a skillpath.Access) error {
			if !a.CanView() {
				return skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found", id)
			}
			if !allowed(a) {
				return skillpath.Errorf(skillpath.EFORBIDDEN, "%s", message)
			}
			return pending
		}
	}
}

var (
	// onlyLearner lets only the enrollment's learner act (SPEC §1).
	onlyLearner = staff(func(a skillpath.Access) bool { return a.Self }, "only the learner may do this in their enrollment")
	scorer      = staff(skillpath.Access.CanScore,
		"only platform admins, the training's instructors and the admins and coaches of the learner's groups may score")
	approver = staff(skillpath.Access.CanApprove, "only platform admins and admins of the learner's groups may approve an enrollment")
)

// learn runs one learning action in the enrollment of the path, in one
// transaction (store.Learn), and answers the result.
func (s *Server) learn(w http.ResponseWriter, r *http.Request, caller *skillpath.User, guard guardFor, act store.Act, pending error) error {
	id, err := pathID(r, "id", "enrollment")
	if err != nil {
		return err
	}
	l, err := s.Store.Learn(r.Context(), id, caller, guard(id, pending), act)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l.Result)
	return nil
}

func (s *Server) getEnrollment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	return s.learn(w, r, caller, viewer, store.Act{Kind: store.ActRead}, nil)
}

func (s *Server) deleteEnrollment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, a, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return err
	}
	if !a.CanAssign() {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and admins of the learner's groups may delete an enrollment")
	}
	if err := s.Store.DeleteEnrollment(r.Context(), e.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) approveEnrollment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	return s.learn(w, r, caller, approver, store.Act{Kind: store.ActApprove, By: caller.ID}, nil)
}

func (s *Server) recordPurchase(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	trainingID, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	var in struct {
		UserID skillpath.ID `json:"user_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.UserID == 0 {
		return skillpath.Invalid("user_id", "is required")
	}
	a, err := s.Store.Access(r.Context(), caller, in.UserID, trainingID)
	if err != nil {
		return err
	}
	if !a.CanAssign() {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and admins of the learner's groups may record a purchase")
	}
	if err := s.Store.RecordPurchase(r.Context(), trainingID, in.UserID, caller.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]skillpath.ID{"training_id": trainingID, "user_id": in.UserID})
	return nil
}

func (s *Server) startTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	return s.learn(w, r, caller, onlyLearner, store.Act{Kind: store.ActStart}, nil)
}

func (s *Server) viewActivity(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	activityID, pending := pathID(r, "activity_id", "activity")
	return s.learn(w, r, caller, onlyLearner, store.Act{Kind: store.ActView, ActivityID: activityID}, pending)
}

func (s *Server) answerActivity(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	activityID, pending := pathID(r, "activity_id", "activity")
	var in struct {
		Response *string `json:"response"`
	}
	if pending == nil {
		pending = decode(w, r, &in)
	}
	if pending == nil && in.Response == nil {
		pending = skillpath.Invalid("response", "is required")
	}
	act := store.Act{Kind: store.ActAnswer, ActivityID: activityID}
	if in.Response != nil {
		act.Response = *in.Response
	}
	return s.learn(w, r, caller, onlyLearner, act, pending)
}

func (s *Server) retakeModule(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	moduleID, pending := pathID(r, "module_id", "module")
	return s.learn(w, r, caller, onlyLearner, store.Act{Kind: store.ActRetake, ModuleID: moduleID}, pending)
}

func (s *Server) scoreActivity(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	activityID, pending := pathID(r, "activity_id", "activity")
	var in struct {
		Score *float64 `json:"score"`
	}
	if pending == nil {
		pending = decode(w, r, &in)
	}
	if pending == nil && in.Score == nil {
		pending = skillpath.Invalid("score", "is required")
	}
	act := store.Act{Kind: store.ActScore, ActivityID: activityID, By: caller.ID}
	if in.Score != nil {
		act.Score = *in.Score
	}
	return s.learn(w, r, caller, scorer, act, pending)
}

func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	list, err := s.Store.Catalog(r.Context(), caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"trainings": list, "currency": s.currency()})
	return nil
}

func (s *Server) myEnrollments(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	list, err := s.Store.UserEnrollments(r.Context(), caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"enrollments": list})
	return nil
}

func (s *Server) listGrading(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	list, err := s.Store.Grading(r.Context(), caller)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"answers": list})
	return nil
}

// leaveEnrollment lets a learner leave a self-enrollment they have not
// started (skillpath.Enrollment.CheckLeave): 204; 404 for an enrollment the
// caller may not see, 403 for staff who see it, 422 when the rule refuses.
func (s *Server) leaveEnrollment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, a, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return err
	}
	if !a.Self {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only the learner may leave their enrollment")
	}
	if err := s.Store.LeaveEnrollment(r.Context(), e.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
