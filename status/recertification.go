package status

import "time"

// Expiry bases of SPEC §9, as skillpath.ExpiryBase spells them.
const (
	BaseDelivery       = "delivery"
	BasePreviousExpiry = "previous_expiry"
	BaseFixed          = "fixed"
)

// Rules are a certificate's recertification rules (SPEC §9).
type Rules struct {
	ValidityMonths     *int   // nil: never expires
	Base               string // BaseDelivery (also when empty), BasePreviousExpiry or BaseFixed
	FixedMonth         int    // 1–12, with BaseFixed
	FixedDay           int    // 1–31, with BaseFixed; past the month's end it is its last day
	ReenrollDaysBefore *int   // nil: the server's default, see ReenrollLead
}

// Expires is the expiration of a certificate delivered at deliveredAt
// under rules, the learner's previous certificate of the same kind having
// expired (or expiring) at previous (nil: none, or one that never expires).
// The one place a delivered certificate's expiration is computed (SPEC §2,
// §9), in the platform's zone:
//
//   - delivery: deliveredAt + validity, the same wall-clock time, clamped to
//     the month's last day (Expiration);
//   - previous_expiry: a renewal delivered before the previous certificate
//     expired counts from that expiry (previous + validity), so renewing
//     early loses no time; a late renewal counts from its delivery;
//   - fixed: midnight starting the first fixed_month/fixed_day whose date is
//     on or after the date of deliveredAt + validity (29 February is the
//     28th in other years).
//
// Nil when the certificate has no validity period.
func Expires(rules Rules, deliveredAt time.Time, previous *time.Time, zone *time.Location) *time.Time {
	if rules.ValidityMonths == nil {
		return nil
	}
	switch rules.Base {
	case BasePreviousExpiry:
		if previous != nil && previous.After(deliveredAt) {
			return Expiration(*previous, rules.ValidityMonths, zone)
		}
	case BaseFixed:
		earliest := Expiration(deliveredAt, rules.ValidityMonths, zone).In(zone)
		y, m, d := earliest.Date()
		day := fixedDate(y, rules.FixedMonth, rules.FixedDay, zone)
		if day.Before(time.Date(y, m, d, 0, 0, 0, 0, zone)) {
			day = fixedDate(y+1, rules.FixedMonth, rules.FixedDay, zone)
		}
		e := day.UTC()
		return &e
	}
	return Expiration(deliveredAt, rules.ValidityMonths, zone)
}

// fixedDate is the start of month/day of year in zone, the day clamped to
// the month's last.
func fixedDate(year, month, day int, zone *time.Location) time.Time {
	last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, zone).Day()
	return time.Date(year, time.Month(month), min(day, last), 0, 0, 0, 0, zone)
}

// ReenrollLead is how long before a certificate expires its learners are
// enrolled again (SPEC §9): the certificate's reenroll_days_before, or else
// defaultLead capped at half the validity's shortest length (28 days a
// month), so that a short certificate is not renewed as soon as it is
// delivered (issue 13, fault 4).
func ReenrollLead(rules Rules, defaultLead time.Duration) time.Duration {
	const day = 24 * time.Hour
	if rules.ReenrollDaysBefore != nil {
		return time.Duration(*rules.ReenrollDaysBefore) * day
	}
	if rules.ValidityMonths != nil {
		return min(defaultLead, time.Duration(*rules.ValidityMonths*28/2)*day)
	}
	return defaultLead
}
