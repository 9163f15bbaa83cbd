package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"skillpath"
)

// CreateSession stores a new session of a training. Returns ENOTFOUND for an
// unknown training and EINVALID for bad input.
func (s *Store) CreateSession(ctx context.Context, se *skillpath.Session) error {
	if err := validSession(se); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM trainings WHERE id = $1`, se.TrainingID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", se.TrainingID)
		} else if err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO sessions (training_id, name, starts_at, ends_at, auto_reenroll, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			se.TrainingID, se.Name, millis(se.StartsAt), nullMillis(se.EndsAt), se.AutoReenroll, millis(tx.now))
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		se.ID = skillpath.ID(id)
		return nil
	})
}

const sessionColumns = `id, training_id, name, starts_at, ends_at, auto_reenroll, archived_at`

func scanSession(row interface{ Scan(...any) error }) (*skillpath.Session, error) {
	var se skillpath.Session
	var starts int64
	var ends, archived sql.NullInt64
	if err := row.Scan(&se.ID, &se.TrainingID, &se.Name, &starts, &ends, &se.AutoReenroll, &archived); err != nil {
		return nil, err
	}
	se.StartsAt = fromMillis(starts)
	se.EndsAt = timePtr(ends)
	se.ArchivedAt = timePtr(archived)
	return &se, nil
}

// FindSession returns one session that is not deleted. Returns ENOTFOUND if
// there is none.
func (s *Store) FindSession(ctx context.Context, id skillpath.ID) (*skillpath.Session, error) {
	se, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1 AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "session %s not found", id)
	}
	return se, err
}

// ListSessions returns the live sessions of a training, by start.
func (s *Store) ListSessions(ctx context.Context, trainingID skillpath.ID) ([]*skillpath.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE training_id = $1 AND deleted_at IS NULL ORDER BY starts_at, id`, trainingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []*skillpath.Session{}
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, se)
	}
	return list, rows.Err()
}

// ArchiveSession archives a session: its learners stop counting as enrolled
// in the certificate statistics (SPEC §3) but keep their certificates.
// Returns ENOTFOUND for an unknown session and ECONFLICT if it is archived.
func (s *Store) ArchiveSession(ctx context.Context, id skillpath.ID) (*skillpath.Session, error) {
	err := s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET archived_at = $1 WHERE id = $2 AND deleted_at IS NULL AND archived_at IS NULL`, millis(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := s.FindSession(ctx, id); err != nil {
				return err
			}
			return skillpath.Errorf(skillpath.ECONFLICT, "session %s is already archived", id)
		}
		return tx.relink(ctx, `e.session_id = $1`, id)
	})
	if err != nil {
		return nil, err
	}
	return s.FindSession(ctx, id)
}

// DeleteSession deletes a session and its enrollments (SPEC §2): they vanish
// from every list and statistic, while the rows stay for audit. Returns
// ENOTFOUND for an unknown session.
func (s *Store) DeleteSession(ctx context.Context, id skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`, millis(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "session %s not found", id)
		}
		// The passes deleted with the session no longer meet prerequisites.
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT user_id FROM enrollments WHERE session_id = $1 AND deleted_at IS NULL AND (passed_at IS NOT NULL) = $2`,
			id, true)
		if err != nil {
			return err
		}
		passed := map[skillpath.ID]bool{}
		for rows.Next() {
			var u skillpath.ID
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			passed[u] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE enrollments SET deleted_at = $1 WHERE session_id = $2 AND deleted_at IS NULL`, millis(tx.now), id); err != nil {
			return err
		}
		if err := tx.relink(ctx, `e.session_id = $1`, id); err != nil || len(passed) == 0 {
			return err
		}
		return tx.refreshDependents(ctx, passed, nil)
	})
}

// ReenrollmentsEnded counts the learners that archiving the session stops
// re-enrolling (issue 13, fault 6): in an auto_reenroll session that is not
// archived, the live learners whose latest enrollment there holds an
// unrevoked certificate that expires — except those the sweep will
// re-enroll elsewhere all the same: holding that certificate from their
// latest enrollment in another unarchived auto_reenroll session (review
// fix 7). Zero for any other session. Returns
// ENOTFOUND for an unknown session.
func (s *Store) ReenrollmentsEnded(ctx context.Context, id skillpath.ID) (int, error) {
	se, err := s.FindSession(ctx, id)
	if err != nil {
		return 0, err
	}
	if !se.AutoReenroll || se.ArchivedAt != nil {
		return 0, nil
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT e.user_id) FROM enrollments e JOIN users u ON u.id = e.user_id
		WHERE e.session_id = $1 AND e.deleted_at IS NULL AND u.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM enrollments later WHERE later.session_id = e.session_id AND later.user_id = e.user_id
			AND later.id > e.id AND later.deleted_at IS NULL)
		AND EXISTS (SELECT 1 FROM awards a WHERE a.enrollment_id = e.id AND a.revoked_at IS NULL AND a.expires_at IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM enrollments o
				JOIN sessions os ON os.id = o.session_id
				JOIN awards oa ON oa.enrollment_id = o.id AND oa.certificate_id = a.certificate_id AND oa.revoked_at IS NULL
				WHERE o.user_id = e.user_id AND o.session_id <> e.session_id AND o.deleted_at IS NULL
				AND os.auto_reenroll = TRUE AND os.archived_at IS NULL AND os.deleted_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM enrollments ol WHERE ol.session_id = o.session_id AND ol.user_id = o.user_id
					AND ol.id > o.id AND ol.deleted_at IS NULL)))`, id).Scan(&n)
	return n, err
}

// validSession checks a session and keeps its times in UTC to the
// millisecond, as they are stored. Returns EINVALID for bad input.
func validSession(se *skillpath.Session) error {
	if err := se.Validate(); err != nil {
		return err
	}
	se.StartsAt = se.StartsAt.UTC().Truncate(time.Millisecond)
	if se.EndsAt != nil {
		e := se.EndsAt.UTC().Truncate(time.Millisecond)
		se.EndsAt = &e
	}
	return nil
}
