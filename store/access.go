package store

import (
	"context"

	"skillpath"
)

// Access gathers what caller is to a learner (0: none in particular) and a
// training (0: none in particular); skillpath.Access decides what follows.
// A group role reaches the learners of the group's subgroups too.
func (s *Store) Access(ctx context.Context, caller *skillpath.User, learnerID, trainingID skillpath.ID) (skillpath.Access, error) {
	a := skillpath.Access{Self: caller.ID == learnerID, PlatformAdmin: caller.PlatformAdmin}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT gs.role FROM group_staff gs
		JOIN group_tree gt ON gt.ancestor_id = gs.group_id
		JOIN group_members gm ON gm.group_id = gt.descendant_id
		WHERE gs.user_id = $1 AND gm.user_id = $2
		UNION
		SELECT role FROM training_staff WHERE user_id = $1 AND training_id = $3`, caller.ID, learnerID, trainingID)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var role string
		if err := rows.Scan(&role); err != nil {
			return a, err
		}
		switch role {
		case string(skillpath.RoleGroupAdmin):
			a.GroupAdmin = true
		case string(skillpath.RoleCoach):
			a.Coach = true
		case roleInstructor:
			a.Instructor = true
		case roleAuthor:
			a.Author = true
		}
	}
	return a, rows.Err()
}
