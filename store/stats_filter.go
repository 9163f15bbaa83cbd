package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/report"
)

// The filters and the scope of SPEC §3 as SQL, in one place for every
// statistics table: conditions on rows cl of certificate_learners, each
// with an index to use (user_deleted in the table's own indexes,
// users_registered_at, group_tree's and group_members' keys,
// user_fields_key_value).

// groupLearners is the users of the groups and of their subgroups.
func groupLearners(a *sqlArgs, groups []skillpath.ID) string {
	return `SELECT gm.user_id AS id FROM group_tree gt JOIN group_members gm ON gm.group_id = gt.descendant_id
		WHERE gt.ancestor_id IN (` + list(a, groups) + `)`
}

// activeLearners is the condition of the user status "active".
const activeLearners = `cl.user_deleted = FALSE`

// filterConditions are the conditions the filter puts on the learners of
// rows cl; they combine with AND, the values of one custom field with OR.
// With a learner set (Tx.filterLearners: a broad filter), the conditions
// on users are one test of each row's user against that set.
func filterConditions(a *sqlArgs, f report.Filter, kept *learnerSet) []string {
	var where []string
	switch f.UserStatus {
	case report.UsersAll:
	case report.UsersDeleted:
		where = append(where, `cl.user_deleted = TRUE`)
	default:
		where = append(where, activeLearners)
	}
	if kept != nil {
		if c := kept.condition(a, `cl.user_id`); c != "" {
			where = append(where, c)
		}
		return where
	}
	return append(where, userConditions(a, f, `cl.user_id`)...)
}

// userConditions are the filter's conditions on users (registration,
// groups, custom fields) as conditions on the user id expression user.
func userConditions(a *sqlArgs, f report.Filter, user string) []string {
	sets := userSets(a, f)
	for i, q := range sets {
		sets[i] = user + ` IN (` + q + `)`
	}
	return sets
}

// userSets are the filter's conditions on users as queries of the ids of
// the users each keeps (one column, id; a user may come more than once):
// a user meets the filter when every query returns them.
func userSets(a *sqlArgs, f report.Filter) []string {
	var sets []string
	if f.RegisteredFrom != nil || f.RegisteredBefore != nil {
		var r []string
		if f.RegisteredFrom != nil {
			r = append(r, `u.registered_at >= `+a.add(millis(*f.RegisteredFrom)))
		}
		if f.RegisteredBefore != nil {
			r = append(r, `u.registered_at < `+a.add(millis(*f.RegisteredBefore)))
		}
		sets = append(sets, `SELECT u.id AS id FROM users u WHERE `+strings.Join(r, ` AND `))
	}
	if len(f.GroupIDs) > 0 {
		sets = append(sets, groupLearners(a, f.GroupIDs))
	}
	keys := make([]string, 0, len(f.Fields))
	for k := range f.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sets = append(sets, `SELECT uf.user_id AS id FROM user_fields uf WHERE uf.key = `+a.add(k)+
			` AND uf.value IN (`+list(a, f.Fields[k])+`)`)
	}
	return sets
}

// A learnerSet is the users a broad filter keeps, read once per request.
// On SQLite it is a byte per user id (1: kept), bound to the query as one
// parameter. Each row of certificate_learners then costs one byte's
// lookup instead of a search of the filter's users: SQLite has no hash
// join, and its only way to check a row against a list is a B-tree search,
// which made the list 3–5 times the unfiltered one when a filter kept most
// learners (docs/PERFORMANCE.md). A million users make a 1 MB parameter.
// On PostgreSQL it is the other side: the few users the filter leaves out
// (excluded), bound as an array that the planner hashes (the plans are
// custom: statsRead), instead of the filter's users hashed by each of the
// query's parallel workers (docs/PERFORMANCE.md, issue 12, fourth
// session). With no one left out, the filter adds no condition at all.
// On SQLite too, when a filter leaves out fewer than one user in
// subtractShare (the root group: the staff outside every group), those
// users are subtracted instead (certificateStatsQuery): the list costs the
// unfiltered one and a search of the users left out, no test per row.
type learnerSet struct {
	bytes      []byte
	excluded   []int64
	subtracted []int64
}

