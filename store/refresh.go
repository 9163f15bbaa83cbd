package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/google/uuid"

	"skillpath"
	"skillpath/status"
)

// refresh recomputes the stored status of the live enrollments among ids
// from their facts with the pure rules of status/, and acts on what
// changed: it delivers the certificates of a pass (SPEC §2) and records the
// events that follow (progressed, mastered, passed, failed; SPEC §4). A pass
// gained or lost changes the prerequisites of the learner's other
// enrollments, which are refreshed in turn.
func (tx *Tx) refresh(ctx context.Context, ids []skillpath.ID) error {
	list, err := tx.loadEnrollments(ctx, ids)
	if err != nil {
		return err
	}
	passChanged := map[skillpath.ID]bool{}
	for _, group := range byTraining(list) {
		def, err := tx.trainingDef(ctx, group[0].TrainingID)
		if err != nil {
			return err
		}
		progress, err := tx.loadProgress(ctx, def, group)
		if err != nil {
			return err
		}
		for _, e := range group {
			changed, err := tx.refreshOne(ctx, def, e, progress[e.ID])
			if err != nil {
				return err
			}
			if changed {
				passChanged[e.UserID] = true
			}
		}
	}
	if len(passChanged) == 0 {
		return nil
	}
	return tx.refreshDependents(ctx, passChanged, ids)
}

// refreshOne stores one enrollment's new status and reports whether it
// was passed for the first time. It updates e and p (certificates delivered) to
// what it stored.
func (tx *Tx) refreshOne(ctx context.Context, def *trainingDef, e *enrollmentRow, p *progress) (passChanged bool, err error) {
	facts := def.facts(e, p)
	facts.Awards = nil // stored statuses ignore expiry, which depends on the clock
	r := status.TrainingStatus(facts, tx.now)
	completedAt, masteredAt, passedAt := e.CompletedAt, e.MasteredAt, e.PassedAt
	if !r.Status.Completed() {
		completedAt = nil
	} else if completedAt == nil || e.Status != r.Status {
		completedAt = &tx.now
	}
	if tx.progressed[e.ID] {
		tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbProgressed, Progress: &r.Progress})
	}
	if def.MasteryScore != nil && r.Score != nil && *r.Score >= *def.MasteryScore && masteredAt == nil {
		masteredAt = &tx.now
		tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbMastered, Score: r.Score, MaxScore: 100, Success: ptr(true)})
	}
	// A training attempt reported passed stays passed for the LRS: an
	// edit of the training that lowers the result afterwards sends neither
	// failed nor a second passed for the registration (docs/DECISIONS.md).
	if r.Status != e.Status && (r.Status == status.TrainingPassed || r.Status == status.TrainingFailed) && passedAt == nil {
		ev := skillpath.LearningEvent{Verb: skillpath.VerbFailed, Score: r.Score, MaxScore: 100, Success: ptr(false), Completion: ptr(true)}
		if r.Status == status.TrainingPassed {
			ev.Verb, ev.Success = skillpath.VerbPassed, ptr(true)
		}
		if e.StartedAt != nil {
			ev.Duration = tx.now.Sub(*e.StartedAt)
		}
		tx.event(e, def, ev)
	}
	if r.Status == status.TrainingPassed && passedAt == nil {
		passedAt = &tx.now
	}
	if r.Status == status.TrainingPassed && e.Status != status.TrainingPassed {
		if err := tx.deliver(ctx, def, e, p); err != nil {
			return false, err
		}
	}
	if r.Status != e.Status {
		if err := tx.noteStatusChanged(ctx, e, e.Status, r.Status); err != nil { // SPEC §7
			return false, err
		}
	}
	if r.Status != e.Status || !sameScore(r.Score, e.Score) || !sameTime(completedAt, e.CompletedAt) || !sameTime(masteredAt, e.MasteredAt) ||
		!sameTime(passedAt, e.PassedAt) {
		_, err := tx.stmt(ctx, qSetStatus).ExecContext(ctx, r.Status, r.Score, nullMillis(completedAt), nullMillis(masteredAt), nullMillis(passedAt), e.ID)
		if err != nil {
			return false, err
		}
	}
	// Only a first pass changes prerequisites: a pass counts for ever
	// (SPEC §9), even when an edit of the training changes the status.
	passChanged = passedAt != nil && e.PassedAt == nil
	e.Status, e.Score, e.CompletedAt, e.MasteredAt, e.PassedAt = r.Status, r.Score, completedAt, masteredAt, passedAt
	return passChanged, nil
}

var qSetStatus = prepare(`UPDATE enrollments SET status = $1, score = $2, completed_at = $3, mastered_at = $4, passed_at = $5 WHERE id = $6`)

