package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"skillpath"
	"skillpath/status"
)

// enrollmentRow is an enrollment as stored, with its training attempt and
// the status last computed for it.
type enrollmentRow struct {
	skillpath.Enrollment
	AttemptUUID string
	CompletedAt *time.Time
	MasteredAt  *time.Time
	PassedAt    *time.Time      // when the attempt was first passed: it is reported passed once, never failed after
	Status      status.Training // without expiry: see status.Expire
	Score       *float64
}

const enrollmentColumns = `e.id, e.user_id, e.session_id, e.training_id, e.enrolled_at, e.self_enrolled, e.approved_at,
	e.auto_reenrolled, e.started_at, e.attempt_uuid, e.completed_at, e.mastered_at, e.status, e.score, e.passed_at`

// scanEnrollment reads enrollmentColumns, and then more columns into extra.
func scanEnrollment(row interface{ Scan(...any) error }, extra ...any) (*enrollmentRow, error) {
	var e enrollmentRow
	var enrolled int64
	var approved, started, completed, mastered, passed sql.NullInt64
	var attempt sql.NullString
	var score sql.NullFloat64
	if err := row.Scan(append([]any{&e.ID, &e.UserID, &e.SessionID, &e.TrainingID, &enrolled, &e.SelfEnrolled, &approved,
		&e.AutoReenrolled, &started, &attempt, &completed, &mastered, &e.Status, &score, &passed}, extra...)...); err != nil {
		return nil, err
	}
	e.EnrolledAt = fromMillis(enrolled)
	e.ApprovedAt, e.StartedAt, e.CompletedAt, e.MasteredAt = timePtr(approved), timePtr(started), timePtr(completed), timePtr(mastered)
	e.PassedAt = timePtr(passed)
	e.AttemptUUID = attempt.String
	e.Score = floatPtr(score)
	return &e, nil
}

// findEnrollment reads one live enrollment; lock takes its row lock on
// PostgreSQL so concurrent actions on one enrollment run one after another.
func (tx *Tx) findEnrollment(ctx context.Context, id skillpath.ID, lock bool) (*enrollmentRow, error) {
	q := `SELECT ` + enrollmentColumns + ` FROM enrollments e WHERE e.id = $1 AND e.deleted_at IS NULL`
	if lock {
		q += tx.store.dialect.forUpdate()
	}
	e, err := scanEnrollment(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found", id)
	}
	return e, err
}

