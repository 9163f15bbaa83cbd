package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"skillpath"
)

// Training staff roles, as stored in training_staff.
const (
	roleAuthor     = "author"
	roleInstructor = "instructor"
)

// CreateTraining stores a training with its whole tree of modules and
// activities in one transaction and fills in every id. Returns EINVALID for
// bad input, naming the field inside the tree.
func (s *Store) CreateTraining(ctx context.Context, t *skillpath.Training) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.checkTrainingLinks(ctx, t); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO trainings (title, requires_approval, price_cents, passing_score, mastery_score, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, t.Title, t.RequiresApproval, t.Price, t.PassingScore, t.MasteryScore, millis(tx.now))
		if err != nil {
			return fmt.Errorf("insert training: %w", err)
		}
		t.ID = skillpath.ID(id)
		t.CreatedAt = tx.now
		if err := tx.setTrainingLinks(ctx, t); err != nil {
			return err
		}
		if err := tx.keepChoiceIDs(ctx, nil, t); err != nil {
			return err
		}
		for i, m := range t.Modules {
			if err := tx.insertModule(ctx, t.ID, i, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkTrainingLinks verifies every id a training refers to.
func (tx *Tx) checkTrainingLinks(ctx context.Context, t *skillpath.Training) error {
	if err := tx.mustExist(ctx, "certificates", "certificate_ids", t.CertificateIDs); err != nil {
		return err
	}
	if err := tx.mustExist(ctx, "trainings", "prerequisite_ids", t.PrerequisiteIDs); err != nil {
		return err
	}
	if err := tx.mustExist(ctx, "users", "author_ids", t.AuthorIDs, liveUser); err != nil {
		return err
	}
	return tx.mustExist(ctx, "users", "instructor_ids", t.InstructorIDs, liveUser)
}

// setTrainingLinks writes a training's certificates, prerequisites and staff.
func (tx *Tx) setTrainingLinks(ctx context.Context, t *skillpath.Training) error {
	for _, q := range []string{`DELETE FROM training_certificates WHERE training_id = $1`,
		`DELETE FROM training_prerequisites WHERE training_id = $1`, `DELETE FROM training_staff WHERE training_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, t.ID); err != nil {
			return err
		}
	}
	type link struct {
		query string
		ids   []skillpath.ID
		role  string
	}
	for _, l := range []link{
		{`INSERT INTO training_certificates (training_id, certificate_id) VALUES ($1, $2)`, t.CertificateIDs, ""},
		{`INSERT INTO training_prerequisites (training_id, prerequisite_id) VALUES ($1, $2)`, t.PrerequisiteIDs, ""},
		{`INSERT INTO training_staff (training_id, user_id, role) VALUES ($1, $2, $3)`, t.AuthorIDs, roleAuthor},
		{`INSERT INTO training_staff (training_id, user_id, role) VALUES ($1, $2, $3)`, t.InstructorIDs, roleInstructor},
	} {
		for _, id := range l.ids {
			args := []any{t.ID, id}
			if l.role != "" {
				args = append(args, l.role)
			}
			if _, err := tx.ExecContext(ctx, l.query, args...); err != nil {
				return fmt.Errorf("link training %s: %w", t.ID, err)
			}
		}
	}
	return nil
}

func (tx *Tx) insertModule(ctx context.Context, trainingID skillpath.ID, position int, m *skillpath.Module) error {
	id, err := tx.insert(ctx, `INSERT INTO modules (training_id, position, title, min_score, max_attempts) VALUES ($1, $2, $3, $4, $5)`,
		trainingID, position, m.Title, m.MinScore, m.MaxAttempts)
	if err != nil {
		return fmt.Errorf("insert module: %w", err)
	}
	m.ID = skillpath.ID(id)
	for i, a := range m.Activities {
		if err := tx.insertActivity(ctx, m.ID, i, a); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) insertActivity(ctx context.Context, moduleID skillpath.ID, position int, a *skillpath.Activity) error {
	choices, err := choicesColumn(a.Choices)
	if err != nil {
		return err
	}
	ids, err := choicesColumn(a.ChoiceIDs)
	if err != nil {
		return err
	}
	id, err := tx.insert(ctx, `INSERT INTO activities (module_id, position, title, kind, points, manual_scoring, choices, correct, choice_ids, choice_seq, body, url)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, moduleID, position, a.Title, a.Kind, a.Points, a.ManualScoring, choices, a.Correct,
		ids, highestChoiceNumber(a.ChoiceIDs), nullString(a.Body), nullString(a.URL))
	if err != nil {
		return fmt.Errorf("insert activity: %w", err)
	}
	a.ID = skillpath.ID(id)
	return nil
}

// choicesColumn writes a list of choice texts or ids as a JSON array, NULL
// when empty.
func choicesColumn(choices []string) (any, error) {
	if len(choices) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(choices)
	return string(b), err
}

// FindTraining returns a training with its whole tree. Returns ENOTFOUND if
// there is none.
func (s *Store) FindTraining(ctx context.Context, id skillpath.ID) (*skillpath.Training, error) {
	var t *skillpath.Training
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		t, err = tx.findTraining(ctx, id)
		return err
	})
	return t, err
}

const trainingColumns = `id, title, requires_approval, price_cents, passing_score, mastery_score, created_at, published_at`

