package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"

	"github.com/google/uuid"

	"skillpath"
	"skillpath/status"
)

// learn runs one action on a live enrollment in a write transaction: the
// enrollment is locked, fn changes the facts, and the stored statuses are
// refreshed from them before the transaction commits.
func (s *Store) learn(ctx context.Context, id skillpath.ID, fn func(tx *Tx, e *enrollmentRow, def *trainingDef) error) error {
	return s.write(ctx, func(tx *Tx) error {
		e, err := tx.findEnrollment(ctx, id, true)
		if err != nil {
			return err
		}
		def, err := tx.trainingDef(ctx, e.TrainingID)
		if err != nil {
			return err
		}
		if err := fn(tx, e, def); err != nil {
			return err
		}
		return tx.refresh(ctx, []skillpath.ID{id})
	})
}

// Start creates the training attempt (SPEC §1: no attempt exists until the
// learner starts). Starting again changes nothing. Returns EUNPROCESSABLE
// while prerequisites or approval are pending, or when the session is
// archived.
func (s *Store) Start(ctx context.Context, id skillpath.ID) error {
	return s.learn(ctx, id, func(tx *Tx, e *enrollmentRow, def *trainingDef) error {
		if e.StartedAt != nil {
			return nil
		}
		switch e.Status {
		case status.TrainingPrerequisitesPending:
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "pass the prerequisite trainings of %q before starting it", def.Title)
		case status.TrainingApprovalPending:
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "this enrollment is waiting for an administrator's approval")
		}
		if err := tx.requireOpenSession(ctx, e.SessionID); err != nil {
			return err
		}
		e.AttemptUUID = uuid.NewString()
		e.StartedAt = &tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET started_at = $1, attempt_uuid = $2 WHERE id = $3`,
			millis(tx.now), e.AttemptUUID, e.ID); err != nil {
			return err
		}
		tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbStarted})
		return nil
	})
}

// requireOpenSession refuses learning in an archived session.
func (tx *Tx) requireOpenSession(ctx context.Context, sessionID skillpath.ID) error {
	var archived sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT archived_at FROM sessions WHERE id = $1`, sessionID).Scan(&archived); err != nil {
		return err
	}
	if archived.Valid {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %s is archived", sessionID)
	}
	return nil
}

func requireStarted(e *enrollmentRow) error {
	if e.StartedAt == nil {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "start the training first (POST /api/v1/enrollments/%s/start)", e.ID)
	}
	return nil
}

