package skillpath

import "time"

// Certificate is granted by passing one of its associated paths and may
// expire after ValidityMonths (SPEC §2).
type Certificate struct {
	ID             ID     `json:"id"`
	Title          string `json:"title"`
	OwnerGroupID   ID     `json:"owner_group_id"`
	ValidityMonths *int   `json:"validity_months"`
	// ReminderDays are the days before expiry the learner is emailed
	// (SPEC §7); nil means DefaultReminderDays.
	ReminderDays []int `json:"reminder_days"`
}

// MaxValidityMonths bounds a validity period (100 years).
const MaxValidityMonths = 1200

// Validate checks a certificate about to be created or updated.
func (c *Certificate) Validate() error {
	if err := ValidateName("title", c.Title); err != nil {
		return err
	}
	if c.OwnerGroupID == 0 {
		return Invalid("owner_group_id", "is required")
	}
	if c.ValidityMonths != nil && (*c.ValidityMonths < 1 || *c.ValidityMonths > MaxValidityMonths) {
		return Invalid("validity_months", "must be between 1 and %d, or omitted for no expiry", MaxValidityMonths)
	}
	return ValidateReminderDays(c.ReminderDays)
}

// Award is one certificate delivered in one enrollment.
type Award struct {
	ID            ID         `json:"id"`
	CertificateID ID         `json:"certificate_id"`
	EnrollmentID  ID         `json:"enrollment_id"`
	UserID        ID         `json:"user_id"`
	DeliveredAt   time.Time  `json:"delivered_at"`
	ExpiresAt     *time.Time `json:"expires_at"`
}
