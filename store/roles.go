package store

import (
	"context"

	"skillpath"
)

// Roles is what a user is beyond a learner, anywhere in the organisation:
// what the pages' navigation and home page follow.
type Roles struct {
	PlatformAdmin bool
	Author        bool // author of at least one training
	Instructor    bool // instructor of at least one training
	GroupAdmin    bool // admin of at least one group
	Coach         bool // coach of at least one group
}

// Staff reports whether the user may see some learners' results and
// certificate statistics (SPEC §3: platform admins, group admins and
// coaches, authors and instructors).
func (r Roles) Staff() bool {
	return r.PlatformAdmin || r.Author || r.Instructor || r.GroupAdmin || r.Coach
}

// Scorer reports whether the user may score some answers
// (skillpath.Access.CanScore, anywhere).
func (r Roles) Scorer() bool {
	return r.PlatformAdmin || r.Instructor || r.GroupAdmin || r.Coach
}

// UserRoles gathers a user's roles with one query.
func (s *Store) UserRoles(ctx context.Context, u *skillpath.User) (Roles, error) {
	roles := Roles{PlatformAdmin: u.PlatformAdmin}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT role FROM training_staff WHERE user_id = $1
		UNION SELECT DISTINCT role FROM group_staff WHERE user_id = $1`, u.ID)
	if err != nil {
		return roles, err
	}
	defer rows.Close()
	for rows.Next() {
		var role string
		if err := rows.Scan(&role); err != nil {
			return roles, err
		}
		switch role {
		case roleAuthor:
			roles.Author = true
		case roleInstructor:
			roles.Instructor = true
		case string(skillpath.RoleGroupAdmin):
			roles.GroupAdmin = true
		case string(skillpath.RoleCoach):
			roles.Coach = true
		}
	}
	return roles, rows.Err()
}
