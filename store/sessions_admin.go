package store

import (
	"context"
	"time"

	"skillpath"
	"skillpath/status"
)

// UpdateSession changes a live session's name, start, end and automatic
// re-enrollment (SPEC §2, §6). Returns ENOTFOUND for an unknown session and
// EINVALID for bad input (as CreateSession).
func (s *Store) UpdateSession(ctx context.Context, se *skillpath.Session) error {
	if err := validSession(se); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET name = $1, starts_at = $2, ends_at = $3, auto_reenroll = $4 WHERE id = $5 AND deleted_at IS NULL`,
			se.Name, millis(se.StartsAt), nullMillis(se.EndsAt), se.AutoReenroll, se.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "session %s not found", se.ID)
		}
		return nil
	})
}

// SessionEnrollment is one live enrollment of a session, for its page.
type SessionEnrollment struct {
	ID              skillpath.ID
	UserID          skillpath.ID
	Name, Email     string
	UserDeleted     bool
	Status          status.Training // as stored (SPEC §1; expiry is not stored)
	EnrolledAt      time.Time
	AutoReenrolled  bool
	ApprovalPending bool
}

// SessionEnrollments returns a page of the live enrollments of a session
// that the caller may assign (all for a platform admin, the learners of
// the groups they administer and their subgroups for a group admin), by
// learner name, after the cursor; next is the following page's cursor
// ("" on the last). Returns EINVALID for a bad cursor (field after).
func (s *Store) SessionEnrollments(ctx context.Context, caller *skillpath.User, sessionID skillpath.ID, after string, limit int) ([]SessionEnrollment, string, error) {
	args := sqlArgs{sessionID}
	q := `SELECT e.id, e.user_id, u.name, u.email, u.deleted_at IS NOT NULL, e.status, e.enrolled_at, e.auto_reenrolled,
			e.self_enrolled = TRUE AND e.approved_at IS NULL AND t.requires_approval = TRUE
		FROM enrollments e JOIN users u ON u.id = e.user_id JOIN trainings t ON t.id = e.training_id
		WHERE e.session_id = $1 AND e.deleted_at IS NULL`
	if !caller.PlatformAdmin {
		q += ` AND e.user_id IN (SELECT gm.user_id FROM group_staff gs JOIN group_tree gt ON gt.ancestor_id = gs.group_id
			JOIN group_members gm ON gm.group_id = gt.descendant_id WHERE gs.user_id = ` + args.add(caller.ID) + ` AND gs.role = 'admin')`
	}
	if after != "" {
		c, err := parseCursor(after)
		if err != nil {
			return nil, "", err
		}
		q += ` AND (u.name > ` + args.add(c.name) + ` OR (u.name = ` + args.add(c.name) + ` AND e.id > ` + args.add(c.id) + `))`
	}
	q += ` ORDER BY u.name, e.id LIMIT ` + args.add(limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var list []SessionEnrollment
	for rows.Next() {
		var e SessionEnrollment
		var enrolled int64
		if err := rows.Scan(&e.ID, &e.UserID, &e.Name, &e.Email, &e.UserDeleted, &e.Status, &enrolled, &e.AutoReenrolled, &e.ApprovalPending); err != nil {
			return nil, "", err
		}
		e.EnrolledAt = fromMillis(enrolled)
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = cursor{name: last.Name, id: last.ID}.String()
	}
	return list, next, nil
}

// SessionDeletion is what deleting a session removes (SPEC §6): its live
// enrollments, and the certificates delivered in them, which will no
// longer be displayed anywhere.
type SessionDeletion struct {
	Enrollments  int
	Certificates int
}

// SessionDeletionPreview counts what DeleteSession would remove, changing
// nothing. Returns ENOTFOUND for an unknown session.
func (s *Store) SessionDeletionPreview(ctx context.Context, id skillpath.ID) (SessionDeletion, error) {
	var d SessionDeletion
	if _, err := s.FindSession(ctx, id); err != nil {
		return d, err
	}
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM enrollments e WHERE e.session_id = $1 AND e.deleted_at IS NULL),
		(SELECT COUNT(*) FROM awards a JOIN enrollments e ON e.id = a.enrollment_id WHERE e.session_id = $1 AND e.deleted_at IS NULL)`, id).
		Scan(&d.Enrollments, &d.Certificates)
	return d, err
}

// SessionCounts returns the number of live enrollments of each live
// session of a training, by session id.
func (s *Store) SessionCounts(ctx context.Context, trainingID skillpath.ID) (map[skillpath.ID]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.session_id, COUNT(*) FROM enrollments e JOIN sessions s ON s.id = e.session_id
		WHERE e.training_id = $1 AND e.deleted_at IS NULL AND s.deleted_at IS NULL GROUP BY e.session_id`, trainingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[skillpath.ID]int{}
	for rows.Next() {
		var id skillpath.ID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	return counts, rows.Err()
}

// FindUserByEmail returns the user with the email, ignoring case. Returns
// ENOTFOUND if there is none.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*skillpath.User, error) {
	var id skillpath.ID
	err := s.db.QueryRowContext(ctx, `SELECT id FROM users WHERE email_key = $1`, skillpath.NormalizeEmail(email)).Scan(&id)
	if errNoRows(err) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "no user has the email %q", email)
	} else if err != nil {
		return nil, err
	}
	return s.FindUser(ctx, id)
}

// AdministeredGroups returns the ids of the groups a user administers and
// of their subgroups.
func (s *Store) AdministeredGroups(ctx context.Context, userID skillpath.ID) (map[skillpath.ID]bool, error) {
	ids, err := queryIDs(ctx, s.db, `SELECT DISTINCT gt.descendant_id FROM group_staff gs JOIN group_tree gt ON gt.ancestor_id = gs.group_id
		WHERE gs.user_id = $1 AND gs.role = 'admin'`, userID)
	if err != nil {
		return nil, err
	}
	set := make(map[skillpath.ID]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}