// loadEnrollments reads the live enrollments among ids.
func (tx *Tx) loadEnrollments(ctx context.Context, ids []skillpath.ID) ([]*enrollmentRow, error) {
	var list []*enrollmentRow
	for _, chunk := range chunks(ids, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id IN (`+in+`) AND e.deleted_at IS NULL ORDER BY e.id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			e, err := scanEnrollment(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			list = append(list, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// batchSize bounds the ids of one IN list, well under both databases'
// parameter limits.
const batchSize = 500

func chunks[T any](list []T, size int) [][]T {
	var out [][]T
	for len(list) > size {
		out = append(out, list[:size])
		list = list[size:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}

// trainingDef is a training with what its rules need: the whole tree, its
// prerequisites and the certificates it grants.
type trainingDef struct {
	*skillpath.Training
	certificates []*skillpath.Certificate // granted, by id
	version      int64                    // trainings.version the tree was read at (trees.go)
}

// activity finds an activity of the training and its module.
func (d *trainingDef) activity(id skillpath.ID) (*skillpath.Module, *skillpath.Activity, error) {
	for _, m := range d.Modules {
		for _, a := range m.Activities {
			if a.ID == id {
				return m, a, nil
			}
		}
	}
	return nil, nil, skillpath.Errorf(skillpath.ENOTFOUND, "activity %s is not part of training %s", id, d.ID)
}

// module finds a module of the training.
func (d *trainingDef) module(id skillpath.ID) (*skillpath.Module, error) {
	for _, m := range d.Modules {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, skillpath.Errorf(skillpath.ENOTFOUND, "module %s is not part of training %s", id, d.ID)
}

// progress is what a learner did in one enrollment.
type progress struct {
	attempts         map[skillpath.ID]*moduleAttempt // the latest attempt, by module
	awards           []awardRow
	prerequisitesMet bool
}

// addAnswer records a row of a module attempt read from the database: the
// attempt, and its answer when activityID is not NULL (an attempt without
// answers comes as one row with NULL answer columns).
func (p *progress) addAnswer(moduleID, attemptID skillpath.ID, number int, activityID sql.NullInt64, response sql.NullString,
	answeredAt sql.NullInt64, score sql.NullFloat64) {
	att := p.attempts[moduleID]
	if att == nil {
		att = &moduleAttempt{id: attemptID, number: number, answers: map[skillpath.ID]*answerRow{}}
		p.attempts[moduleID] = att
	}
	if activityID.Valid {
		ans := &answerRow{answeredAt: fromMillis(answeredAt.Int64), score: floatPtr(score)}
		if response.Valid {
			ans.response = &response.String
		}
		att.answers[skillpath.ID(activityID.Int64)] = ans
	}
}

type moduleAttempt struct {
	id      skillpath.ID
	number  int
	answers map[skillpath.ID]*answerRow // by activity
}

type answerRow struct {
	response   *string
	answeredAt time.Time
	score      *float64
}

type awardRow struct {
	certificateID skillpath.ID
	deliveredAt   time.Time
	expiresAt     *time.Time
}

// loadProgress reads the progress of enrollments of one training: one query
// per table for the whole batch.
func (tx *Tx) loadProgress(ctx context.Context, def *trainingDef, list []*enrollmentRow) (map[skillpath.ID]*progress, error) {
	out := make(map[skillpath.ID]*progress, len(list))
	ids := make([]skillpath.ID, len(list))
	users := make([]skillpath.ID, 0, len(list))
	for i, e := range list {
		out[e.ID] = &progress{attempts: map[skillpath.ID]*moduleAttempt{}, prerequisitesMet: true}
		ids[i] = e.ID
		users = append(users, e.UserID)
	}
	for _, chunk := range chunks(ids, batchSize) {
		if err := tx.loadAttempts(ctx, chunk, out); err != nil {
			return nil, err
		}
		if err := tx.loadAwards(ctx, chunk, out); err != nil {
			return nil, err
		}
	}
	if len(def.PrerequisiteIDs) > 0 {
		passed, err := tx.passedPrerequisites(ctx, def.PrerequisiteIDs, users)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			out[e.ID].prerequisitesMet = passed[e.UserID] == len(def.PrerequisiteIDs)
		}
	}
	return out, nil
}

// progressOf reads the progress of one enrollment — its latest module
// attempts with their answers, and its certificates — in one statement
// declared for the learning pass.
func (tx *Tx) progressOf(ctx context.Context, def *trainingDef, e *enrollmentRow) (*progress, error) {
	p := &progress{attempts: map[skillpath.ID]*moduleAttempt{}, prerequisitesMet: true}
	rows, err := tx.stmt(ctx, qProgressOf).QueryContext(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var a, b, c, activityID, answeredAt sql.NullInt64
		var response sql.NullString
		var score sql.NullFloat64
		if err := rows.Scan(&kind, &a, &b, &c, &activityID, &response, &answeredAt, &score); err != nil {
			return nil, err
		}
		if kind == "award" { // certificate, delivered, expires
			p.awards = append(p.awards, awardRow{certificateID: skillpath.ID(a.Int64), deliveredAt: fromMillis(b.Int64), expiresAt: timePtr(c)})
			continue
		}
		// module, attempt, number
		p.addAnswer(skillpath.ID(a.Int64), skillpath.ID(b.Int64), int(c.Int64), activityID, response, answeredAt, score)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(def.PrerequisiteIDs) > 0 && e.StartedAt == nil { // the rule reads them only before the start (status.Training)
		passed, err := tx.passedPrerequisites(ctx, def.PrerequisiteIDs, []skillpath.ID{e.UserID})
		if err != nil {
			return nil, err
		}
		p.prerequisitesMet = passed[e.UserID] == len(def.PrerequisiteIDs)
	}
	return p, nil
}

// qProgressOf is attemptsQuery and awardsQuery for one enrollment, in one
// statement.
//
// On PostgreSQL the answers are joined LATERAL, fenced by OFFSET 0 so that
// the planner cannot flatten it into a plain join: each latest attempt's
// answers are then read through the answers' (module_attempt_id,
// activity_id) index whatever the statistics say. As a plain join, on
// tables not analyzed since they grew (autovacuum off, or a busy first
// minute), PostgreSQL hashed the whole answers table for every answer —
// 1.2–2.6 ms of server CPU per answer at 5,000–20,000 answers, against
// 0.6 ms after ANALYZE — and a prepared statement keeps such a plan until
// something invalidates it (docs/PERFORMANCE.md, "issue 12, fifth
// session"). SQLite, without statistics, reads the index anyway.
var qProgressOf = prepareFor(func(d dialect) string {
	answers := `LEFT JOIN answers a ON a.module_attempt_id = ma.id`
	if d.postgres {
		answers = `LEFT JOIN LATERAL (SELECT a.activity_id, a.response, a.answered_at, a.score FROM answers a
		WHERE a.module_attempt_id = ma.id OFFSET 0) a ON TRUE`
	}
	return `SELECT 'attempt', ma.module_id, ma.id, ma.number, a.activity_id, a.response, a.answered_at, a.score
	FROM module_attempts ma ` + answers + `
	WHERE ma.enrollment_id = $1 AND NOT EXISTS (SELECT 1 FROM module_attempts newer
		WHERE newer.enrollment_id = ma.enrollment_id AND newer.module_id = ma.module_id AND newer.number > ma.number)
	UNION ALL
	SELECT 'award', certificate_id, delivered_at, expires_at, NULL, NULL, NULL, NULL FROM awards WHERE enrollment_id = $1 AND revoked_at IS NULL`
})

const (
	attemptsQuery = `SELECT ma.enrollment_id, ma.module_id, ma.id, ma.number, a.activity_id, a.response, a.answered_at, a.score
		FROM module_attempts ma LEFT JOIN answers a ON a.module_attempt_id = ma.id
		WHERE ma.enrollment_id %s AND NOT EXISTS (SELECT 1 FROM module_attempts newer
			WHERE newer.enrollment_id = ma.enrollment_id AND newer.module_id = ma.module_id AND newer.number > ma.number)`
	awardsQuery = `SELECT enrollment_id, certificate_id, delivered_at, expires_at FROM awards
		WHERE enrollment_id %s AND revoked_at IS NULL ORDER BY certificate_id`
)

// loadAttempts reads the latest attempt of each module, with its answers.
func (tx *Tx) loadAttempts(ctx context.Context, ids []skillpath.ID, out map[skillpath.ID]*progress) error {
	in, args := inList(ids, 1)
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(attemptsQuery, "IN ("+in+")"), args...)
	return scanAttempts(rows, err, out)
}

func scanAttempts(rows *sql.Rows, err error, out map[skillpath.ID]*progress) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var enrollmentID, moduleID, attemptID skillpath.ID
		var number int
		var activityID, answeredAt sql.NullInt64
		var response sql.NullString
		var score sql.NullFloat64
		if err := rows.Scan(&enrollmentID, &moduleID, &attemptID, &number, &activityID, &response, &answeredAt, &score); err != nil {
			return err
		}
		out[enrollmentID].addAnswer(moduleID, attemptID, number, activityID, response, answeredAt, score)
	}
	return rows.Err()
}

func (tx *Tx) loadAwards(ctx context.Context, ids []skillpath.ID, out map[skillpath.ID]*progress) error {
	in, args := inList(ids, 1)
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(awardsQuery, "IN ("+in+")"), args...)
	return scanAwards(rows, err, out)
}

func scanAwards(rows *sql.Rows, err error, out map[skillpath.ID]*progress) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var enrollmentID skillpath.ID
		var a awardRow
		var delivered int64
		var expires sql.NullInt64
		if err := rows.Scan(&enrollmentID, &a.certificateID, &delivered, &expires); err != nil {
			return err
		}
		a.deliveredAt, a.expiresAt = fromMillis(delivered), timePtr(expires)
		out[enrollmentID].awards = append(out[enrollmentID].awards, a)
	}
	return rows.Err()
}

// passedPrerequisites counts, per user, how many of the prerequisite
// trainings they have passed at least once in a live enrollment: an expired
// pass still counts (SPEC §1), and so does a pass whose training was edited
// afterwards (SPEC §9: passed_at stays once set, whatever the status).
func (tx *Tx) passedPrerequisites(ctx context.Context, prerequisites, users []skillpath.ID) (map[skillpath.ID]int, error) {
	passed := map[skillpath.ID]int{}
	pin, pargs := inList(prerequisites, 2)
	for _, chunk := range chunks(users, batchSize) {
		uin, uargs := inList(chunk, 2+len(prerequisites))
		args := append(append([]any{true}, pargs...), uargs...)
		rows, err := tx.QueryContext(ctx, `SELECT user_id, COUNT(DISTINCT training_id) FROM enrollments
			WHERE (passed_at IS NOT NULL) = $1 AND deleted_at IS NULL AND training_id IN (`+pin+`) AND user_id IN (`+uin+`)
			GROUP BY user_id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var user skillpath.ID
			var n int
			if err := rows.Scan(&user, &n); err != nil {
				rows.Close()
				return nil, err
			}
			passed[user] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return passed, nil
}

// facts turns what was loaded into the facts of the pure status rules.
func (def *trainingDef) facts(e *enrollmentRow, p *progress) status.TrainingFacts {
	f := status.TrainingFacts{
		PrerequisitesMet: p.prerequisitesMet,
		ApprovalPending:  e.SelfEnrolled && def.RequiresApproval && e.ApprovedAt == nil,
		Started:          e.StartedAt != nil,
		PassingScore:     def.PassingScore,
		Modules:          make([]status.ModuleFacts, len(def.Modules)),
	}
	for i, m := range def.Modules {
		att := p.attempts[m.ID]
		mf := status.ModuleFacts{MinScore: m.MinScore, Attempted: att != nil, Activities: make([]status.ActivityFacts, len(m.Activities))}
		for j, a := range m.Activities {
			af := status.ActivityFacts{Points: a.Points, ManualScoring: a.ManualScoring}
			if att != nil {
				if ans := att.answers[a.ID]; ans != nil {
					af.Answered, af.Score = true, ans.score
				}
			}
			mf.Activities[j] = af
		}
		f.Modules[i] = mf
	}
	for _, a := range p.awards {
		f.Awards = append(f.Awards, status.AwardFacts{ExpiresAt: a.expiresAt})
	}
	return f
}
