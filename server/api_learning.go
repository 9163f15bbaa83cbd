package server

import (
	"net/http"

	"skillpath"
)

func (s *Server) apiLearning() {
	s.handle("POST /api/v1/sessions/{id}/enrollments", s.enroll)
	s.handle("GET /api/v1/enrollments/{id}", s.getEnrollment)
	s.handle("DELETE /api/v1/enrollments/{id}", s.deleteEnrollment)
	s.handle("POST /api/v1/enrollments/{id}/approve", s.approveEnrollment)
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

// writeResult answers the enrollment's result after an action.
func (s *Server) writeResult(w http.ResponseWriter, r *http.Request, id skillpath.ID) error {
	res, err := s.Store.Result(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getEnrollment(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, _, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
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
	e, a, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return err
	}
	if !a.CanApprove() {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins and admins of the learner's groups may approve an enrollment")
	}
	if err := s.Store.Approve(r.Context(), e.ID, caller.ID); err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
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

// learnerAction resolves an enrollment on which only its learner may act.
func (s *Server) learnerAction(r *http.Request, caller *skillpath.User) (*skillpath.Enrollment, error) {
	e, a, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return nil, err
	}
	if !a.Self {
		return nil, skillpath.Errorf(skillpath.EFORBIDDEN, "only the learner may do this in their enrollment")
	}
	return e, nil
}

func (s *Server) startTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, err := s.learnerAction(r, caller)
	if err != nil {
		return err
	}
	if err := s.Store.Start(r.Context(), e.ID); err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
}

func (s *Server) viewActivity(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, err := s.learnerAction(r, caller)
	if err != nil {
		return err
	}
	activityID, err := pathID(r, "activity_id", "activity")
	if err != nil {
		return err
	}
	if err := s.Store.View(r.Context(), e.ID, activityID); err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
}

func (s *Server) answerActivity(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, err := s.learnerAction(r, caller)
	if err != nil {
		return err
	}
	activityID, err := pathID(r, "activity_id", "activity")
	if err != nil {
		return err
	}
	var in struct {
		Response *string `json:"response"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Response == nil {
		return skillpath.Invalid("response", "is required")
	}
	if err := s.Store.Answer(r.Context(), e.ID, activityID, *in.Response); err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
}

func (s *Server) retakeModule(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, err := s.learnerAction(r, caller)
	if err != nil {
		return err
	}
	moduleID, err := pathID(r, "module_id", "module")
	if err != nil {
		return err
	}
	if err := s.Store.Retake(r.Context(), e.ID, moduleID); err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
}

func (s *Server) scoreActivity(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	e, a, err := s.enrollmentAccess(r, caller)
	if err != nil {
		return err
	}
	if !a.CanScore() {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "only platform admins, the training's instructors and the admins and coaches of the learner's groups may score")
	}
	activityID, err := pathID(r, "activity_id", "activity")
	if err != nil {
		return err
	}
	var in struct {
		Score *float64 `json:"score"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Score == nil {
		return skillpath.Invalid("score", "is required")
	}
	if err := s.Store.Score(r.Context(), e.ID, activityID, *in.Score, caller.ID); err != nil {
		return err
	}
	return s.writeResult(w, r, e.ID)
}

func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	list, err := s.Store.Catalog(r.Context(), caller.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"trainings": list})
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
