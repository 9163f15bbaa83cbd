package skillpath

import "time"

// Verb is an xAPI verb skillpath reports (SPEC §4, seed 001).
type Verb string

const (
	VerbStarted     Verb = "started"
	VerbProgressed  Verb = "progressed"
	VerbExperienced Verb = "experienced"
	VerbAnswered    Verb = "answered"
	VerbMastered    Verb = "mastered"
	VerbPassed      Verb = "passed"
	VerbFailed      Verb = "failed"
)

// Verbs lists every verb in the order of seed 001's table.
var Verbs = []Verb{VerbStarted, VerbProgressed, VerbExperienced, VerbAnswered, VerbMastered, VerbPassed, VerbFailed}

// LearningEvent is something a learner did or reached, recorded in the same
// transaction as the facts it changes, so that the statement reporting it
// (SPEC §4) is never lost. Its ID is the statement's id, fixed when the event
// happens.
type LearningEvent struct {
	ID           string
	Verb         Verb
	At           time.Time
	UserID       ID
	EnrollmentID ID
	TrainingID   ID
	AttemptUUID  string // the training attempt: xAPI context.registration
	ModuleID     ID     // 0 for an event about the whole training
	ActivityID   ID     // 0 unless the event is about one activity
	Response     *string
	Score        *float64 // points for an activity, percent for the training
	MaxScore     float64  // points available (activity) or 100 (training)
	Success      *bool
	Completion   *bool
	Progress     *float64      // percent of the training's activities done
	Duration     time.Duration // since the attempt started, for completion events
}
