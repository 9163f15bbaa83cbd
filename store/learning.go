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

// A learning action — start, view, answer, retake by the learner; score or
// approve by staff — is one transaction in one pass (issue 12):
//
//  1. find the enrollment, locked, with its training's version, its session
//     and its learner (one statement);
//  2. check what the caller may do (a query only when the caller is not the
//     learner or a platform admin);
//  3. load the facts once: the training's tree from the cache (trees.go),
//     the latest module attempts with their answers, the certificates;
//  4. apply the action to the database and to the facts in memory;
//  5. compute the statuses with status/ and store what changed, with the
//     events and certificates that follow (refresh.go, outbox.go);
//  6. build the answer from the same facts (results.go).
//
// Reading an enrollment (ActRead) is the same pass without 4 and 5 in a
// read-only transaction. On SQLite, actions that queue for the one writer
// are committed together, each pass in a savepoint of the batch's
// transaction (learn_batch.go).

// ActKind names a learning action.
type ActKind int

// The learning actions.
const (
	ActRead    ActKind = iota // read the enrollment; change nothing
	ActStart                  // the learner starts the training (SPEC §1)
	ActView                   // the learner views a content activity
	ActAnswer                 // the learner answers a question
	ActRetake                 // the learner starts a new attempt of a completed module
	ActScore                  // staff score an answer awaiting scoring
	ActApprove                // staff approve a self-enrollment
)

// Act is one learning action with what it needs.
type Act struct {
	Kind       ActKind
	ActivityID skillpath.ID // ActView, ActAnswer, ActScore
	ModuleID   skillpath.ID // ActRetake
	Response   string       // ActAnswer
	Score      float64      // ActScore: 0 ≤ Score ≤ the activity's points
	By         skillpath.ID // ActScore, ActApprove: who did it
}

// Guard decides from what the caller is to the enrollment's learner and
// training (skillpath.Access) whether the action may go on, and returns the
// error to answer otherwise. It is first asked with Self and PlatformAdmin
// only, and with the caller's group and training roles read from the
// database only if it refuses: a guard must accept whenever it accepts with
// fewer roles.
type Guard func(skillpath.Access) error

// Learning is an enrollment after an action, built from the facts of the
// action's transaction.
type Learning struct {
	Result *skillpath.EnrollmentResult
	// Training is the training's tree. It is shared with other requests:
	// read it, never change it.
	Training    *skillpath.Training
	SessionName string
}

// Learn runs act in the live enrollment id in one transaction and returns
// where the learner stands after it. With a caller and a guard, the guard
// decides first what the caller may do; without, the action is not checked
// (the store's own callers). Returns ENOTFOUND for an unknown or deleted
// enrollment, or an activity or module of another training; the guard's
// error; and each action's errors (Start, View, Answer, Retake, Score,
// Approve).
func (s *Store) Learn(ctx context.Context, id skillpath.ID, caller *skillpath.User, guard Guard, act Act) (*Learning, error) {
	if act.Kind != ActRead && s.batcher != nil {
		return s.batcher.learn(ctx, id, caller, guard, act)
	}
	return s.learnAlone(ctx, id, caller, guard, act)
}

// learn is the pass (see the top of this file).
func (tx *Tx) learn(ctx context.Context, id skillpath.ID, caller *skillpath.User, guard Guard, act Act) (*Learning, error) {
	c, err := tx.enrollmentContext(ctx, id, act.Kind != ActRead)
	if err != nil {
		return nil, err
	}
	e := c.enrollment
	if err := tx.allow(ctx, caller, guard, e); err != nil {
		return nil, err
	}
	def, err := tx.trainingDefAt(ctx, e.TrainingID, c.version)
	if err != nil {
		return nil, err
	}
	p, err := tx.progressOf(ctx, def, e)
	if err != nil {
		return nil, err
	}
	if act.Kind != ActRead {
		if err := tx.apply(ctx, def, c, p, act); err != nil {
			return nil, err
		}
		passChanged, err := tx.refreshOne(ctx, def, e, p)
		if err != nil {
			return nil, err
		}
		if passChanged {
			if err := tx.refreshDependents(ctx, map[skillpath.ID]bool{e.UserID: true}, []skillpath.ID{e.ID}); err != nil {
				return nil, err
			}
		}
	}
	return &Learning{Result: def.result(e, p, tx.now), Training: def.Training, SessionName: c.sessionName}, nil
}

// enrollmentContext is a live enrollment with what one pass needs besides
// the facts.
type enrollmentContext struct {
	enrollment      *enrollmentRow
	version         int64 // of the training
	sessionName     string
	sessionArchived bool
}

