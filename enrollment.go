package skillpath

import "time"

// Enrollment is one learner in one session: the unit that has a training
// status (SPEC §1) and in which certificates are delivered (SPEC §2).
type Enrollment struct {
	ID             ID         `json:"id"`
	UserID         ID         `json:"user_id"`
	SessionID      ID         `json:"session_id"`
	TrainingID     ID         `json:"training_id"`
	EnrolledAt     time.Time  `json:"enrolled_at"`
	SelfEnrolled   bool       `json:"self_enrolled"`
	ApprovedAt     *time.Time `json:"approved_at"`
	AutoReenrolled bool       `json:"auto_reenrolled"`
	StartedAt      *time.Time `json:"started_at"`
}
