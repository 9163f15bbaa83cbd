package skillpath

import "time"

// Access is what a caller is to one learner (and, where it matters, to one
// training). The store gathers it; the methods below are the one place that
// decides who may do what to an enrollment.
type Access struct {
	Self          bool // the caller is the learner
	PlatformAdmin bool
	GroupAdmin    bool // admin of one of the learner's groups or of a group above it
	Coach         bool // coach of one of the learner's groups or of a group above it
	Instructor    bool // instructor of the training
	Author        bool // author of the training
}

// CanView reports whether the caller may see the learner's results.
func (a Access) CanView() bool {
	return a.Self || a.PlatformAdmin || a.GroupAdmin || a.Coach || a.Instructor || a.Author
}

// CanAssign reports whether the caller may enroll, unenroll or record a
// purchase for the learner.
func (a Access) CanAssign() bool { return a.PlatformAdmin || a.GroupAdmin }

// CanApprove reports whether the caller may approve a self-enrollment: a
// platform admin or an admin of one of the learner's groups (SPEC §1).
func (a Access) CanApprove() bool { return a.PlatformAdmin || a.GroupAdmin }

// CanScore reports whether the caller may score the learner's answers.
func (a Access) CanScore() bool {
	return a.PlatformAdmin || a.Instructor || a.GroupAdmin || a.Coach
}

// Login throttling (issue 11): LoginMaxFailures failed sign-ins for one
// email from one client address, or LoginAddressMaxFailures from one address
// whatever the emails, within LoginFailureWindow, make that pair (or that
// address) wait before its next attempt: LoginBackoff, doubling with each
// further failure, at most LoginFailureWindow. See LoginThrottle.
const (
	LoginMaxFailures        = 10
	LoginAddressMaxFailures = 100
	LoginFailureWindow      = 15 * time.Minute
	LoginBackoff            = time.Minute
)

// CanConfigureTracking reports whether the caller may change and publish a
// training's results tracking (SPEC §4): platform admins, and the
// training's authors, who in seed 001 set it up with the course.
func (a Access) CanConfigureTracking() bool { return a.PlatformAdmin || a.Author }