const enrollmentContextQuery = `SELECT ` + enrollmentColumns + `, t.version, s.name, s.archived_at, u.email, u.name, ls.training_id, ls.live_verbs
	FROM enrollments e JOIN trainings t ON t.id = e.training_id JOIN sessions s ON s.id = e.session_id JOIN users u ON u.id = e.user_id
	LEFT JOIN lrs_settings ls ON ls.training_id = e.training_id AND ls.live_endpoint IS NOT NULL
	WHERE e.id = $1 AND e.deleted_at IS NULL`

var (
	qEnrollmentContext = prepare(enrollmentContextQuery)
	// The row lock makes concurrent actions on one enrollment run one
	// after another on PostgreSQL; SQLite has one writer at a time.
	qEnrollmentContextLocked = prepareFor(func(d dialect) string {
		if d.postgres {
			return enrollmentContextQuery + ` FOR UPDATE OF e`
		}
		return enrollmentContextQuery
	})
)

// enrollmentContext reads the enrollment, locked when lock is set, with its
// training's version, its session and its learner, and keeps the learner
// and the training's live LRS settings for the events of the transaction.
func (tx *Tx) enrollmentContext(ctx context.Context, id skillpath.ID, lock bool) (*enrollmentContext, error) {
	q := qEnrollmentContext
	if lock {
		q = qEnrollmentContextLocked
	}
	var c enrollmentContext
	var archived, lrsTraining sql.NullInt64
	var liveVerbs sql.NullString
	learner := &skillpath.User{}
	e, err := scanEnrollment(tx.stmt(ctx, q).QueryRowContext(ctx, id), &c.version, &c.sessionName, &archived,
		&learner.Email, &learner.Name, &lrsTraining, &liveVerbs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found", id)
	} else if err != nil {
		return nil, err
	}
	c.enrollment, c.sessionArchived = e, archived.Valid
	learner.ID = e.UserID
	var live *skillpath.LRSSettings
	if lrsTraining.Valid {
		verbs, err := parseVerbs(liveVerbs.String)
		if err != nil {
			return nil, err
		}
		live = &skillpath.LRSSettings{Verbs: verbs}
	}
	if tx.live == nil {
		tx.live, tx.known = map[skillpath.ID]*skillpath.LRSSettings{}, map[skillpath.ID]*skillpath.User{}
	}
	tx.live[e.TrainingID], tx.known[e.UserID] = live, learner
	return &c, nil
}

var qAccess = prepare(`SELECT DISTINCT gs.role FROM group_staff gs
	JOIN group_tree gt ON gt.ancestor_id = gs.group_id
	JOIN group_members gm ON gm.group_id = gt.descendant_id
	WHERE gs.user_id = $1 AND gm.user_id = $2
	UNION
	SELECT role FROM training_staff WHERE user_id = $1 AND training_id = $3`)

// allow asks the guard whether the caller may act in the enrollment, with
// the caller's roles read only when it refuses without them.
func (tx *Tx) allow(ctx context.Context, caller *skillpath.User, guard Guard, e *enrollmentRow) error {
	if caller == nil || guard == nil {
		return nil
	}
	a := skillpath.Access{Self: caller.ID == e.UserID, PlatformAdmin: caller.PlatformAdmin}
	if guard(a) == nil {
		return nil
	}
	rows, err := tx.stmt(ctx, qAccess).QueryContext(ctx, caller.ID, e.UserID, e.TrainingID)
	a, err = scanAccess(a, rows, err)
	if err != nil {
		return err
	}
	return guard(a)
}

// apply makes the action's change in the database and in the facts.
func (tx *Tx) apply(ctx context.Context, def *trainingDef, c *enrollmentContext, p *progress, act Act) error {
	e := c.enrollment
	switch act.Kind {
	case ActStart:
		return tx.start(ctx, def, c)
	case ActView:
		return tx.view(ctx, def, e, p, act.ActivityID)
	case ActAnswer:
		return tx.answer(ctx, def, e, p, act.ActivityID, act.Response)
	case ActRetake:
		return tx.retake(ctx, def, e, p, act.ModuleID)
	case ActScore:
		return tx.score(ctx, def, e, p, act.ActivityID, act.Score, act.By)
	case ActApprove:
		if c.sessionArchived {
			// Enrollment in an archived session is closed, as bulk
			// enrollment's 422 says: nothing there awaits approval.
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %q is archived: no one can enroll in it, so the request cannot be approved (refuse it instead)", c.sessionName)
		}
		return tx.approve(ctx, def, e, act.By)
	}
	return nil
}

// Start creates the training attempt (SPEC §1: no attempt exists until the
// learner starts). Starting again changes nothing. Returns EUNPROCESSABLE
// while prerequisites or approval are pending, or when the session is
// archived.
func (s *Store) Start(ctx context.Context, id skillpath.ID) error {
	_, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActStart})
	return err
}