// condition is the test of the user id expression user against the set,
// "" when it keeps everyone — and for a subtracted set, whose users left
// out only certificateStatsQuery knows how to take away.
func (k *learnerSet) condition(a *sqlArgs, user string) string {
	if k.bytes == nil {
		if len(k.excluded) == 0 {
			return ""
		}
		return user + ` <> ALL(` + a.add(k.excluded) + `)`
	}
	return `substr(` + a.add(k.bytes) + `, ` + user + ` + 1, 1) = x'01'`
}

// broadShare: a filter keeping more than one user in broadShare is broad.
// Below, reaching certificate_learners user by user through its index
// costs less than reading it by certificate and checking every row
// (measured at 100,000 and 1,000,000 learners, docs/PERFORMANCE.md: a
// third before the set was read from the conditions' indexes; a filter
// keeping 33 % of a million learners then took twice the unfiltered list
// user by user, 0.8 times as a set; a quarter until the list was read with
// COUNT(*) FILTER and a test of each row's deleted flag: then one region
// of four, 25 %, took 1.2 s user by user and 0.71 s as a set at a million
// learners, two jobs, 17 %, 0.83 s and 0.65 s, one job, 8.5 %, 0.45 s and
// 0.59 s; at 100,000 learners 104–114 ms and 68–73 ms for the region,
// 79–85 ms and 64–67 ms for the two jobs).
const broadShare = 8

// filterLearners reads, on SQLite, the users the filter's conditions on
// users keep and returns them as a set when they are more than one user in
// broadShare (as the users left out, to subtract, when those are fewer
// than one in subtractShare; an empty set when there are none); nil for a narrower filter or one with no condition on users:
// the conditions are then given to the planner as they are. On PostgreSQL
// it is Tx.excludedLearners. One query, whose answer is, for each
// condition, the ids it keeps joined by commas (read straight from the
// condition's index: no temporary B-tree to remove the duplicates or to
// intersect them, which cost more than the list itself); the set is their
// intersection, built here.
func (tx *Tx) filterLearners(ctx context.Context, f report.Filter) (*learnerSet, error) {
	if !f.Narrowed() {
		return nil, nil
	}
	if tx.store.dialect.postgres {
		return tx.excludedLearners(ctx, f)
	}
	var a sqlArgs
	sets := userSets(&a, f)
	if len(sets) == 0 || len(sets) > 250 {
		return nil, nil // a byte counts the conditions a user meets
	}
	q := `SELECT (SELECT COALESCE(MAX(id), 0) FROM users)`
	for _, s := range sets {
		q += `, (SELECT group_concat(k.id) FROM (` + s + `) k)`
	}
	var last int64
	ids := make([]sql.NullString, len(sets))
	dest := []any{&last}
	for i := range ids {
		dest = append(dest, &ids[i])
	}
	if err := tx.QueryRowContext(ctx, q, a...).Scan(dest...); err != nil {
		return nil, err
	}
	// met[id] is how many of the conditions so far the user meets: a
	// user passes condition i when they met the i before it.
	met := make([]byte, last+1)
	for i, list := range ids {
		if !list.Valid {
			return nil, nil // no one
		}
		mark := func(id int64) {
			if id <= last && met[id] == byte(i) {
				met[id] = byte(i + 1)
			}
		}
		var id int64
		for j := 0; j < len(list.String); j++ {
			if c := list.String[j]; c != ',' {
				id = id*10 + int64(c-'0')
				continue
			}
			mark(id)
			id = 0
		}
		mark(id)
	}
	var kept int64
	var out []int64
	all := byte(len(sets))
	for id, m := range met {
		if m == all {
			met[id], kept = 1, kept+1
		} else {
			met[id] = 0
			if id > 0 && int64(len(out))*subtractShare <= last {
				out = append(out, int64(id))
			}
		}
	}
	switch {
	case kept*broadShare <= last:
		return nil, nil
	case len(out) == 0:
		return &learnerSet{}, nil
	case int64(len(out))*subtractShare <= last:
		return &learnerSet{subtracted: out}, nil
	}
	return &learnerSet{bytes: met}, nil
}

