package store

import (
	"context"
	"strings"

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

// FieldValues lists, for each of keys, the first per values users have for
// it, in order, hopping from value to value through the index on (key,
// value, user_id) as FieldKeys does: one index entry per value offered,
// whatever the number of users. The filter panel offers them as the
// choices of the custom field's value (issue 18).
func (s *Store) FieldValues(ctx context.Context, keys []string, per int) (map[string][]string, error) {
	out := map[string][]string{}
	if len(keys) == 0 || per < 1 {
		return out, nil
	}
	var a sqlArgs
	firsts := make([]string, len(keys))
	for i, k := range keys {
		p := a.add(k)
		firsts[i] = `SELECT CAST(` + p + ` AS TEXT) AS key, (SELECT MIN(uf.value) FROM user_fields uf WHERE uf.key = ` + p + `) AS value`
	}
	rows, err := s.db.QueryContext(ctx, `WITH RECURSIVE v (key, value, n) AS (
			SELECT f.key, f.value, 1 FROM (`+strings.Join(firsts, ` UNION ALL `)+`) f
			UNION ALL
			SELECT v.key, (SELECT MIN(uf.value) FROM user_fields uf WHERE uf.key = v.key AND uf.value > v.value), n + 1
			FROM v WHERE v.value IS NOT NULL AND n < `+a.add(per)+`)
		SELECT key, value FROM v WHERE value IS NOT NULL ORDER BY key, value`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = append(out[k], v)
	}
	return out, rows.Err()
}

// MatchFieldValues lists the values users have for the custom field key
// that equal value ignoring case (Unicode folding, as lower() on both
// databases): what a value typed in the filter panel stands for, since the
// filter itself compares values exactly, through its index. At most 20.
func (s *Store) MatchFieldValues(ctx context.Context, key, value string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT uf.value FROM user_fields uf WHERE uf.key = $1 AND lower(uf.value) = lower($2)
		ORDER BY uf.value LIMIT 20`, key, value)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
