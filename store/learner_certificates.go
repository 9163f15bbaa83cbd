package store

import (
	"context"
	"database/sql"
	"time"

	"skillpath"
	"skillpath/status"
)

// HeldCertificate is a certificate a learner holds, from their latest
// delivery of it (issue 18): what their pages show as "valid until …".
type HeldCertificate struct {
	CertificateID skillpath.ID         `json:"certificate_id"`
	Title         string               `json:"title"`
	EnrollmentID  skillpath.ID         `json:"enrollment_id"` // the enrollment that delivered it: its PDF
	Status        status.Certification `json:"status"`        // valid, expiring_soon or expired at now
	DeliveredAt   time.Time            `json:"delivered_at"`
	ExpiresAt     *time.Time           `json:"expires_at"` // nil: never expires
}

// UserCertificates lists the certificates user userID holds, one per
// certificate from its latest delivery in a live enrollment, by title
// (issue 18). Deliveries of deleted enrollments are never shown (SPEC §2).
func (s *Store) UserCertificates(ctx context.Context, userID skillpath.ID) ([]HeldCertificate, error) {
	return s.heldCertificates(ctx, `a.user_id = $1`, userID)
}

// RenewedCertificates lists, for an automatic re-enrollment, the
// certificates of the enrollment it renews and when they expire (SPEC §2,
// issue 18): why the learner is enrolled again and by when to finish. An
// enrollment that is not a re-enrollment answers none.
func (s *Store) RenewedCertificates(ctx context.Context, enrollmentID skillpath.ID) ([]HeldCertificate, error) {
	return s.heldCertificates(ctx, `a.enrollment_id = (SELECT n.reenrolled_from FROM enrollments n WHERE n.id = $1)`, enrollmentID)
}

func (s *Store) heldCertificates(ctx context.Context, where string, arg skillpath.ID) ([]HeldCertificate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.title, a.enrollment_id, a.delivered_at, a.expires_at
		FROM awards a JOIN certificates c ON c.id = a.certificate_id
		JOIN enrollments e ON e.id = a.enrollment_id AND e.deleted_at IS NULL
		WHERE a.revoked_at IS NULL AND `+where+` ORDER BY c.title, c.id, a.delivered_at DESC, a.id DESC`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.Now()
	out := []HeldCertificate{}
	for rows.Next() {
		var h HeldCertificate
		var delivered int64
		var expires sql.NullInt64
		if err := rows.Scan(&h.CertificateID, &h.Title, &h.EnrollmentID, &delivered, &expires); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].CertificateID == h.CertificateID {
			continue // an older delivery
		}
		h.DeliveredAt, h.ExpiresAt = fromMillis(delivered), timePtr(expires)
		h.Status = status.CertificationStatus(true, h.ExpiresAt, now)
		out = append(out, h)
	}
	return out, rows.Err()
}
