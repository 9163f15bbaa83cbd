package store

import (
	"context"
	"database/sql"
	"time"

	"skillpath"
	"skillpath/status"
)

// Certificate documents and verification (SPEC §8).

// assignVerificationCodes gives each certificate delivered in the
// enrollment that has none yet its verification code, from crypto/rand:
// deliver calls it in the transaction that delivers them, so a code exists
// from the moment of delivery and never changes.
func (tx *Tx) assignVerificationCodes(ctx context.Context, enrollmentID skillpath.ID) error {
	ids, err := queryIDs(ctx, tx, `SELECT id FROM awards WHERE enrollment_id = $1 AND verification_code IS NULL`, enrollmentID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET verification_code = $1 WHERE id = $2`, skillpath.NewVerificationCode(), id); err != nil {
			return err
		}
	}
	return nil
}

// documentQuery reads delivered certificates that are displayed: their
// enrollment, session and learner are not deleted (SPEC §2, §8).
const documentQuery = `SELECT a.certificate_id, a.enrollment_id, c.title, u.name, t.title, a.delivered_at, a.expires_at, a.verification_code, a.awarded_by IS NOT NULL
	FROM awards a
	JOIN enrollments e ON e.id = a.enrollment_id
	JOIN sessions s ON s.id = e.session_id
	JOIN users u ON u.id = e.user_id
	JOIN certificates c ON c.id = a.certificate_id
	JOIN trainings t ON t.id = e.training_id
	WHERE e.deleted_at IS NULL AND s.deleted_at IS NULL AND u.deleted_at IS NULL AND a.revoked_at IS NULL AND a.verification_code IS NOT NULL AND `

// CertificateDocuments reads the certificates delivered in an enrollment,
// in certificate order, with their status at now — what the enrollment's
// PDF shows (SPEC §8). Returns ENOTFOUND when the enrollment has none that
// is displayed (none delivered, or its enrollment, session or learner
// deleted).
func (s *Store) CertificateDocuments(ctx context.Context, enrollmentID skillpath.ID) ([]skillpath.CertificateDocument, error) {
	var docs []skillpath.CertificateDocument
	err := s.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, documentQuery+`a.enrollment_id = $1 ORDER BY a.certificate_id`, enrollmentID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDocument(rows, tx.now)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		return rows.Err()
	})
	if err == nil && len(docs) == 0 {
		err = skillpath.Errorf(skillpath.ENOTFOUND, "enrollment %s has no delivered certificate", enrollmentID)
	}
	return docs, err
}

// qVerify is one prepared statement, run out of any transaction: the page
// must be fast (SPEC §8), and parsing the query cost SQLite more than
// running it.
var qVerify = prepare(documentQuery + `a.verification_code = $1`)

// Verify finds the certificate of a verification code with its status at
// now (SPEC §8). Returns ENOTFOUND alike for a code that does not exist and
// for the certificate of a deleted enrollment, session or learner.
func (s *Store) Verify(ctx context.Context, code string) (*skillpath.CertificateDocument, error) {
	notFound := skillpath.Errorf(skillpath.ENOTFOUND, "no certificate has this verification code")
	if !skillpath.IsVerificationCode(code) {
		return nil, notFound
	}
	d, err := scanDocument(s.stmt(qVerify).QueryRowContext(ctx, code), s.Now().UTC().Truncate(time.Millisecond))
	if errNoRows(err) {
		return nil, notFound
	}
	return &d, err
}

// scanDocument reads a row of documentQuery, with its status at now.
func scanDocument(row interface{ Scan(...any) error }, now time.Time) (skillpath.CertificateDocument, error) {
	var d skillpath.CertificateDocument
	var delivered int64
	var expires sql.NullInt64
	if err := row.Scan(&d.CertificateID, &d.EnrollmentID, &d.Title, &d.Learner, &d.Path, &delivered, &expires, &d.Code, &d.ByHand); err != nil {
		return d, err
	}
	d.DeliveredAt, d.ExpiresAt = fromMillis(delivered), timePtr(expires)
	d.Status = status.CertificationStatus(true, d.ExpiresAt, now)
	return d, nil
}
