package store

import (
	"context"

	"skillpath"
	"skillpath/report"
)

// What the filter panel of the statistics pages offers to choose from
// (SPEC §3, issue 7): groups and custom field keys.

// StatsGroups lists the groups a caller may pick in the group filter, in
// no particular order (the page draws the tree from the parents): every
// group for a platform admin, and for the instructors and authors of a path
// granting a certificate, whose learners may belong anywhere; for group
// admins and coaches only, the groups they administer or coach and their
// subgroups, where the learners they see are.
func (s *Store) StatsGroups(ctx context.Context, sc report.Scope) ([]*skillpath.Group, error) {
	var a sqlArgs
	q := `SELECT ` + groupColumns + ` FROM groups`
	if !sc.All && len(sc.CertificateIDs) == 0 {
		if len(sc.GroupIDs) == 0 {
			return nil, nil
		}
		q += ` WHERE id IN (SELECT gt.descendant_id FROM group_tree gt WHERE gt.ancestor_id IN (` + list(&a, sc.GroupIDs) + `))`
	}
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	return scanGroups(rows)
}

// maxFieldKeys bounds the keys offered by the custom field filter.
const maxFieldKeys = 200

// FieldKeys lists the custom field keys users have, in order. It hops from
// one key to the next through the index on (key, value, user_id) — a
// loose index scan both databases run as a recursive query — so it reads
// one index entry per key, not one per user.
func (s *Store) FieldKeys(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `WITH RECURSIVE k (key, n) AS (
			SELECT MIN(key), 1 FROM user_fields
			UNION ALL
			SELECT (SELECT MIN(uf.key) FROM user_fields uf WHERE uf.key > k.key), n + 1 FROM k WHERE k.key IS NOT NULL AND n < $1)
		SELECT key FROM k WHERE key IS NOT NULL ORDER BY key`, maxFieldKeys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
