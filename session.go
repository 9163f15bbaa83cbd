package skillpath

import "time"

// Session is a dated cohort of a training; learners are enrolled in
// sessions (SPEC §2).
type Session struct {
	ID           ID         `json:"id"`
	TrainingID   ID         `json:"training_id"`
	Name         string     `json:"name"`
	StartsAt     time.Time  `json:"starts_at"`
	EndsAt       *time.Time `json:"ends_at"`
	AutoReenroll bool       `json:"auto_reenroll"`
	ArchivedAt   *time.Time `json:"archived_at"`
}

// Validate checks a session about to be created.
func (s *Session) Validate() error {
	if err := ValidateName("name", s.Name); err != nil {
		return err
	}
	// A missing start is refused by the API and the form before this; a
	// zero time here was given as 0001-01-01 and is out of range.
	if err := ValidateTime("starts_at", s.StartsAt); err != nil {
		return err
	}
	if s.EndsAt != nil {
		if err := ValidateTime("ends_at", *s.EndsAt); err != nil {
			return err
		}
	}
	if s.EndsAt != nil && !s.EndsAt.After(s.StartsAt) {
		return Invalid("ends_at", "must be after starts_at")
	}
	return nil
}
