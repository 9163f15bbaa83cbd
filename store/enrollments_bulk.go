package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/status"
)

// EnrollMany assigns learners to a session at once (SPEC §6): the users
// named and the members of the groups named, subgroups included, in one
// transaction. A learner the caller may not assign (not a platform admin,
// and not an admin of one of the learner's groups or a group above it), a
// deleted user and a learner already enrolled in the session are skipped
// with their reason (skillpath.PlanBulkEnrollment); the others are
// enrolled as an administrator's assignment, approved by it.
//
// Returns ENOTFOUND for an unknown session, and (field group_ids) for a
// group a caller who is not a platform admin does not administer, before
// any member is read, so nothing of another group is revealed; EINVALID when neither users nor
// groups are given or one of them does not exist (field user_ids or
// group_ids); EUNPROCESSABLE for an archived session or more than
// skillpath.MaxBulkEnrollment learners.
func (s *Store) EnrollMany(ctx context.Context, sessionID skillpath.ID, caller *skillpath.User, userIDs, groupIDs []skillpath.ID) (*skillpath.BulkEnrollment, error) {
	if len(userIDs) == 0 && len(groupIDs) == 0 {
		return nil, skillpath.Invalid("user_ids", "give user_ids, group_ids or both")
	}
	out := &skillpath.BulkEnrollment{}
	err := s.write(ctx, func(tx *Tx) error {
		se, err := tx.findSession(ctx, sessionID)
		if err != nil {
			return err
		}
		if se.ArchivedAt != nil {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "session %q is archived: no one can enroll in it", se.Name)
		}
		groupIDs = uniqueIDs(groupIDs)
		if err := tx.refuseUnmanagedGroups(ctx, caller, groupIDs); err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "groups", "group_ids", groupIDs); err != nil {
			return err
		}
		candidates := uniqueIDs(userIDs)
		members, err := tx.groupMembers(ctx, groupIDs)
		if err != nil {
			return err
		}
		named := make(map[skillpath.ID]bool, len(candidates))
		for _, id := range candidates {
			named[id] = true
		}
		for _, id := range members {
			if !named[id] {
				candidates = append(candidates, id)
			}
		}
		if len(candidates) > skillpath.MaxBulkEnrollment {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE, "%d learners named: at most %d may be enrolled in one call; enroll the subgroups one at a time",
				len(candidates), skillpath.MaxBulkEnrollment)
		}
		facts, err := tx.bulkFacts(ctx, se.ID, caller, candidates)
		if err != nil {
			return err
		}
		for _, id := range uniqueIDs(userIDs) {
			if _, ok := facts[id]; !ok {
				return skillpath.Invalid("user_ids", "user %s does not exist", id)
			}
		}
		enroll, skipped := skillpath.PlanBulkEnrollment(candidates, facts)
		out.Skipped = skipped
		if len(enroll) == 0 {
			return nil
		}
		ids, err := tx.insertAssignments(ctx, se, caller.ID, enroll)
		if err != nil {
			return err
		}
		out.Enrolled = len(ids)
		if err := tx.refresh(ctx, ids); err != nil {
			return err
		}
		return tx.relink(ctx, `e.session_id = $1`, se.ID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// uniqueIDs returns ids without repeats, in their first order.
func uniqueIDs(ids []skillpath.ID) []skillpath.ID {
	seen := make(map[skillpath.ID]bool, len(ids))
	out := make([]skillpath.ID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// groupMembers returns the members of the groups and of their subgroups,
// by id.
func (tx *Tx) groupMembers(ctx context.Context, groupIDs []skillpath.ID) ([]skillpath.ID, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	var all []skillpath.ID
	for _, chunk := range chunks(groupIDs, batchSize) {
		in, args := inList(chunk, 1)
		ids, err := queryIDs(ctx, tx, `SELECT DISTINCT gm.user_id FROM group_tree gt JOIN group_members gm ON gm.group_id = gt.descendant_id
			WHERE gt.ancestor_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

// bulkFacts gathers, for each existing candidate, whether the user is
// deleted, whether the caller may assign them and whether they are already
// enrolled in the session: three queries per batch of candidates. An
// unknown user has no entry.
func (tx *Tx) bulkFacts(ctx context.Context, sessionID skillpath.ID, caller *skillpath.User, candidates []skillpath.ID) (map[skillpath.ID]skillpath.LearnerFacts, error) {
	facts := make(map[skillpath.ID]skillpath.LearnerFacts, len(candidates))
	for _, chunk := range chunks(candidates, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT id, deleted_at IS NOT NULL FROM users WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id skillpath.ID
			var f skillpath.LearnerFacts
			if err := rows.Scan(&id, &f.Deleted); err != nil {
				rows.Close()
				return nil, err
			}
			f.InScope = caller.PlatformAdmin
			facts[id] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		in, args = inList(chunk, 3)
		if !caller.PlatformAdmin {
			assignable, err := queryIDs(ctx, tx, `SELECT DISTINCT gm.user_id FROM group_staff gs
				JOIN group_tree gt ON gt.ancestor_id = gs.group_id
				JOIN group_members gm ON gm.group_id = gt.descendant_id
				WHERE gs.user_id = $1 AND gs.role = $2 AND gm.user_id IN (`+in+`)`,
				append([]any{caller.ID, string(skillpath.RoleGroupAdmin)}, args...)...)
			if err != nil {
				return nil, err
			}
			for _, id := range assignable {
				f := facts[id]
				f.InScope = true
				facts[id] = f
			}
		}
		in, args = inList(chunk, 2)
		enrolled, err := queryIDs(ctx, tx, `SELECT user_id FROM enrollments WHERE session_id = $1 AND deleted_at IS NULL AND user_id IN (`+in+`)`,
			append([]any{sessionID}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, id := range enrolled {
			f := facts[id]
			f.Enrolled = true
			facts[id] = f
		}
	}
	return facts, nil
}

// insertAssignments enrolls the learners in the session as an
// administrator's assignment (approved by it), with multi-row INSERTs, and
// returns the new enrollments' ids.
func (tx *Tx) insertAssignments(ctx context.Context, se *skillpath.Session, by skillpath.ID, learners []skillpath.ID) ([]skillpath.ID, error) {
	var ids []skillpath.ID
	for _, chunk := range chunks(learners, batchSize) {
		args := []any{se.ID, se.TrainingID, millis(tx.now), by, status.TrainingNotStarted}
		values := make([]string, len(chunk))
		for i, u := range chunk {
			args = append(args, u)
			values[i] = "($1, $2, $" + strconv.Itoa(len(args)) + ", $3, $4, FALSE, $3, $4, $5)"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (session_id, training_id, user_id, enrolled_at, enrolled_by, self_enrolled, approved_at, approved_by, status)
			VALUES `+strings.Join(values, ", "), args...); err != nil {
			return nil, err
		}
		in, inArgs := inList(chunk, 2)
		found, err := queryIDs(ctx, tx, `SELECT id FROM enrollments WHERE session_id = $1 AND deleted_at IS NULL AND auto_reenrolled = FALSE AND user_id IN (`+in+`)`,
			append([]any{se.ID}, inArgs...)...)
		if err != nil {
			return nil, err
		}
		ids = append(ids, found...)
	}
	if err := tx.noteEnrolled(ctx, ids...); err != nil {
		return nil, err
	}
	return ids, nil
}

// refuseUnmanagedGroups returns ENOTFOUND (field group_ids) for the first
// group that a caller who is not a platform admin is not an admin of (or
// of a group above it): unknown and foreign groups answer alike.
func (tx *Tx) refuseUnmanagedGroups(ctx context.Context, caller *skillpath.User, groupIDs []skillpath.ID) error {
	if caller.PlatformAdmin || len(groupIDs) == 0 {
		return nil
	}
	managed := map[skillpath.ID]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT gt.descendant_id FROM group_staff st
		JOIN group_tree gt ON gt.ancestor_id = st.group_id WHERE st.user_id = $1 AND st.role = $2`, caller.ID, skillpath.RoleGroupAdmin)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g skillpath.ID
		if err := rows.Scan(&g); err != nil {
			return err
		}
		managed[g] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, g := range groupIDs {
		if !managed[g] {
			return &skillpath.Error{Code: skillpath.ENOTFOUND, Field: "group_ids",
				Message: fmt.Sprintf("group_ids: group %s is not among the groups you administer", g)}
		}
	}
	return nil
}