var qStart = prepare(`UPDATE enrollments SET started_at = $1, attempt_uuid = $2 WHERE id = $3`)

func (tx *Tx) start(ctx context.Context, def *trainingDef, c *enrollmentContext) error {
	e := c.enrollment
	if e.StartedAt != nil {
		return nil
	}
	switch e.Status {
	case status.TrainingPrerequisitesPending:
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "pass the prerequisite trainings of %q before starting it", def.Title)
	case status.TrainingApprovalPending:
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "this enrollment is waiting for an administrator's approval")
	}
	if c.sessionArchived {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %s is archived", e.SessionID)
	}
	e.AttemptUUID = uuid.NewString()
	e.StartedAt = &tx.now
	if _, err := tx.stmt(ctx, qStart).ExecContext(ctx, millis(tx.now), e.AttemptUUID, e.ID); err != nil {
		return err
	}
	tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbStarted})
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
	_, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActView, ActivityID: activityID})
	return err
}

var qInsertAnswer = prepare(`INSERT INTO answers (module_attempt_id, activity_id, response, answered_at, score, scored_at)
	VALUES ($1, $2, $3, $4, $5, $6)`)

func (tx *Tx) view(ctx context.Context, def *trainingDef, e *enrollmentRow, p *progress, activityID skillpath.ID) error {
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
	att, err := tx.currentAttempt(ctx, e, p, m.ID)
	if err != nil {
		return err
	}
	if _, viewed := att.answers[a.ID]; viewed {
		return nil
	}
	if _, err := tx.stmt(ctx, qInsertAnswer).ExecContext(ctx, att.id, a.ID, nil, millis(tx.now), nil, nil); err != nil {
		return err
	}
	att.answers[a.ID] = &answerRow{answeredAt: tx.now}
	tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbExperienced, ModuleID: m.ID, ActivityID: a.ID, Completion: ptr(true)})
	tx.markProgressed(e.ID)
	return nil
}

// Answer records the learner's answer to a question and scores it at once
// unless a person scores it. Returns EINVALID for a response the question
// cannot take, EUNPROCESSABLE when the question was already answered in this
// module attempt (a retake allows another), ENOTFOUND for an activity of
// another training.
func (s *Store) Answer(ctx context.Context, id, activityID skillpath.ID, response string) error {
	_, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActAnswer, ActivityID: activityID, Response: response})
	return err
}

func (tx *Tx) answer(ctx context.Context, def *trainingDef, e *enrollmentRow, p *progress, activityID skillpath.ID, response string) error {
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
	att, err := tx.currentAttempt(ctx, e, p, m.ID)
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
	if _, err := tx.stmt(ctx, qInsertAnswer).ExecContext(ctx, att.id, a.ID, response, millis(tx.now), score, scoredAt); err != nil {
		return err
	}
	att.answers[a.ID] = &answerRow{response: &response, answeredAt: tx.now, score: score}
	ev := skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: m.ID, ActivityID: a.ID, Response: &response,
		Score: score, MaxScore: a.Points, Completion: ptr(true)}
	if score != nil && a.Points > 0 {
		ev.Success = ptr(*score >= a.Points)
	}
	tx.event(e, def, ev)
	tx.markProgressed(e.ID)
	if score == nil && a.ManualScoring {
		return tx.noteScoring(ctx, def, e) // SPEC §7
	}
	return nil
}

func (tx *Tx) markProgressed(id skillpath.ID) {
	if tx.progressed == nil {
		tx.progressed = map[skillpath.ID]bool{}
	}
	tx.progressed[id] = true
}

var qInsertAttempt = prepare(`INSERT INTO module_attempts (enrollment_id, module_id, number, started_at) VALUES ($1, $2, $3, $4) RETURNING id`)

// currentAttempt returns the latest attempt of the module, creating the
// first one when the learner has none yet.
func (tx *Tx) currentAttempt(ctx context.Context, e *enrollmentRow, p *progress, moduleID skillpath.ID) (*moduleAttempt, error) {
	if att := p.attempts[moduleID]; att != nil {
		return att, nil
	}
	return tx.newAttempt(ctx, e, p, moduleID, 1)
}

// newAttempt starts attempt number of the module.
func (tx *Tx) newAttempt(ctx context.Context, e *enrollmentRow, p *progress, moduleID skillpath.ID, number int) (*moduleAttempt, error) {
	var id skillpath.ID
	if err := tx.stmt(ctx, qInsertAttempt).QueryRowContext(ctx, e.ID, moduleID, number, millis(tx.now)).Scan(&id); err != nil {
		return nil, err
	}
	att := &moduleAttempt{id: id, number: number, answers: map[skillpath.ID]*answerRow{}}
	p.attempts[moduleID] = att
	return att, nil
}

