package store

import (
	"context"

	"skillpath"
)

// awaitingApproval selects the live self-enrollments awaiting approval
// (SPEC §1: self-enrolled, not approved, in a training that requires
// approval), of live users in live sessions that are not archived (where
// enrollment is closed, Approve refuses them); its first line matches the
// partial index enrollments_awaiting_approval.
const awaitingApproval = `e.self_enrolled = TRUE AND e.approved_at IS NULL AND e.deleted_at IS NULL
	AND t.requires_approval = TRUE AND s.deleted_at IS NULL AND s.archived_at IS NULL AND u.deleted_at IS NULL`

// approvalScope limits a query to the learners of the groups (and
// subgroups) the caller ($1) administers.
const approvalScope = ` AND e.user_id IN (SELECT gm.user_id FROM group_staff gs
	JOIN group_tree gt ON gt.ancestor_id = gs.group_id
	JOIN group_members gm ON gm.group_id = gt.descendant_id
	WHERE gs.user_id = $1 AND gs.role = 'admin')`

// ListApprovals returns the self-enrollments awaiting approval that the
// caller may approve (SPEC §6): all for a platform admin, those of the
// learners of the groups they administer (subgroups included) for a group
// admin, none for anyone else. Oldest first, limit per page; next is the
// cursor of the following page ("" on the last). Returns EINVALID for a bad
// cursor (field after).
func (s *Store) ListApprovals(ctx context.Context, caller *skillpath.User, after string, limit int) ([]skillpath.Approval, string, error) {
	var args sqlArgs
	q := `SELECT e.id, e.user_id, u.name, u.email, e.training_id, t.title, e.session_id, s.name, e.enrolled_at
		FROM enrollments e JOIN trainings t ON t.id = e.training_id JOIN sessions s ON s.id = e.session_id JOIN users u ON u.id = e.user_id
		WHERE ` + awaitingApproval
	if !caller.PlatformAdmin {
		args.add(caller.ID)
		q += approvalScope
	}
	if after != "" {
		id, err := parseIDCursor(after)
		if err != nil {
			return nil, "", err
		}
		q += ` AND e.id > ` + args.add(id)
	}
	q += ` ORDER BY e.id LIMIT ` + args.add(limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	list := []skillpath.Approval{}
	for rows.Next() {
		var a skillpath.Approval
		var since int64
		if err := rows.Scan(&a.EnrollmentID, &a.UserID, &a.LearnerName, &a.LearnerEmail, &a.TrainingID, &a.TrainingTitle,
			&a.SessionID, &a.SessionName, &since); err != nil {
			return nil, "", err
		}
		a.Since = fromMillis(since)
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].EnrollmentID.String()
	}
	return list, next, nil
}

// CountApprovals counts what ListApprovals would list in full, for the
// navigation's badge.
func (s *Store) CountApprovals(ctx context.Context, caller *skillpath.User) (int, error) {
	var args []any
	q := `SELECT COUNT(*) FROM enrollments e JOIN trainings t ON t.id = e.training_id JOIN sessions s ON s.id = e.session_id JOIN users u ON u.id = e.user_id
		WHERE ` + awaitingApproval
	if !caller.PlatformAdmin {
		args = append(args, caller.ID)
		q += approvalScope
	}
	var n int
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// Refuse refuses a self-enrollment awaiting approval (SPEC §6): the
// enrollment is deleted, as DeleteEnrollment does, and marked refused by
// the caller for the audit. guard decides whether the caller may (as for
// Learn). Returns ENOTFOUND for an unknown enrollment, the guard's error,
// and EUNPROCESSABLE when the enrollment is not awaiting approval.
func (s *Store) Refuse(ctx context.Context, id skillpath.ID, caller *skillpath.User, guard Guard) error {
	return s.write(ctx, func(tx *Tx) error {
		e, err := tx.findEnrollment(ctx, id, true)
		if err != nil {
			return err
		}
		if err := tx.allow(ctx, caller, guard, e); err != nil {
			return err
		}
		def, err := tx.trainingDef(ctx, e.TrainingID)
		if err != nil {
			return err
		}
		if !e.SelfEnrolled || e.ApprovedAt != nil || !def.RequiresApproval {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "enrollment %s is not awaiting approval", e.ID)
		}
		tx.NoteRefused(e.UserID, e.ID, def.Title)
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET deleted_at = $1, refused_at = $1, refused_by = $2 WHERE id = $3`,
			millis(tx.now), caller.ID, id); err != nil {
			return err
		}
		return tx.relink(ctx, `e.id = $1`, id)
	})
}
