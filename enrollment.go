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
	// HoldsCertificate: a certificate delivered in the enrollment (by a
	// pass or by hand) and not revoked; HasProgress: any module attempt or
	// answer. Both keep a learner from leaving it (CheckLeave).
	HoldsCertificate bool `json:"-"`
	HasProgress      bool `json:"-"`
}

// CheckLeave says whether a learner may leave (unenroll from) enrollment e
// themself (issue 18): only an enrollment they made themself and have not
// started — awaiting approval or approved alike, so leaving also withdraws
// a request for approval. An administrator's assignment and an automatic
// re-enrollment are the organisation's to remove, and a started
// enrollment keeps its progress for the records, as does one holding a
// delivered certificate (granted by hand, say) or any progress. Returns
// EUNPROCESSABLE saying why otherwise.
func (e *Enrollment) CheckLeave() error {
	switch {
	case e.AutoReenrolled:
		return Errorf(EUNPROCESSABLE, "you were enrolled again automatically to renew your certificate; ask an administrator to remove it")
	case !e.SelfEnrolled:
		return Errorf(EUNPROCESSABLE, "an administrator enrolled you; ask them to remove the enrollment")
	case e.HoldsCertificate:
		return Errorf(EUNPROCESSABLE, "this enrollment holds your certificate; ask an administrator to remove it")
	case e.StartedAt != nil || e.HasProgress:
		return Errorf(EUNPROCESSABLE, "you have started this training; its progress is kept, so you cannot leave it")
	}
	return nil
}
