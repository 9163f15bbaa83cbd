package server

import (
	"fmt"
	"time"

	"skillpath"
	"skillpath/status"
)

// recertificationRule says a certificate's recertification rules in words,
// for the certificate's pages (SPEC §9, issue 13, fault 4): what the
// expiration counts from, and when learners in automatic sessions are
// enrolled again.
func recertificationRule(c *skillpath.Certificate, defaultLead time.Duration) string {
	if c.ValidityMonths == nil {
		return "Never expires: no re-enrollment."
	}
	months := quantity(*c.ValidityMonths, "month")
	var expiry string
	switch c.ExpiryBase {
	case skillpath.ExpiryPreviousExpiry:
		expiry = fmt.Sprintf("Expires %s after the learner's previous certificate expires when renewed before it, else %s after delivery.", months, months)
	case skillpath.ExpiryFixed:
		day := time.Date(2028, time.Month(*c.FixedMonth), *c.FixedDay, 0, 0, 0, 0, time.UTC).Format("2 January")
		if *c.FixedMonth == 2 && *c.FixedDay == 29 {
			day += " (28 February in other years)"
		}
		expiry = fmt.Sprintf("Expires on %s, at least %s after delivery.", day, months)
	default:
		expiry = fmt.Sprintf("Expires %s after delivery.", months)
	}
	r := status.Rules{ValidityMonths: c.ValidityMonths, ReenrollDaysBefore: c.ReenrollDaysBefore}
	days := int(status.ReenrollLead(r, defaultLead) / (24 * time.Hour))
	lead := fmt.Sprintf(" Learners of automatic sessions are enrolled again %s before it expires", quantity(days, "day"))
	if c.ReenrollDaysBefore == nil {
		lead += " (the default)"
	}
	return expiry + lead + "."
}

// quantity says n units in words: "1 month", "3 months".
func quantity(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
