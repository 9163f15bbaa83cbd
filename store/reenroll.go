package store

import (
	"context"
	"database/sql"
	"time"

	"skillpath"
	"skillpath/status"
)

// DefaultReenrollLead is how long before a certificate expires the learner
// is enrolled again when the certificate sets no reenroll_days_before
// (SPEC §2, §9: default 30 days; status.ReenrollLead caps it below the
// validity).
const DefaultReenrollLead = 30 * 24 * time.Hour

// reenrollQuery finds the candidates of the sweep: the learner's latest
// enrollment in a live, unarchived auto_reenroll session, not followed by a
// re-enrollment, with a certificate it delivered whose kind the learner's
// newest delivery (any session, any granting path: SPEC §9; kept in
// certificate_learners) expires within the certificate's own lead, or the
// default — a superset of what
// status.ReenrollLead allows, which has the last word. A learner already
// enrolled again since that newest delivery, anywhere in a granting path,
// and not yet through, is left alone.
const reenrollQuery = `SELECT e.id, e.session_id, e.training_id, e.user_id, c.id, c.validity_months, c.reenroll_days_before, cl.expires_at
	FROM enrollments e
	JOIN sessions s ON s.id = e.session_id
	JOIN users u ON u.id = e.user_id
	JOIN awards a ON a.enrollment_id = e.id AND a.revoked_at IS NULL
	JOIN certificates c ON c.id = a.certificate_id
	JOIN certificate_learners cl ON cl.certificate_id = a.certificate_id AND cl.user_id = e.user_id
	WHERE s.auto_reenroll = TRUE AND s.deleted_at IS NULL AND s.archived_at IS NULL
	AND e.deleted_at IS NULL AND u.deleted_at IS NULL
	AND cl.expires_at IS NOT NULL AND cl.expires_at <= $1 + COALESCE(CAST(c.reenroll_days_before AS BIGINT) * 86400000, $2)
	AND NOT EXISTS (SELECT 1 FROM enrollments later WHERE later.session_id = e.session_id AND later.user_id = e.user_id
		AND later.id > e.id AND later.deleted_at IS NULL)
	AND NOT EXISTS (SELECT 1 FROM enrollments next WHERE next.reenrolled_from = e.id)
	AND NOT EXISTS (SELECT 1 FROM enrollments o JOIN training_certificates tc ON tc.training_id = o.training_id
		WHERE tc.certificate_id = c.id AND o.user_id = e.user_id AND o.deleted_at IS NULL AND o.passed_at IS NULL
		AND o.enrolled_at >= cl.delivered_at` + notCertifiedByHand + `)
	ORDER BY e.id`

// notCertifiedByHand keeps an enrollment o out of the "enrolled again and
// not yet through" test when it holds an unrevoked delivery of certificate
// c: a certification by hand counts like a pass (SPEC §9; the enrollment
// Certify creates for it is no re-enrollment).
const notCertifiedByHand = `
		AND NOT EXISTS (SELECT 1 FROM awards oa WHERE oa.enrollment_id = o.id AND oa.certificate_id = c.id AND oa.revoked_at IS NULL)`

// pendingReenrollQuery lists the learners of certificate $1 already
// enrolled again, in a granting path, since their newest delivery and not
// yet through — the learners the sweep leaves alone (reenrollQuery's last
// test), for the preview of a change of rules.
const pendingReenrollQuery = `SELECT DISTINCT o.user_id FROM enrollments o
	JOIN training_certificates tc ON tc.training_id = o.training_id
	JOIN certificates c ON c.id = tc.certificate_id
	JOIN certificate_learners cl ON cl.certificate_id = c.id AND cl.user_id = o.user_id
	WHERE c.id = $1 AND o.deleted_at IS NULL AND o.passed_at IS NULL
	AND cl.delivered_at IS NOT NULL AND o.enrolled_at >= cl.delivered_at` + notCertifiedByHand

// Reenroll runs the automatic re-enrollment sweep of SPEC §2 and §9: a
// learner whose newest certificate of a kind has expired, or expires within
// that certificate's lead (status.ReenrollLead, lead being the default), is
// enrolled again — a new enrollment flagged automatic — in the auto_reenroll
// session of their latest enrollment that delivered that kind (one session
// per learner and certificate: the most recent). The sweep is idempotent
// and safe when several processes run it at once: each enrollment can be
// followed by one re-enrollment only (a unique reenrolled_from), so a
// second sweep, here or elsewhere, adds nothing. It returns how many
// learners it enrolled.
func (s *Store) Reenroll(ctx context.Context, lead time.Duration) (int, error) {
	var created []skillpath.ID
	err := s.write(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, reenrollQuery, millis(tx.now), lead.Milliseconds())
		if err != nil {
			return err
		}
		type due struct{ id, session, training, user skillpath.ID }
		type kind struct{ user, certificate skillpath.ID }
		chosen := map[kind]due{}
		var order []kind
		for rows.Next() {
			var d due
			var certificate skillpath.ID
			var validity, daysBefore sql.NullInt64
			var expires int64
			if err := rows.Scan(&d.id, &d.session, &d.training, &d.user, &certificate, &validity, &daysBefore, &expires); err != nil {
				rows.Close()
				return err
			}
			r := status.Rules{ValidityMonths: intPtr(validity), ReenrollDaysBefore: intPtr(daysBefore)}
			if fromMillis(expires).After(tx.now.Add(status.ReenrollLead(r, lead))) {
				continue
			}
			k := kind{d.user, certificate}
			if _, ok := chosen[k]; !ok {
				order = append(order, k)
			}
			chosen[k] = d // rows come by enrollment: the last is the most recent
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		seen := map[skillpath.ID]bool{}
		for _, k := range order {
			d := chosen[k]
			if seen[d.id] {
				continue
			}
			seen[d.id] = true
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO enrollments (session_id, training_id, user_id, enrolled_at, approved_at, auto_reenrolled, reenrolled_from, status)
				VALUES ($1, $2, $3, $4, $4, TRUE, $5, $6) ON CONFLICT (reenrolled_from) DO NOTHING RETURNING id`,
				d.session, d.training, d.user, millis(tx.now), d.id, status.TrainingNotStarted).Scan(&id)
			if errNoRows(err) {
				continue // another process enrolled this learner first
			} else if err != nil {
				return err
			}
			created = append(created, skillpath.ID(id))
		}
		if len(created) == 0 {
			return nil
		}
		if err := tx.refresh(ctx, created); err != nil {
			return err
		}
		if err := tx.noteReenrolled(ctx, created); err != nil { // SPEC §7
			return err
		}
		for _, chunk := range chunks(created, batchSize) {
			in, args := inList(chunk, 1)
			if err := tx.relink(ctx, `e.id IN (`+in+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(created), nil
}
