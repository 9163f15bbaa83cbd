package store

import (
	"context"
	"database/sql"

	"skillpath"
)

// Access gathers what caller is to a learner (0: none in particular) and a
// training (0: none in particular); skillpath.Access decides what follows.
// A group role reaches the learners of the group's subgroups too.
func (s *Store) Access(ctx context.Context, caller *skillpath.User, learnerID, trainingID skillpath.ID) (skillpath.Access, error) {
	a := skillpath.Access{Self: caller.ID == learnerID, PlatformAdmin: caller.PlatformAdmin}
	rows, err := s.stmt(qAccess).QueryContext(ctx, caller.ID, learnerID, trainingID)
	return scanAccess(a, rows, err)
}

// scanAccess adds to a the roles read by qAccess.
func scanAccess(a skillpath.Access, rows *sql.Rows, err error) (skillpath.Access, error) {
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
