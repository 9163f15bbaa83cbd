package skillpath

import "time"

// SkipReason says why a bulk enrollment left a learner out (SPEC §6).
type SkipReason string

// The reasons a learner named in a bulk enrollment is not enrolled, checked
// in this order: a caller who may not assign the learner learns nothing
// more about them.
const (
	SkipOutsideGroups   SkipReason = "outside_your_groups" // not in a group (or subgroup) the caller administers
	SkipDeleted         SkipReason = "deleted"             // the user is deleted
	SkipAlreadyEnrolled SkipReason = "already_enrolled"    // a live enrollment in the session exists
)

// MaxBulkEnrollment bounds the learners one bulk enrollment may name, after
// its groups are expanded: one transaction stays within seconds.
const MaxBulkEnrollment = 20_000

// SkippedLearner is one learner a bulk enrollment left out, and why.
type SkippedLearner struct {
	UserID ID         `json:"user_id"`
	Reason SkipReason `json:"reason"`
}

// BulkEnrollment is the answer of a bulk enrollment: how many learners were
// enrolled, and every one skipped with its reason (SPEC §6).
type BulkEnrollment struct {
	Enrolled int              `json:"enrolled"`
	Skipped  []SkippedLearner `json:"skipped"`
}

// LearnerFacts is what a bulk enrollment knows of one candidate learner.
type LearnerFacts struct {
	Deleted  bool
	InScope  bool // the caller may assign them (platform admin, or admin of one of their groups)
	Enrolled bool // a live enrollment in the session exists
}

// PlanBulkEnrollment splits candidates (in the order given) into the
// learners to enroll and those skipped, with the reasons above.
func PlanBulkEnrollment(candidates []ID, facts map[ID]LearnerFacts) (enroll []ID, skipped []SkippedLearner) {
	skipped = []SkippedLearner{}
	for _, id := range candidates {
		f := facts[id]
		switch {
		case !f.InScope:
			skipped = append(skipped, SkippedLearner{id, SkipOutsideGroups})
		case f.Deleted:
			skipped = append(skipped, SkippedLearner{id, SkipDeleted})
		case f.Enrolled:
			skipped = append(skipped, SkippedLearner{id, SkipAlreadyEnrolled})
		default:
			enroll = append(enroll, id)
		}
	}
	return enroll, skipped
}

// Approval is a self-enrollment awaiting an administrator's approval (SPEC
// §1, §6): the learner, the path, the session, and since when it waits.
type Approval struct {
	EnrollmentID  ID        `json:"enrollment_id"`
	UserID        ID        `json:"user_id"`
	LearnerName   string    `json:"learner_name"`
	LearnerEmail  string    `json:"learner_email"`
	TrainingID    ID        `json:"training_id"`
	TrainingTitle string    `json:"training_title"`
	SessionID     ID        `json:"session_id"`
	SessionName   string    `json:"session_name"`
	Since         time.Time `json:"since"`
}
