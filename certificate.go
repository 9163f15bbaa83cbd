package skillpath

import (
	"encoding/json"
	"time"
)

// Certificate is granted by passing one of its associated paths and may
// expire after ValidityMonths (SPEC §2), with its own recertification rules
// (SPEC §9): how many days before expiry its learners are enrolled again,
// and what its expiration counts from.
type Certificate struct {
	ID             ID     `json:"id"`
	Title          string `json:"title"`
	OwnerGroupID   ID     `json:"owner_group_id"`
	ValidityMonths *int   `json:"validity_months"`
	// ReenrollDaysBefore is the re-enrollment lead in days; nil takes the
	// server's default (--reenroll-lead-days, 30), capped below the validity.
	ReenrollDaysBefore *int       `json:"reenroll_days_before"`
	ExpiryBase         ExpiryBase `json:"expiry_base"`
	FixedMonth         *int       `json:"fixed_month"` // 1–12, with ExpiryFixed only
	FixedDay           *int       `json:"fixed_day"`   // 1–31 (29 February allowed), with ExpiryFixed only
	// ReminderDays are the days before expiry the learner is emailed
	// (SPEC §7); nil means DefaultReminderDays.
	ReminderDays []int `json:"reminder_days"`
}

// ExpiryBase is what a delivered certificate's expiration counts from (SPEC §9).
type ExpiryBase string

const (
	// ExpiryDelivery: delivery + validity (the default).
	ExpiryDelivery ExpiryBase = "delivery"
	// ExpiryPreviousExpiry: a renewal made before the learner's previous
	// certificate expired extends from that expiry.
	ExpiryPreviousExpiry ExpiryBase = "previous_expiry"
	// ExpiryFixed: the first fixed_month/fixed_day on or after delivery + validity.
	ExpiryFixed ExpiryBase = "fixed"
)

// MaxValidityMonths bounds a validity period (100 years).
const MaxValidityMonths = 1200

// ShortestMonthDays is the length of the shortest month: a lead is
// "shorter than the validity" (SPEC §9) when it is shorter than validity ×
// 28 days, however the months fall.
const ShortestMonthDays = 28

// Validate checks a certificate about to be created or updated. It fills
// ExpiryBase with its default.
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
	if c.ExpiryBase == "" {
		c.ExpiryBase = ExpiryDelivery
	}
	if d := c.ReenrollDaysBefore; d != nil {
		if c.ValidityMonths == nil {
			return Invalid("reenroll_days_before", "is only allowed on a certificate that expires (set validity_months, or leave it out)")
		}
		if *d < 0 {
			return Invalid("reenroll_days_before", "must be 0 or more")
		}
		if c.ValidityMonths != nil && *d >= *c.ValidityMonths*ShortestMonthDays {
			return Invalid("reenroll_days_before", "must be shorter than the validity: under %d days for %d months",
				*c.ValidityMonths*ShortestMonthDays, *c.ValidityMonths)
		}
		if *d > MaxValidityMonths*31 {
			return Invalid("reenroll_days_before", "must be at most %d", MaxValidityMonths*31)
		}
	}
	switch c.ExpiryBase {
	case ExpiryDelivery, ExpiryPreviousExpiry:
		if c.FixedMonth != nil {
			return Invalid("fixed_month", "is only allowed with expiry_base \"fixed\"")
		}
		if c.FixedDay != nil {
			return Invalid("fixed_day", "is only allowed with expiry_base \"fixed\"")
		}
	case ExpiryFixed:
		if c.FixedMonth == nil || *c.FixedMonth < 1 || *c.FixedMonth > 12 {
			return Invalid("fixed_month", "must be between 1 and 12 with expiry_base \"fixed\"")
		}
		// 29 February is allowed: in other years it is the 28th.
		last := time.Date(2028, time.Month(*c.FixedMonth)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if c.FixedDay == nil || *c.FixedDay < 1 || *c.FixedDay > last {
			return Invalid("fixed_day", "must be between 1 and %d for month %d with expiry_base \"fixed\"", last, *c.FixedMonth)
		}
		if c.ValidityMonths == nil {
			return Invalid("expiry_base", "\"fixed\" needs validity_months")
		}
	default:
		return Invalid("expiry_base", "must be delivery, previous_expiry or fixed")
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
	// PreviousAwardID is the learner's earlier certificate this one renewed.
	PreviousAwardID *ID `json:"previous_award_id"`
	// AwardedBy and Reason: a learner certified by hand (issue 13).
	AwardedBy *ID    `json:"awarded_by"`
	Reason    string `json:"reason,omitempty"`
	// ExtendedAt/By: the expiry was set by hand.
	ExtendedAt   *time.Time `json:"extended_at"`
	ExtendedBy   *ID        `json:"extended_by"`
	ExtendReason string     `json:"extend_reason,omitempty"`
	// RevokedAt/By: the certificate no longer counts anywhere.
	RevokedAt    *time.Time `json:"revoked_at"`
	RevokedBy    *ID        `json:"revoked_by"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// MarshalJSON writes every member of an award, reason, extend_reason and
// revoke_reason included: null when unset (docs/API.md; review fix 11).
func (a Award) MarshalJSON() ([]byte, error) {
	type plain Award
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return json.Marshal(struct {
		plain
		Reason       *string `json:"reason"`
		ExtendReason *string `json:"extend_reason"`
		RevokeReason *string `json:"revoke_reason"`
	}{plain(a), orNull(a.Reason), orNull(a.ExtendReason), orNull(a.RevokeReason)})
}
