package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"skillpath"
)

// UpdateTraining replaces a training's settings and tree (PUT). Modules and
// activities keep their identity by id; those without an id are new; those
// left out are removed. Every live enrollment is then recomputed, so a new
// minimum or passing score applies to learners who already started (issue:
// learner progress). Returns ECONFLICT when a removed module or activity has
// answers, EINVALID for ids of another training or module, and
// EUNPROCESSABLE for prerequisites that would form a cycle.
func (s *Store) UpdateTraining(ctx context.Context, t *skillpath.Training) error {
	return s.UpdateTrainingAt(ctx, t, 0)
}

// TrainingVersion is the training's version, which every change raises:
// the training editor's form carries it (SPEC §7). Returns ENOTFOUND for an
// unknown training.
func (s *Store) TrainingVersion(ctx context.Context, id skillpath.ID) (int64, error) {
	var v int64
	err := s.stmt(qTrainingVersion).QueryRowContext(ctx, id).Scan(&v)
	if errNoRows(err) {
		return 0, skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", id)
	}
	return v, err
}

// UpdateTrainingAt is UpdateTraining when the training is still at version
// (as TrainingVersion read it; 0 for any version): otherwise it changes
// nothing and returns ECONFLICT with the field "version", so a stale form
// never overwrites changes made meanwhile.
func (s *Store) UpdateTrainingAt(ctx context.Context, t *skillpath.Training, version int64) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		if version != 0 {
			var now int64
			if err := tx.stmt(ctx, qTrainingVersion).QueryRowContext(ctx, t.ID).Scan(&now); errNoRows(err) {
				return skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", t.ID)
			} else if err != nil {
				return err
			}
			if now != version {
				return &skillpath.Error{Code: skillpath.ECONFLICT, Field: "version",
					Message: "Someone changed this training since you opened the form; nothing was saved. Open it again to see their changes, then make yours."}
			}
		}
		old, err := tx.findTraining(ctx, t.ID)
		if err != nil {
			return err
		}
		if err := tx.checkTrainingLinks(ctx, t); err != nil {
			return err
		}
		keptModules, keptActivities, err := matchTree(old, t)
		if err != nil {
			return err
		}
		if err := tx.keepChoiceIDs(ctx, old, t); err != nil {
			return err
		}
		if err := tx.removeTreeParts(ctx, old, keptModules, keptActivities); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trainings SET title = $1, requires_approval = $2, price_cents = $3, passing_score = $4,
			mastery_score = $5, updated_at = $6, version = version + 1 WHERE id = $7`,
			t.Title, t.RequiresApproval, t.Price, t.PassingScore, t.MasteryScore, millis(tx.now), t.ID); err != nil {
			return err
		}
		if err := tx.setTrainingLinks(ctx, t); err != nil {
			return err
		}
		if err := tx.refusePrerequisiteCycle(ctx, t.ID); err != nil {
			return err
		}
		for i, m := range t.Modules {
			if err := tx.saveModule(ctx, t.ID, i, m); err != nil {
				return err
			}
		}
		t.CreatedAt, t.PublishedAt = old.CreatedAt, old.PublishedAt
		delete(tx.defs, t.ID)
		ids, err := tx.trainingEnrollmentIDs(ctx, t.ID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if err := tx.refresh(ctx, ids); err != nil {
				return err
			}
		}
		// The statistics' links follow the certificates the path grants.
		return tx.relinkCertificates(ctx, changedIDs(old.CertificateIDs, t.CertificateIDs))
	})
}

// changedIDs lists the ids in one list and not the other.
func changedIDs(before, after []skillpath.ID) []skillpath.ID {
	var out []skillpath.ID
	for _, id := range before {
		if !slices.Contains(after, id) {
			out = append(out, id)
		}
	}
	for _, id := range after {
		if !slices.Contains(before, id) {
			out = append(out, id)
		}
	}
	return out
}

// matchTree checks that every id in the new tree belongs to the old one at
// the same place (an activity stays in its module) and returns the ids kept.
func matchTree(old, t *skillpath.Training) (modules, activities map[skillpath.ID]bool, err error) {
	oldModule := map[skillpath.ID]*skillpath.Module{}
	oldActivity := map[skillpath.ID]skillpath.ID{} // activity → module
	for _, m := range old.Modules {
		oldModule[m.ID] = m
		for _, a := range m.Activities {
			oldActivity[a.ID] = m.ID
		}
	}
	modules, activities = map[skillpath.ID]bool{}, map[skillpath.ID]bool{}
	for i, m := range t.Modules {
		field := fmt.Sprintf("modules[%d]", i)
		if m.ID != 0 {
			if oldModule[m.ID] == nil {
				return nil, nil, skillpath.Invalid(field+".id", "module %s is not a module of training %s", m.ID, t.ID)
			}
			if modules[m.ID] {
				return nil, nil, skillpath.Invalid(field+".id", "module %s is listed twice", m.ID)
			}
			modules[m.ID] = true
		}
		for j, a := range m.Activities {
			if a.ID == 0 {
				continue
			}
			afield := fmt.Sprintf("%s.activities[%d].id", field, j)
			owner, ok := oldActivity[a.ID]
			if !ok || m.ID == 0 || owner != m.ID {
				return nil, nil, skillpath.Invalid(afield, "activity %s is not an activity of module %s", a.ID, m.ID)
			}
			if activities[a.ID] {
				return nil, nil, skillpath.Invalid(afield, "activity %s is listed twice", a.ID)
			}
			activities[a.ID] = true
		}
	}
	return modules, activities, nil
}

// removeTreeParts deletes the modules and activities left out of the new
// tree, refusing (ECONFLICT) those that learners have already worked on.
func (tx *Tx) removeTreeParts(ctx context.Context, old *skillpath.Training, keptModules, keptActivities map[skillpath.ID]bool) error {
	for _, m := range old.Modules {
		if !keptModules[m.ID] {
			var used bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM module_attempts WHERE module_id = $1)`, m.ID).Scan(&used); err != nil {
				return err
			}
			if used {
				return skillpath.Errorf(skillpath.ECONFLICT, "module %s (%q) has learners' attempts and cannot be removed", m.ID, m.Title)
			}
		}
		for _, a := range m.Activities {
			if keptActivities[a.ID] && keptModules[m.ID] {
				continue
			}
			var used bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM answers WHERE activity_id = $1)`, a.ID).Scan(&used); err != nil {
				return err
			}
			if used {
				return skillpath.Errorf(skillpath.ECONFLICT, "activity %s (%q) has answers and cannot be removed", a.ID, a.Title)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM activities WHERE id = $1`, a.ID); err != nil {
				return err
			}
		}
		if !keptModules[m.ID] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM modules WHERE id = $1`, m.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// refusePrerequisiteCycle fails when the training is among its own
// prerequisites, directly or through others.
func (tx *Tx) refusePrerequisiteCycle(ctx context.Context, id skillpath.ID) error {
	var cycle bool
	err := tx.QueryRowContext(ctx, `WITH RECURSIVE reach(id) AS (
			SELECT prerequisite_id FROM training_prerequisites WHERE training_id = $1
			UNION
			SELECT tp.prerequisite_id FROM training_prerequisites tp JOIN reach r ON tp.training_id = r.id)
		SELECT EXISTS (SELECT 1 FROM reach WHERE id = $1)`, id).Scan(&cycle)
	if err != nil {
		return err
	}
	if cycle {
		return &skillpath.Error{Code: skillpath.EUNPROCESSABLE, Field: "prerequisite_ids",
			Message: fmt.Sprintf("prerequisite_ids: training %s would be its own prerequisite through these trainings", id)}
	}
	return nil
}

// saveModule updates a kept module in place or inserts a new one.
func (tx *Tx) saveModule(ctx context.Context, trainingID skillpath.ID, position int, m *skillpath.Module) error {
	if m.ID == 0 {
		return tx.insertModule(ctx, trainingID, position, m)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE modules SET position = $1, title = $2, min_score = $3, max_attempts = $4 WHERE id = $5`,
		position, m.Title, m.MinScore, m.MaxAttempts, m.ID); err != nil {
		return err
	}
	for i, a := range m.Activities {
		if a.ID == 0 {
			if err := tx.insertActivity(ctx, m.ID, i, a); err != nil {
				return err
			}
			continue
		}
		choices, err := choicesColumn(a.Choices)
		if err != nil {
			return err
		}
		ids, err := choicesColumn(a.ChoiceIDs)
		if err != nil {
			return err
		}
		// choice_seq only grows: a removed choice's id is never reused.
		if _, err := tx.ExecContext(ctx, `UPDATE activities SET position = $1, title = $2, kind = $3, points = $4, manual_scoring = $5,
			choices = $6, correct = $7, choice_ids = $8, choice_seq = CASE WHEN choice_seq > $9 THEN choice_seq ELSE $9 END,
			body = $10, url = $11 WHERE id = $12`,
			i, a.Title, a.Kind, a.Points, a.ManualScoring, choices, a.Correct, ids, highestChoiceNumber(a.ChoiceIDs),
			nullString(a.Body), nullString(a.URL), a.ID); err != nil {
			return err
		}
	}
	return nil
}