// subtractShare: on SQLite a broad filter leaving out fewer than one user
// in subtractShare is read as the users it leaves out, whose counts are
// subtracted from everyone's (learnerSet.subtracted).
const subtractShare = 64

// excludedShare: on PostgreSQL a filter leaving out fewer than one user
// in excludedShare is read as the users it leaves out (Tx.excludedLearners).
const excludedShare = 8

// excludedLearners reads, on PostgreSQL, the users the filter's conditions
// on users leave out, and returns them as a set (learnerSet.excluded) when
// they are fewer than one user in excludedShare; nil otherwise: the
// conditions are then given to the planner as they are, and it hashes the
// users they keep. Each condition's users left out are read on their own,
// at most the bound and one more (a narrow filter stops early): the
// registration's from its index, a custom field's by an anti-join, the
// groups' by a merge anti-join of two indexes in user order (users_pkey,
// group_members_user) with the groups' subtree bound as a hashed array:
// the planner's hash anti-join took 2.5–2.8 times as long (measured at
// 100,000 learners, docs/PERFORMANCE.md).
func (tx *Tx) excludedLearners(ctx context.Context, f report.Filter) (*learnerSet, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM users`).Scan(&last); err != nil {
		return nil, err
	}
	bound := last / excludedShare
	need := float64(last - bound)
	out := map[skillpath.ID]bool{}
	// add reads the ids of q into out; false when they are more than bound
	add := func(q string, a sqlArgs) (bool, error) {
		ids, err := queryIDs(ctx, tx, q+` LIMIT `+strconv.FormatInt(bound+1, 10), a...)
		for _, id := range ids {
			out[id] = true
		}
		return int64(len(ids)) <= bound && int64(len(out)) <= bound, err
	}
	if f.RegisteredFrom != nil || f.RegisteredBefore != nil {
		var a sqlArgs
		var r []string
		if f.RegisteredFrom != nil {
			r = append(r, `u.registered_at < `+a.add(millis(*f.RegisteredFrom)))
		}
		if f.RegisteredBefore != nil {
			r = append(r, `u.registered_at >= `+a.add(millis(*f.RegisteredBefore)))
		}
		if ok, err := add(`SELECT u.id FROM users u WHERE `+strings.Join(r, ` OR `), a); !ok || err != nil {
			return nil, err
		}
	}
	if len(f.GroupIDs) > 0 {
		var a sqlArgs
		subtree, err := queryIDs(ctx, tx, `SELECT DISTINCT gt.descendant_id FROM group_tree gt WHERE gt.ancestor_id IN (`+list(&a, f.GroupIDs)+`)`, a...)
		if err != nil {
			return nil, err
		}
		groups := int64s(subtree)
		// far fewer memberships than users to keep: narrow. An estimate,
		// which only saves looking for the users left out (they are counted
		// below); the planner's is low for a long list of groups (67,583
		// for the 105,091 memberships of every group at 100,000 learners),
		// hence the half.
		if n, err := tx.estimate(ctx, `SELECT 1 FROM group_members gm WHERE gm.group_id = ANY($1)`, sqlArgs{groups}); n < need/2 || err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_hashjoin = off`); err != nil {
			return nil, err
		}
		ok, err := add(`SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM group_members gm
			WHERE gm.user_id = u.id AND gm.group_id = ANY($1))`, sqlArgs{groups})
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_hashjoin TO DEFAULT`); err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
	}
	keys := make([]string, 0, len(f.Fields))
	for k := range f.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var a sqlArgs
		kept := `SELECT 1 FROM user_fields uf WHERE uf.key = ` + a.add(k) + ` AND uf.value IN (` + list(&a, f.Fields[k]) + `)`
		// far fewer users keep one of the values than the filter must
		// keep: narrow. The planner's estimate is low here too: it takes
		// the key and the value as independent (50,541 for the 100,000
		// users with one of the four regions at 100,000 learners, where
		// two keys are set), hence the half again.
		if n, err := tx.estimate(ctx, kept, a); n < need/2 || err != nil {
			return nil, err
		}
		ok, err := add(`SELECT u.id FROM users u WHERE NOT EXISTS (`+kept+` AND uf.user_id = u.id)`, a)
		if !ok || err != nil {
			return nil, err
		}
	}
	excluded := make([]int64, 0, len(out))
	for id := range out {
		excluded = append(excluded, int64(id))
	}
	slices.Sort(excluded)
	return &learnerSet{excluded: excluded}, nil
}

// int64s is ids as PostgreSQL array parameters are bound.
func int64s(ids []skillpath.ID) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

// estimate is the planner's estimate of the rows of q (PostgreSQL).
func (tx *Tx) estimate(ctx context.Context, q string, a sqlArgs) (float64, error) {
	var plan string
	if err := tx.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+q, a...).Scan(&plan); err != nil {
		return 0, err
	}
	var root []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) == 0 {
		return 0, fmt.Errorf("the plan of %s: %v", q, err)
	}
	return root[0].Plan.Rows, nil
}

// scopeCondition is the condition the caller's scope puts on rows cl, ""
// when it sees everything: a certificate granted by one of the caller's
// paths counts all its learners; any other, the learners of their groups.
func scopeCondition(a *sqlArgs, sc report.Scope) string {
	if sc.All {
		return ""
	}
	var or []string
	if len(sc.CertificateIDs) > 0 {
		or = append(or, `cl.certificate_id IN (`+list(a, sc.CertificateIDs)+`)`)
	}
	if len(sc.GroupIDs) > 0 {
		or = append(or, `cl.user_id IN (`+groupLearners(a, sc.GroupIDs)+`)`)
	}
	if len(or) == 0 {
		return `FALSE`
	}
	return `(` + strings.Join(or, ` OR `) + `)`
}

// learnerConditions are the filter's and the scope's conditions together.
func learnerConditions(a *sqlArgs, sc report.Scope, f report.Filter, kept *learnerSet) []string {
	where := filterConditions(a, f, kept)
	if c := scopeCondition(a, sc); c != "" {
		where = append(where, c)
	}
	return where
}

// visibleCertificate returns ENOTFOUND unless the certificate exists and
// is in the caller's scope: any for a platform admin, one granted by the
// caller's paths, or one linked to a learner of their groups (whatever the
// learner's status). A certificate outside the scope is not found, as if it
// did not exist.
func (tx *Tx) visibleCertificate(ctx context.Context, sc report.Scope, id skillpath.ID) error {
	var a sqlArgs
	q := `SELECT 1 FROM certificates c WHERE c.id = ` + a.add(id)
	switch {
	case sc.All || slices.Contains(sc.CertificateIDs, id):
	case len(sc.GroupIDs) > 0:
		q += ` AND EXISTS (SELECT 1 FROM certificate_learners cl WHERE cl.certificate_id = c.id AND cl.user_id IN (` + groupLearners(&a, sc.GroupIDs) + `))`
	default:
		q += ` AND FALSE`
	}
	var one int
	err := tx.QueryRowContext(ctx, q, a...).Scan(&one)
	if errNoRows(err) {
		return skillpath.Errorf(skillpath.ENOTFOUND, "certificate %s not found", id)
	}
	return err
}

// where joins conditions into a WHERE clause, empty when there are none.
func where(conditions []string) string {
	if len(conditions) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(conditions, ` AND `)
}

// CheckFilter returns EINVALID naming group when the filter names a group
// that does not exist: a filter that can match no one by mistake is
// refused rather than answered with empty tables.
func (s *Store) CheckFilter(ctx context.Context, f report.Filter) error {
	if len(f.GroupIDs) == 0 {
		return nil
	}
	return s.read(ctx, func(tx *Tx) error { return tx.mustExist(ctx, "groups", "group", f.GroupIDs) })
}