// Retake starts a new attempt of a completed module (SPEC §1: the module's
// status is that of its latest attempt). Returns EUNPROCESSABLE when the
// module is not completed, no attempt is left, or the training is passed.
func (s *Store) Retake(ctx context.Context, id, moduleID skillpath.ID) error {
	_, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActRetake, ModuleID: moduleID})
	return err
}

func (tx *Tx) retake(ctx context.Context, def *trainingDef, e *enrollmentRow, p *progress, moduleID skillpath.ID) error {
	m, err := def.module(moduleID)
	if err != nil {
		return err
	}
	if err := requireStarted(e); err != nil {
		return err
	}
	r := status.TrainingStatus(def.facts(e, p), tx.now)
	if e.Status == status.TrainingPassed {
		r.Status = status.TrainingPassed
	}
	mr := r.Modules[slices.Index(def.Modules, m)]
	att := p.attempts[m.ID]
	if ok, why := status.Retake(mr.Status, r.Status); !ok {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "module %q is %s: %s", m.Title, mr.Status.Label(), why)
	}
	if m.MaxAttempts != 0 && att.number >= m.MaxAttempts {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "module %q allows %d attempts and all are used", m.Title, m.MaxAttempts)
	}
	_, err = tx.newAttempt(ctx, e, p, m.ID, att.number+1)
	return err
}

// Score gives a score to an answer awaiting scoring, in the module's latest
// attempt. Returns EINVALID unless 0 ≤ score ≤ the activity's points,
// EUNPROCESSABLE for an activity that is not scored by hand or has no
// answer, ECONFLICT when the answer is already scored.
func (s *Store) Score(ctx context.Context, id, activityID skillpath.ID, score float64, by skillpath.ID) error {
	_, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActScore, ActivityID: activityID, Score: score, By: by})
	return err
}

var qScore = prepare(`UPDATE answers SET score = $1, scored_at = $2, scored_by = $3 WHERE module_attempt_id = $4 AND activity_id = $5`)

func (tx *Tx) score(ctx context.Context, def *trainingDef, e *enrollmentRow, p *progress, activityID skillpath.ID, score float64, by skillpath.ID) error {
	m, a, err := def.activity(activityID)
	if err != nil {
		return err
	}
	if !a.ManualScoring {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "activity %s is scored automatically", a.ID)
	}
	// A deleted learner has left the grading queue (issue 13, fault 5).
	if deleted, err := tx.userDeleted(ctx, e.UserID); err != nil {
		return err
	} else if deleted {
		return skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s not found: its learner is deleted", e.ID)
	}
	if math.IsNaN(score) || score < 0 || score > a.Points {
		return skillpath.Invalid("score", "must be between 0 and %g, the activity's points", a.Points)
	}
	att := p.attempts[m.ID]
	if att == nil || att.answers[a.ID] == nil {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "activity %s has no answer to score", a.ID)
	}
	ans := att.answers[a.ID]
	if ans.score != nil {
		return skillpath.Errorf(skillpath.ECONFLICT, "the answer to activity %s is already scored", a.ID)
	}
	if _, err := tx.stmt(ctx, qScore).ExecContext(ctx, score, millis(tx.now), by, att.id, a.ID); err != nil {
		return err
	}
	ans.score = &score
	// The LRS learns the score as it learnt the answer: answered again,
	// now with result.score (docs/DECISIONS.md). No success: a score
	// given by hand has no right answer to be measured against.
	tx.event(e, def, skillpath.LearningEvent{Verb: skillpath.VerbAnswered, ModuleID: m.ID, ActivityID: a.ID,
		Response: ans.response, Score: &score, MaxScore: a.Points, Completion: ptr(true)})
	return nil
}

// Approve approves a self-enrollment awaiting approval. Returns
// EUNPROCESSABLE when the enrollment is not awaiting approval or its
// session is archived.
func (s *Store) Approve(ctx context.Context, id, by skillpath.ID) error {
	_, err := s.Learn(ctx, id, nil, nil, Act{Kind: ActApprove, By: by})
	return err
}

var qApprove = prepare(`UPDATE enrollments SET approved_at = $1, approved_by = $2 WHERE id = $3`)

func (tx *Tx) approve(ctx context.Context, def *trainingDef, e *enrollmentRow, by skillpath.ID) error {
	if !e.SelfEnrolled || e.ApprovedAt != nil || !def.RequiresApproval {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "enrollment %s is not awaiting approval", e.ID)
	}
	if _, err := tx.stmt(ctx, qApprove).ExecContext(ctx, millis(tx.now), by, e.ID); err != nil {
		return err
	}
	e.ApprovedAt = &tx.now
	tx.noteApproved(def, e) // SPEC §7
	return nil
}

// errNoRows reports whether err means no row matched.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