// trainingEnrollmentIDs lists the live enrollments of a training.
func (tx *Tx) trainingEnrollmentIDs(ctx context.Context, trainingID skillpath.ID) ([]skillpath.ID, error) {
	return queryIDs(ctx, tx, `SELECT id FROM enrollments WHERE training_id = $1 AND deleted_at IS NULL ORDER BY id`, trainingID)
}

// keepChoiceIDs gives the choices of t's questions their stable ids
// (skillpath.Activity.KeepChoiceIDs, issue 10); old is the training as
// stored, nil for a new one.
func (tx *Tx) keepChoiceIDs(ctx context.Context, old, t *skillpath.Training) error {
	oldActivity := map[skillpath.ID]*skillpath.Activity{}
	seqs := map[skillpath.ID]int{}
	if old != nil {
		for _, m := range old.Modules {
			for _, a := range m.Activities {
				oldActivity[a.ID] = a
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT a.id, a.choice_seq FROM activities a JOIN modules m ON m.id = a.module_id
			WHERE m.training_id = $1 AND a.choice_seq > 0`, old.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id skillpath.ID
			var seq int
			if err := rows.Scan(&id, &seq); err != nil {
				return err
			}
			seqs[id] = seq
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i, m := range t.Modules {
		for j, a := range m.Activities {
			var before *skillpath.Activity
			if a.ID != 0 {
				before = oldActivity[a.ID]
			}
			if _, err := a.KeepChoiceIDs(fmt.Sprintf("modules[%d].activities[%d]", i, j), before, seqs[a.ID]); err != nil {
				return err
			}
		}
	}
	return nil
}

// highestChoiceNumber is the highest n among choice-n ids: the activity's
// choice_seq once they are stored.
func highestChoiceNumber(ids []string) int {
	highest := 0
	for _, id := range ids {
		if n, err := strconv.Atoi(strings.TrimPrefix(id, "choice-")); err == nil && n > highest {
			highest = n
		}
	}
	return highest
}
