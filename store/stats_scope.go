package store

import (
	"context"
	"slices"

	"skillpath"
	"skillpath/report"
)

// StatsScope gathers the part of the certificate statistics the caller
// sees (SPEC §3, "Who sees what"): everything for a platform admin; the
// certificates granted by the paths they author or instruct; the learners
// of the groups they administer or coach, subgroups included. A caller
// holding several roles gets the union (report.Scope). Returns EFORBIDDEN
// for a caller with none of these roles: a learner sees no statistics.
func (s *Store) StatsScope(ctx context.Context, caller *skillpath.User) (report.Scope, error) {
	if caller.PlatformAdmin {
		return report.Scope{All: true}, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT 'group', gs.group_id FROM group_staff gs WHERE gs.user_id = $1
		UNION ALL
		SELECT 'path', COALESCE(tc.certificate_id, 0) FROM training_staff ts
			LEFT JOIN training_certificates tc ON tc.training_id = ts.training_id WHERE ts.user_id = $1`, caller.ID)
	if err != nil {
		return report.Scope{}, err
	}
	defer rows.Close()
	var sc report.Scope
	staff := false
	for rows.Next() {
		var kind string
		var id skillpath.ID
		if err := rows.Scan(&kind, &id); err != nil {
			return sc, err
		}
		staff = true
		switch {
		case kind == "group" && !slices.Contains(sc.GroupIDs, id):
			sc.GroupIDs = append(sc.GroupIDs, id)
		case kind == "path" && id != 0 && !slices.Contains(sc.CertificateIDs, id):
			sc.CertificateIDs = append(sc.CertificateIDs, id)
		}
	}
	if err := rows.Err(); err != nil {
		return sc, err
	}
	if !staff {
		return sc, skillpath.Errorf(skillpath.EFORBIDDEN, "certificate statistics are for platform admins, group admins, coaches, instructors and authors")
	}
	slices.Sort(sc.GroupIDs)
	slices.Sort(sc.CertificateIDs)
	return sc, nil
}