func scanTraining(row interface{ Scan(...any) error }) (*skillpath.Training, error) {
	var t skillpath.Training
	var price sql.NullInt64
	var passing, mastery sql.NullFloat64
	var created int64
	var published sql.NullInt64
	if err := row.Scan(&t.ID, &t.Title, &t.RequiresApproval, &price, &passing, &mastery, &created, &published); err != nil {
		return nil, err
	}
	if price.Valid {
		p := skillpath.Price(price.Int64)
		t.Price = &p
	}
	t.PassingScore = floatPtr(passing)
	t.MasteryScore = floatPtr(mastery)
	t.CreatedAt = fromMillis(created)
	t.PublishedAt = timePtr(published)
	t.CertificateIDs, t.PrerequisiteIDs, t.AuthorIDs, t.InstructorIDs = []skillpath.ID{}, []skillpath.ID{}, []skillpath.ID{}, []skillpath.ID{}
	t.Modules = []*skillpath.Module{}
	return &t, nil
}

func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// findTraining reads a training's row, links, modules and activities: four
// queries whatever the size of the tree.
func (tx *Tx) findTraining(ctx context.Context, id skillpath.ID) (*skillpath.Training, error) {
	t, err := scanTraining(tx.QueryRowContext(ctx, `SELECT `+trainingColumns+` FROM trainings WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", id)
	} else if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT 'certificate', certificate_id FROM training_certificates WHERE training_id = $1
		UNION ALL SELECT 'prerequisite', prerequisite_id FROM training_prerequisites WHERE training_id = $1
		UNION ALL SELECT role, user_id FROM training_staff WHERE training_id = $1
		ORDER BY 1, 2`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var kind string
		var ref skillpath.ID
		if err := rows.Scan(&kind, &ref); err != nil {
			rows.Close()
			return nil, err
		}
		switch kind {
		case "certificate":
			t.CertificateIDs = append(t.CertificateIDs, ref)
		case "prerequisite":
			t.PrerequisiteIDs = append(t.PrerequisiteIDs, ref)
		case roleAuthor:
			t.AuthorIDs = append(t.AuthorIDs, ref)
		case roleInstructor:
			t.InstructorIDs = append(t.InstructorIDs, ref)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t.Modules, err = tx.loadModules(ctx, id)
	return t, err
}

// loadModules reads the ordered modules and activities of a training.
func (tx *Tx) loadModules(ctx context.Context, trainingID skillpath.ID) ([]*skillpath.Module, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, title, min_score, max_attempts FROM modules WHERE training_id = $1 ORDER BY position`, trainingID)
	if err != nil {
		return nil, err
	}
	modules := []*skillpath.Module{}
	byID := map[skillpath.ID]*skillpath.Module{}
	for rows.Next() {
		m := &skillpath.Module{Activities: []*skillpath.Activity{}}
		var minScore sql.NullFloat64
		if err := rows.Scan(&m.ID, &m.Title, &minScore, &m.MaxAttempts); err != nil {
			rows.Close()
			return nil, err
		}
		m.MinScore = floatPtr(minScore)
		modules = append(modules, m)
		byID[m.ID] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT a.module_id, a.id, a.title, a.kind, a.points, a.manual_scoring, a.choices, a.correct, a.choice_ids, a.body, a.url
		FROM activities a JOIN modules m ON m.id = a.module_id WHERE m.training_id = $1 ORDER BY a.module_id, a.position`, trainingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var moduleID skillpath.ID
		a := &skillpath.Activity{}
		var choices, correct, choiceIDs, body, link sql.NullString
		if err := rows.Scan(&moduleID, &a.ID, &a.Title, &a.Kind, &a.Points, &a.ManualScoring, &choices, &correct, &choiceIDs, &body, &link); err != nil {
			return nil, err
		}
		a.Body, a.URL = body.String, link.String
		if choices.Valid {
			if err := json.Unmarshal([]byte(choices.String), &a.Choices); err != nil {
				return nil, fmt.Errorf("activity %s choices: %w", a.ID, err)
			}
		}
		if choiceIDs.Valid {
			if err := json.Unmarshal([]byte(choiceIDs.String), &a.ChoiceIDs); err != nil {
				return nil, fmt.Errorf("activity %s choice ids: %w", a.ID, err)
			}
		}
		if correct.Valid {
			a.Correct = &correct.String
		}
		byID[moduleID].Activities = append(byID[moduleID].Activities, a)
	}
	return modules, rows.Err()
}

// TrainingSummary is a training as lists show it, without its tree.
type TrainingSummary struct {
	ID               skillpath.ID     `json:"id"`
	Title            string           `json:"title"`
	Price            *skillpath.Price `json:"price"`
	RequiresApproval bool             `json:"requires_approval"`
}

// ListTrainings returns every training by title.
func (s *Store) ListTrainings(ctx context.Context) ([]TrainingSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, price_cents, requires_approval FROM trainings ORDER BY title, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []TrainingSummary{}
	for rows.Next() {
		var t TrainingSummary
		var price sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Title, &price, &t.RequiresApproval); err != nil {
			return nil, err
		}
		if price.Valid {
			p := skillpath.Price(price.Int64)
			t.Price = &p
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
