package status

import "time"

// Certification is the status of one delivered certificate at "now" (SPEC §2).
type Certification string

const (
	CertificationValid        Certification = "valid"
	CertificationExpiringSoon Certification = "expiring_soon"
	CertificationExpired      Certification = "expired"
	CertificationNotObtained  Certification = "not_obtained"
	// CertificationRevoked marks, in a learner's history only, a
	// certificate an administrator revoked (issue 13): it counts nowhere.
	CertificationRevoked Certification = "revoked"
)

// ExpiringSoonWindow is how close to its expiration a certificate is
// "expiring soon" (seed 002: "within the next 30 days").
const ExpiringSoonWindow = 30 * 24 * time.Hour

var certificationLabels = map[Certification]string{
	CertificationValid: "Valid", CertificationExpiringSoon: "Expiring soon",
	CertificationExpired: "Expired", CertificationNotObtained: "Not obtained", CertificationRevoked: "Revoked",
}

// Label is the certificate status as pages and CSV show it.
func (c Certification) Label() string { return certificationLabels[c] }

// CertificationStatus is the status of a certificate delivered (delivered
// true) with the given expiration (nil: never expires), at now.
func CertificationStatus(delivered bool, expiresAt *time.Time, now time.Time) Certification {
	switch {
	case !delivered:
		return CertificationNotObtained
	case expiresAt == nil:
		return CertificationValid
	case !expiresAt.After(now):
		return CertificationExpired
	case expiresAt.Sub(now) <= ExpiringSoonWindow:
		return CertificationExpiringSoon
	default:
		return CertificationValid
	}
}

// Expiration is the expiration of a certificate delivered at deliveredAt with
// a validity of months: the same wall-clock time months later in the
// platform's zone, clamped to the last day of the month (31 Jan + 1 month =
// 28 or 29 Feb). Nil when months is nil: the certificate never expires.
func Expiration(deliveredAt time.Time, months *int, zone *time.Location) *time.Time {
	if months == nil {
		return nil
	}
	t := deliveredAt.In(zone)
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(*months), 1, 0, 0, 0, 0, zone)
	last := first.AddDate(0, 1, -1).Day()
	e := time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zone).UTC()
	return &e
}
