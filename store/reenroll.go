package store

import (
	"context"
	"time"

	"skillpath"
	"skillpath/status"
)

// DefaultReenrollLead is how long before a certificate expires the learner
// is enrolled again (SPEC §2: default 30 days).
const DefaultReenrollLead = 30 * 24 * time.Hour

// Reenroll runs the automatic re-enrollment sweep of SPEC §2: in every
// live, unarchived session with auto_reenroll, a learner whose certificate
// from their latest enrollment there has expired, or expires within lead,
// is enrolled again — a new enrollment flagged automatic. The sweep is
// idempotent and safe when several processes run it at once: each
// enrollment can be followed by one re-enrollment only (a unique
// reenrolled_from), so a second sweep, here or elsewhere, adds nothing.
// It returns how many learners it enrolled.
func (s *Store) Reenroll(ctx context.Context, lead time.Duration) (int, error) {
	var created []skillpath.ID
	err := s.write(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT e.id, e.session_id, e.training_id, e.user_id FROM enrollments e
			JOIN sessions s ON s.id = e.session_id
			JOIN users u ON u.id = e.user_id
			WHERE s.auto_reenroll = TRUE AND s.deleted_at IS NULL AND s.archived_at IS NULL
			AND e.deleted_at IS NULL AND u.deleted_at IS NULL
			AND EXISTS (SELECT 1 FROM awards a WHERE a.enrollment_id = e.id AND a.expires_at IS NOT NULL AND a.expires_at <= $1)
			AND NOT EXISTS (SELECT 1 FROM enrollments later WHERE later.session_id = e.session_id AND later.user_id = e.user_id
				AND later.id > e.id AND later.deleted_at IS NULL)
			AND NOT EXISTS (SELECT 1 FROM enrollments next WHERE next.reenrolled_from = e.id)
			ORDER BY e.id`, millis(tx.now.Add(lead)))
		if err != nil {
			return err
		}
		type due struct{ id, session, training, user skillpath.ID }
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.session, &d.training, &d.user); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
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
