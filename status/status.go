// Package status holds the status rules of SPEC §1 and the certificate and
// session rules of SPEC §2 as pure functions of stored facts and of "now".
// Storage and HTTP gather the facts and show the results; a bug in a status
// is fixed here and nowhere else.
package status

// Activity is a learner's status in one activity of one module attempt.
type Activity string

const (
	ActivityNotStarted      Activity = "not_started"
	ActivityAwaitingScoring Activity = "awaiting_scoring"
	ActivityDone            Activity = "done"
)

// Module is a learner's status in one module: that of the latest attempt.
type Module string

const (
	ModuleNotStarted      Module = "not_started"
	ModuleStarted         Module = "started"
	ModuleAwaitingScoring Module = "awaiting_scoring"
	ModulePassed          Module = "passed"
	ModuleFailed          Module = "failed"
)

// Completed reports whether the learner has nothing left to do in the module.
func (m Module) Completed() bool { return m == ModulePassed || m == ModuleFailed }

// Training is a learner's status in one enrollment.
type Training string

const (
	TrainingPrerequisitesPending Training = "prerequisites_pending"
	TrainingApprovalPending      Training = "approval_pending"
	TrainingExpired              Training = "expired"
	TrainingNotStarted           Training = "not_started"
	TrainingStarted              Training = "started"
	TrainingAwaitingScoring      Training = "awaiting_scoring"
	TrainingPassed               Training = "passed"
	TrainingFailed               Training = "failed"
)

// Trainings lists every training status in the order SPEC §1 checks them.
var Trainings = []Training{
	TrainingPrerequisitesPending, TrainingApprovalPending, TrainingExpired, TrainingNotStarted,
	TrainingStarted, TrainingAwaitingScoring, TrainingPassed, TrainingFailed,
}

var trainingLabels = map[Training]string{
	TrainingPrerequisitesPending: "Prerequisites pending",
	TrainingApprovalPending:      "Approval pending",
	TrainingExpired:              "Expired",
	TrainingNotStarted:           "Not started",
	TrainingStarted:              "In progress",
	TrainingAwaitingScoring:      "Awaiting scoring",
	TrainingPassed:               "Passed",
	TrainingFailed:               "Failed",
}

// Label is the training status as the results page shows it ("In progress"
// for started, as seed 000 says).
func (t Training) Label() string { return trainingLabels[t] }

// Valid reports whether t is a known training status.
func (t Training) Valid() bool { _, ok := trainingLabels[t]; return ok }

// Completed reports whether the learner has finished the training.
func (t Training) Completed() bool {
	return t == TrainingPassed || t == TrainingFailed || t == TrainingExpired
}

var activityLabels = map[Activity]string{
	ActivityNotStarted: "Not started", ActivityAwaitingScoring: "Awaiting scoring", ActivityDone: "Done",
}

// Label is the activity status as pages show it.
func (a Activity) Label() string { return activityLabels[a] }

var moduleLabels = map[Module]string{
	ModuleNotStarted: "Not started", ModuleStarted: "Started", ModuleAwaitingScoring: "Awaiting scoring",
	ModulePassed: "Passed", ModuleFailed: "Failed",
}

// Label is the module status as pages show it.
func (m Module) Label() string { return moduleLabels[m] }

// Retake says whether a module whose latest attempt is m may be retaken
// while the training is t (SPEC §1: the latest attempt counts; issue 18),
// and if not, why, in the learner's words:
//   - only a completed module (passed or failed): an attempt under way is
//     finished first;
//   - never once the training is passed or expired: the pass stands;
//   - a failed module may be retaken;
//   - a passed module only when the training is failed, the one way to raise
//     an overall score below the training's passing score; in any other
//     case a retake could only turn a pass into a new, unfinished attempt.
//
// Attempts left (max_attempts) are the caller's to check.
func Retake(m Module, t Training) (ok bool, why string) {
	switch {
	case !m.Completed():
		return false, "finish the current attempt before retaking it"
	case t == TrainingPassed || t == TrainingExpired:
		return false, "the training is passed: there is nothing to retake"
	case m == ModulePassed && t != TrainingFailed:
		return false, "the module is passed: its pass counts, and a retake would replace it"
	}
	return true, ""
}