// View records that the learner viewed a content activity. Viewing it again
// in the same module attempt changes nothing. Returns ENOTFOUND for an
// activity of another training and EUNPROCESSABLE for a question or before
// the training is started.
func (s *Store) View(ctx context.Context, id, activityID skillpath.ID) error {
	return s.learn(ctx, id, func(tx *Tx, e *enrollmentRow, def *trainingDef) error {
		m, a, err := def.activity(activityID)
		if err != nil {
			return err
		}
		if err := requireStarted(e); err != nil {
			return err
		}
		if a.IsQuestion() {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "activity %s is a question: answer it", a.ID)
		}
		att, err := tx.currentAttempt(ctx, e.ID, m.ID)
		if err != nil {
			return err
		}
		if _, viewed := att.answers[a.ID]; viewed {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO answers (module_attempt_id, activity_id, answered_at) VALUES ($1, $2, $3)`,
			att.id, a.ID, millis(tx.now)); err != nil {
			return err
		}
		tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbExperienced, ModuleID: m.ID, ActivityID: a.ID, Completion: ptr(true)})
		tx.markProgressed(e.ID)
		return nil
	})
}

// Answer records the learner's answer to a question and scores it at once
// unless a person scores it. Returns EINVALID for a response the question
// cannot take, EUNPROCESSABLE when the question was already answered in this
// module attempt (a retake allows another), ENOTFOUND for an activity of
// another training.
func (s *Store) Answer(ctx context.Context, id, activityID skillpath.ID, response string) error {
	return s.learn(ctx, id, func(tx *Tx, e *enrollmentRow, def *trainingDef) error {
		m, a, err := def.activity(activityID)
		if err != nil {
			return err
		}
		if err := a.ValidateResponse(response); err != nil {
			return err
		}
		if err := requireStarted(e); err != nil {
			return err
		}
		att, err := tx.currentAttempt(ctx, e.ID, m.ID)
		if err != nil {
			return err
		}
		if _, answered := att.answers[a.ID]; answered {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "activity %s is already answered in this attempt of module %q; retake the module to answer again", a.ID, m.Title)
		}
		score := a.ScoreAnswer(response)
		var scoredAt any
		if score != nil {
			scoredAt = millis(tx.now)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO answers (module_attempt_id, activity_id, response, answered_at, score, scored_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, att.id, a.ID, response, millis(tx.now), score, scoredAt); err != nil {
			return err
		}
		ev := skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: m.ID, ActivityID: a.ID, Response: &response,
			Score: score, MaxScore: a.Points, Completion: ptr(true)}
		if score != nil && a.Points > 0 {
			ev.Success = ptr(*score >= a.Points)
		}
		tx.event(e, def, ev)
		tx.markProgressed(e.ID)
		return nil
	})
}

func (tx *Tx) markProgressed(id skillpath.ID) {
	if tx.progressed == nil {
		tx.progressed = map[skillpath.ID]bool{}
	}
	tx.progressed[id] = true
}

// latestAttempts reads one enrollment's latest attempt of each module.
func (tx *Tx) latestAttempts(ctx context.Context, enrollmentID skillpath.ID) (map[skillpath.ID]*moduleAttempt, error) {
	p := map[skillpath.ID]*progress{enrollmentID: {attempts: map[skillpath.ID]*moduleAttempt{}}}
	err := tx.loadAttempts(ctx, []skillpath.ID{enrollmentID}, p)
	return p[enrollmentID].attempts, err
}

// currentAttempt returns the latest attempt of the module, creating the
// first one when the learner has none yet.
func (tx *Tx) currentAttempt(ctx context.Context, enrollmentID, moduleID skillpath.ID) (*moduleAttempt, error) {
	attempts, err := tx.latestAttempts(ctx, enrollmentID)
	if err != nil {
		return nil, err
	}
	if att := attempts[moduleID]; att != nil {
		return att, nil
	}
	id, err := tx.insert(ctx, `INSERT INTO module_attempts (enrollment_id, module_id, number, started_at) VALUES ($1, $2, 1, $3)`,
		enrollmentID, moduleID, millis(tx.now))
	if err != nil {
		return nil, err
	}
	return &moduleAttempt{id: skillpath.ID(id), number: 1, answers: map[skillpath.ID]*answerRow{}}, nil
}

// Retake starts a new attempt of a completed module (SPEC §1: the module's
// status is that of its latest attempt). Returns EUNPROCESSABLE when the
// module is not completed, no attempt is left, or the training is passed.
func (s *Store) Retake(ctx context.Context, id, moduleID skillpath.ID) error {
	return s.learn(ctx, id, func(tx *Tx, e *enrollmentRow, def *trainingDef) error {
		m, err := def.module(moduleID)
		if err != nil {
			return err
		}
		if err := requireStarted(e); err != nil {
			return err
		}
		if e.Status == status.TrainingPassed {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "the training is passed: there is nothing to retake")
		}
		p, err := tx.loadProgress(ctx, def, []*enrollmentRow{e})
		if err != nil {
			return err
		}
		r := status.TrainingStatus(def.facts(e, p[e.ID]), tx.now)
		mr := r.Modules[slices.Index(def.Modules, m)]
		att := p[e.ID].attempts[m.ID]
		if !mr.Status.Completed() {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "module %q is %s: finish the current attempt before retaking it", m.Title, mr.Status.Label())
		}
		if m.MaxAttempts != 0 && att.number >= m.MaxAttempts {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "module %q allows %d attempts and all are used", m.Title, m.MaxAttempts)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO module_attempts (enrollment_id, module_id, number, started_at) VALUES ($1, $2, $3, $4)`,
			e.ID, m.ID, att.number+1, millis(tx.now))
		return err
	})
}

// Score gives a score to an answer awaiting scoring, in the module's latest
// attempt. Returns EINVALID unless 0 ≤ score ≤ the activity's points,
// EUNPROCESSABLE for an activity that is not scored by hand or has no
// answer, ECONFLICT when the answer is already scored.
func (s *Store) Score(ctx context.Context, id, activityID skillpath.ID, score float64, by skillpath.ID) error {
	return s.learn(ctx, id, func(tx *Tx, e *enrollmentRow, def *trainingDef) error {
		m, a, err := def.activity(activityID)
		if err != nil {
			return err
		}
		if !a.ManualScoring {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "activity %s is scored automatically", a.ID)
		}
		if math.IsNaN(score) || score < 0 || score > a.Points {
			return skillpath.Invalid("score", "must be between 0 and %g, the activity's points", a.Points)
		}
		attempts, err := tx.latestAttempts(ctx, e.ID)
		if err != nil {
			return err
		}
		att := attempts[m.ID]
		if att == nil || att.answers[a.ID] == nil {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "activity %s has no answer to score", a.ID)
		}
		if att.answers[a.ID].score != nil {
			return skillpath.Errorf(skillpath.ECONFLICT, "the answer to activity %s is already scored", a.ID)
		}
		if _, err = tx.ExecContext(ctx, `UPDATE answers SET score = $1, scored_at = $2, scored_by = $3 WHERE module_attempt_id = $4 AND activity_id = $5`,
			score, millis(tx.now), by, att.id, a.ID); err != nil {
			return err
		}
		// The LRS learns the score as it learnt the answer: answered again,
		// now with result.score (docs/DECISIONS.md). No success: a score
		// given by hand has no right answer to be measured against.
		tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: m.ID, ActivityID: a.ID,
			Response: att.answers[a.ID].response, Score: &score, MaxScore: a.Points, Completion: ptr(true)})
		return nil
	})
}

// errNoRows reports whether err means no row matched.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
