package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"

	"skillpath"
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
		Title          string       `json:"title"`
		OwnerGroupID   skillpath.ID `json:"owner_group_id"`
		ValidityMonths *int         `json:"validity_months"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c := &skillpath.Certificate{Title: in.Title, OwnerGroupID: in.OwnerGroupID, ValidityMonths: in.ValidityMonths}
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

// trainingInput is the body of POST (and PUT) /api/v1/trainings: the whole
// tree. Module and activity ids are only read on PUT, to keep them. The
// read-only members of GET's answer (id, created_at, published_at) are
// accepted so a client can send back what it read; a different id is refused.
type trainingInput struct {
	ID               skillpath.ID     `json:"id"`
	CreatedAt        any              `json:"created_at"`
	PublishedAt      any              `json:"published_at"`
	Title            string           `json:"title"`
	CertificateIDs   []skillpath.ID   `json:"certificate_ids"`
	PrerequisiteIDs  []skillpath.ID   `json:"prerequisite_ids"`
	RequiresApproval bool             `json:"requires_approval"`
	Price            *skillpath.Price `json:"price"`
	PassingScore     *float64         `json:"passing_score"`
	MasteryScore     *float64         `json:"mastery_score"`
	AuthorIDs        []skillpath.ID   `json:"author_ids"`
	InstructorIDs    []skillpath.ID   `json:"instructor_ids"`
	Modules          []*moduleInput   `json:"modules"`
}

type moduleInput struct {
	ID          skillpath.ID     `json:"id"`
	Title       string           `json:"title"`
	MinScore    *float64         `json:"min_score"`
	MaxAttempts *int             `json:"max_attempts"`
	Activities  []*activityInput `json:"activities"`
}

type activityInput struct {
	ID            skillpath.ID           `json:"id"`
	Title         string                 `json:"title"`
	Kind          skillpath.ActivityKind `json:"kind"`
	Points        *float64               `json:"points"`
	ManualScoring bool                   `json:"manual_scoring"`
	Choices       []choiceInput          `json:"choices"`
	// ChoiceIDs, as GET answers it, is accepted and ignored so a client can
	// send back what it read: reordering choices moves their texts, and a
	// choice keeps its id through its text or an explicit {id, text}.
	ChoiceIDs []string `json:"choice_ids"`
	Correct   *string  `json:"correct"`
}

// choiceInput is one choice of a choice question: its text, as SPEC §5
// writes it, or an object {id?, text} naming the choice by the stable id
// GET answered in choice_ids, to reword it while keeping its id (issue 10).
type choiceInput struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// UnmarshalJSON takes a choice as a string or as {id?, text}.
func (c *choiceInput) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.Text)
	}
	var obj struct {
		ID   *string `json:"id"`
		Text *string `json:"text"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil || obj.Text == nil {
		return &json.UnmarshalTypeError{Value: "choice", Type: reflect.TypeFor[choiceInput]()}
	}
	c.Text = *obj.Text
	if obj.ID != nil {
		c.ID = *obj.ID
	}
	return nil
}

// choices splits the input's choices into texts and the ids given (nil
// when none is).
func (ai *activityInput) choices() (texts, ids []string) {
	for i, c := range ai.Choices {
		texts = append(texts, c.Text)
		if c.ID != "" {
			if ids == nil {
				ids = make([]string, len(ai.Choices))
			}
			ids[i] = c.ID
		}
	}
	return texts, ids
}

// training turns the input into a domain training with SPEC's defaults:
// max_attempts 1, one point per question, empty lists rather than null.
func (in *trainingInput) training() *skillpath.Training {
	t := &skillpath.Training{Title: in.Title, CertificateIDs: orEmpty(in.CertificateIDs), PrerequisiteIDs: orEmpty(in.PrerequisiteIDs),
		RequiresApproval: in.RequiresApproval, Price: in.Price, PassingScore: in.PassingScore, MasteryScore: in.MasteryScore,
		AuthorIDs: orEmpty(in.AuthorIDs), InstructorIDs: orEmpty(in.InstructorIDs), Modules: []*skillpath.Module{}}
	if t.Price != nil && *t.Price == 0 {
		t.Price = nil // free
	}
	for _, mi := range in.Modules {
		if mi == nil {
			t.Modules = append(t.Modules, nil)
			continue
		}
		m := &skillpath.Module{ID: mi.ID, Title: mi.Title, MinScore: mi.MinScore, MaxAttempts: 1, Activities: []*skillpath.Activity{}}
		if mi.MaxAttempts != nil {
			m.MaxAttempts = *mi.MaxAttempts
		}
		for _, ai := range mi.Activities {
			if ai == nil {
				m.Activities = append(m.Activities, nil)
				continue
			}
			a := &skillpath.Activity{ID: ai.ID, Title: ai.Title, Kind: ai.Kind, ManualScoring: ai.ManualScoring, Correct: ai.Correct}
			a.Choices, a.ChoiceIDs = ai.choices()
			if ai.Points != nil {
				a.Points = *ai.Points
			}
			a.ApplyDefaults(ai.Points != nil)
			m.Activities = append(m.Activities, a)
		}
		t.Modules = append(t.Modules, m)
	}
	return t
}

func orEmpty(ids []skillpath.ID) []skillpath.ID {
	if ids == nil {
		return []skillpath.ID{}
	}
	return ids
}

func (s *Server) createTraining(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in trainingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t := in.training()
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
	t := in.training()
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
