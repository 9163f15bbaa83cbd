package server

import (
	"net/http"

	"skillpath"
	"skillpath/server/input"
)

func (s *Server) apiCatalog() {
	s.handle("POST /api/v1/certificates", s.createCertificate)
	s.handle("GET /api/v1/certificates", s.listCertificates)
	s.handle("GET /api/v1/certificates/{id}", s.getCertificate)
	s.handle("POST /api/v1/trainings", s.createTraining)
	s.handle("GET /api/v1/trainings", s.listTrainings)
	s.handle("GET /api/v1/trainings/{id}", s.getTraining)
	s.handle("PUT /api/v1/trainings/{id}", s.updateTraining)
	s.handle("POST /api/v1/trainings/{id}/publish", s.publishTraining)
}

func (s *Server) createCertificate(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in struct {
		Title              string               `json:"title"`
		OwnerGroupID       skillpath.ID         `json:"owner_group_id"`
		ValidityMonths     *int                 `json:"validity_months"`
		ReenrollDaysBefore *int                 `json:"reenroll_days_before"`
		ExpiryBase         skillpath.ExpiryBase `json:"expiry_base"`
		FixedMonth         *int                 `json:"fixed_month"`
		FixedDay           *int                 `json:"fixed_day"`
		ReminderDays       []int                `json:"reminder_days"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c := &skillpath.Certificate{Title: in.Title, OwnerGroupID: in.OwnerGroupID, ValidityMonths: in.ValidityMonths,
		ReenrollDaysBefore: in.ReenrollDaysBefore, ExpiryBase: in.ExpiryBase, FixedMonth: in.FixedMonth, FixedDay: in.FixedDay,
		ReminderDays: in.ReminderDays}
	if err := s.Store.CreateCertificate(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) listCertificates(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	list, err := s.Store.ListCertificates(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"certificates": list})
	return nil
}

func (s *Server) getCertificate(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "certificate")
	if err != nil {
		return err
	}
	c, err := s.Store.FindCertificate(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// trainingInput is the body of POST and PUT /api/v1/trainings.
type trainingInput = input.Training

func (s *Server) createTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in trainingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t := in.Domain()
	if err := s.Store.CreateTraining(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// updateTraining replaces a training's settings and tree; modules and
// activities sent with their id are kept, those without are new, those left
// out are removed (refused with 409 when learners have worked on them).
func (s *Server) updateTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	if _, err := s.Store.FindTraining(r.Context(), id); err != nil {
		return err
	}
	var in trainingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.ID != 0 && in.ID != id {
		return skillpath.Invalid("id", "is %s but the path names training %s", in.ID, id)
	}
	t := in.Domain()
	t.ID = id
	if err := s.Store.UpdateTraining(r.Context(), t); err != nil {
		return err
	}
	return s.writeTraining(w, r, id)
}

func (s *Server) writeTraining(w http.ResponseWriter, r *http.Request, id skillpath.ID) error {
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) listTrainings(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	list, err := s.Store.ListTrainings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"trainings": list})
	return nil
}

// getTraining answers the whole tree. Correct answers are shown to platform
// admins and the training's authors and instructors only.
func (s *Server) getTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	id, err := pathID(r, "id", "training")
	if err != nil {
		return err
	}
	t, err := s.Store.FindTraining(r.Context(), id)
	if err != nil {
		return err
	}
	a, err := s.Store.Access(r.Context(), caller, 0, id)
	if err != nil {
		return err
	}
	if !a.PlatformAdmin && !a.Author && !a.Instructor {
		for _, m := range t.Modules {
			for _, act := range m.Activities {
				act.Correct = nil
			}
		}
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
