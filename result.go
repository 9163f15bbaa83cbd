package skillpath

import (
	"time"

	"skillpath/status"
)

// EnrollmentResult is where a learner stands in one enrollment: the answer
// of GET /api/v1/enrollments/{id} (SPEC §5) and the player's view.
type EnrollmentResult struct {
	ID             ID                 `json:"id"`
	UserID         ID                 `json:"user_id"`
	SessionID      ID                 `json:"session_id"`
	TrainingID     ID                 `json:"training_id"`
	Status         status.Training    `json:"status"`
	Label          string             `json:"label"`
	AutoReenrolled bool               `json:"auto_reenrolled"`
	SelfEnrolled   bool               `json:"self_enrolled"`
	EnrolledAt     time.Time          `json:"enrolled_at"`
	StartedAt      *time.Time         `json:"started_at"`
	CompletedAt    *time.Time         `json:"completed_at"`
	Score          *float64           `json:"score"`
	Progress       float64            `json:"progress"`
	Modules        []ModuleResult     `json:"modules"`
	Certificate    *CertificateResult `json:"certificate"`
	// Certificates lists every certificate the training grants, for
	// trainings granting more than one; Certificate is the first of them.
	Certificates []CertificateResult `json:"certificates"`
}

// ModuleResult is the learner's latest attempt at one module.
type ModuleResult struct {
	ID          ID               `json:"id"`
	Title       string           `json:"title"`
	Status      status.Module    `json:"status"`
	Label       string           `json:"label"`
	Score       *float64         `json:"score"`
	MinScore    *float64         `json:"min_score"`
	Attempt     int              `json:"attempt"`      // number of the latest attempt; 0 before the first
	MaxAttempts int              `json:"max_attempts"` // 0 = unlimited
	CanRetake   bool             `json:"can_retake"`
	Activities  []ActivityResult `json:"activities"`
}

// ActivityResult is the learner's answer to one activity in the module's
// latest attempt.
type ActivityResult struct {
	ID         ID              `json:"id"`
	Title      string          `json:"title"`
	Kind       ActivityKind    `json:"kind"`
	Status     status.Activity `json:"status"`
	Label      string          `json:"label"`
	Score      *float64        `json:"score"`
	Points     float64         `json:"points"`
	Response   *string         `json:"response"`
	AnsweredAt *time.Time      `json:"answered_at"`
}

// CertificateResult is one certificate of the training in this enrollment.
type CertificateResult struct {
	CertificateID ID                   `json:"certificate_id"`
	Title         string               `json:"title"`
	Status        status.Certification `json:"status"`
	Label         string               `json:"label"`
	DeliveredAt   *time.Time           `json:"delivered_at"`
	ExpiresAt     *time.Time           `json:"expires_at"`
}