// deliver grants the training's certificates in the enrollment at the
// moment of passing, each expiring as its rules say from the learner's
// previous one (SPEC §2, §9), and adds them to p; one delivered by an
// earlier pass, or revoked, stays as it was.
func (tx *Tx) deliver(ctx context.Context, def *trainingDef, e *enrollmentRow, p *progress) error {
	// Deleted users receive nothing (issue 13, fault 5).
	if deleted, err := tx.userDeleted(ctx, e.UserID); err != nil || deleted {
		return err
	}
	for _, c := range def.certificates {
		if slices.ContainsFunc(p.awards, func(a awardRow) bool { return a.certificateID == c.ID }) {
			continue
		}
		previous, previousExpiry, err := tx.previousAward(ctx, c.ID, e.UserID)
		if err != nil {
			return err
		}
		expires := status.Expires(rules(c), tx.now, previousExpiry, tx.store.Zone)
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO awards (enrollment_id, certificate_id, user_id, delivered_at, expires_at, previous_award_id)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id, certificate_id) DO NOTHING RETURNING id`,
			e.ID, c.ID, e.UserID, millis(tx.now), nullMillis(expires), previous).Scan(&id)
		if errNoRows(err) {
			continue // revoked in this enrollment: not delivered again
		} else if err != nil {
			return err
		}
		p.awards = append(p.awards, awardRow{certificateID: c.ID, deliveredAt: tx.now, expiresAt: expires})
		if err := tx.noteDelivered(ctx, def, e, c, expires); err != nil { // SPEC §7
			return err
		}
	}
	if err := tx.assignVerificationCodes(ctx, e.ID); err != nil {
		return err
	}
	return tx.relink(ctx, `e.id = $1`, e.ID)
}

// refreshDependents refreshes the not-yet-started enrollments of the users
// whose pass changed (their prerequisites may be met now, or no longer),
// except those just refreshed. Only an attempt can pass, so this does not
// cascade further.
func (tx *Tx) refreshDependents(ctx context.Context, users map[skillpath.ID]bool, done []skillpath.ID) error {
	userIDs := make([]skillpath.ID, 0, len(users))
	for u := range users {
		userIDs = append(userIDs, u)
	}
	slices.Sort(userIDs)
	var ids []skillpath.ID
	for _, chunk := range chunks(userIDs, batchSize) {
		in, args := inList(chunk, 1)
		found, err := queryIDs(ctx, tx, `SELECT e.id FROM enrollments e WHERE e.user_id IN (`+in+`)
			AND e.deleted_at IS NULL AND e.started_at IS NULL
			AND EXISTS (SELECT 1 FROM training_prerequisites tp WHERE tp.training_id = e.training_id)`, args...)
		if err != nil {
			return err
		}
		for _, id := range found {
			if !slices.Contains(done, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return tx.refresh(ctx, ids)
}

// event records a learning event of the enrollment, with a fresh statement
// id, at the transaction's time.
func (tx *Tx) event(e *enrollmentRow, def *trainingDef, ev skillpath.LearningEvent) {
	ev.ID = uuid.NewString()
	ev.At = tx.now
	ev.UserID, ev.EnrollmentID, ev.TrainingID, ev.AttemptUUID = e.UserID, e.ID, def.ID, e.AttemptUUID
	tx.events = append(tx.events, ev)
}

func ptr[T any](v T) *T { return &v }

func sameScore(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

var qPreviousAward = prepare(`SELECT a.id, a.expires_at FROM awards a JOIN enrollments e ON e.id = a.enrollment_id
	WHERE a.certificate_id = $1 AND a.user_id = $2 AND e.deleted_at IS NULL AND a.revoked_at IS NULL
	ORDER BY a.delivered_at DESC, a.id DESC LIMIT 1`)

// previousAward finds the learner's newest displayed, unrevoked delivery of
// a certificate — what a new delivery renews (SPEC §9) — and its expiry;
// nil, nil when they hold none.
func (tx *Tx) previousAward(ctx context.Context, certificateID, userID skillpath.ID) (*skillpath.ID, *time.Time, error) {
	var id skillpath.ID
	var expires sql.NullInt64
	err := tx.stmt(ctx, qPreviousAward).QueryRowContext(ctx, certificateID, userID).Scan(&id, &expires)
	if errNoRows(err) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	return &id, timePtr(expires), nil
}

var qUserDeleted = prepare(`SELECT deleted_at IS NOT NULL FROM users WHERE id = $1`)

// userDeleted reports whether a user is deleted.
func (tx *Tx) userDeleted(ctx context.Context, id skillpath.ID) (bool, error) {
	var deleted bool
	err := tx.stmt(ctx, qUserDeleted).QueryRowContext(ctx, id).Scan(&deleted)
	return deleted, err
}
