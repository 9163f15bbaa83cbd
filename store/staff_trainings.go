package store

import (
	"context"

	"skillpath"
)

// StaffTraining is a training on a staff member's list of results, with
// how many learners' enrollments they see in it.
type StaffTraining struct {
	ID       skillpath.ID `json:"id"`
	Title    string       `json:"title"`
	Learners int          `json:"learners"` // live enrollments of active users the caller sees
	Staff    bool         `json:"staff"`    // the caller is an author or instructor of it
	Author   bool         `json:"author"`   // the caller is an author of it: may configure its results tracking
}

// StaffTrainings lists the trainings whose results caller may see, by
// title: every training for platform admins; those they author or instruct;
// and, for group admins and coaches, those in which a learner of their groups
// or subgroups is enrolled. One query.
func (s *Store) StaffTrainings(ctx context.Context, caller *skillpath.User) ([]StaffTraining, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.title, COUNT(v.id),
			EXISTS (SELECT 1 FROM training_staff ts WHERE ts.training_id = t.id AND ts.user_id = $2),
			EXISTS (SELECT 1 FROM training_staff ts WHERE ts.training_id = t.id AND ts.user_id = $2 AND ts.role = $3)
		FROM trainings t
		LEFT JOIN (SELECT e.id, e.training_id FROM enrollments e JOIN users u ON u.id = e.user_id
			WHERE e.deleted_at IS NULL AND u.deleted_at IS NULL
			AND ($1 OR EXISTS (SELECT 1 FROM training_staff ts WHERE ts.training_id = e.training_id AND ts.user_id = $2)
				OR EXISTS (SELECT 1 FROM group_staff gs JOIN group_tree gt ON gt.ancestor_id = gs.group_id
					JOIN group_members gm ON gm.group_id = gt.descendant_id WHERE gs.user_id = $2 AND gm.user_id = e.user_id))
		) v ON v.training_id = t.id
		WHERE $1 OR v.id IS NOT NULL OR EXISTS (SELECT 1 FROM training_staff ts WHERE ts.training_id = t.id AND ts.user_id = $2)
		GROUP BY t.id, t.title ORDER BY t.title, t.id`, caller.PlatformAdmin, caller.ID, roleAuthor)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []StaffTraining{}
	for rows.Next() {
		var t StaffTraining
		if err := rows.Scan(&t.ID, &t.Title, &t.Learners, &t.Staff, &t.Author); err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}
