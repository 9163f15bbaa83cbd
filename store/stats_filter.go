package store

import (
	"context"
	"database/sql"
	"slices"
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
	return `SELECT gm.user_id FROM group_tree gt JOIN group_members gm ON gm.group_id = gt.descendant_id
		WHERE gt.ancestor_id IN (` + list(a, groups) + `)`
}

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
		where = append(where, `cl.user_deleted = FALSE`)
	}
	if kept != nil {
		return append(where, kept.condition(a, `cl.user_id`))
	}
	return append(where, userConditions(a, f, `cl.user_id`)...)
}

// userConditions are the filter's conditions on users (registration,
// groups, custom fields) as conditions on the user id expression user.
func userConditions(a *sqlArgs, f report.Filter, user string) []string {
	var where []string
	if f.RegisteredFrom != nil || f.RegisteredBefore != nil {
		var r []string
		if f.RegisteredFrom != nil {
			r = append(r, `u.registered_at >= `+a.add(millis(*f.RegisteredFrom)))
		}
		if f.RegisteredBefore != nil {
			r = append(r, `u.registered_at < `+a.add(millis(*f.RegisteredBefore)))
		}
		where = append(where, user+` IN (SELECT u.id FROM users u WHERE `+strings.Join(r, ` AND `)+`)`)
	}
	if len(f.GroupIDs) > 0 {
		where = append(where, user+` IN (`+groupLearners(a, f.GroupIDs)+`)`)
	}
	keys := make([]string, 0, len(f.Fields))
	for k := range f.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		where = append(where, user+` IN (SELECT uf.user_id FROM user_fields uf WHERE uf.key = `+a.add(k)+
			` AND uf.value IN (`+list(a, f.Fields[k])+`))`)
	}
	return where
}

// A learnerSet is the users a broad filter keeps, read once per request
// as a byte per user id (1: kept), bound to the query as one parameter
// (SQLite only). Each row of certificate_learners then costs one byte's
// lookup instead of a search of the filter's users: SQLite has no hash
// join, and its only way to check a row against a list is a B-tree search,
// which made the list 3–5 times the unfiltered one when a filter kept most
// learners (docs/PERFORMANCE.md). A million users make a 1 MB parameter.
// PostgreSQL needs none: it hashes the filter's users once itself.
type learnerSet struct {
	bytes []byte
}

// condition is the test of the user id expression user against the set.
func (k *learnerSet) condition(a *sqlArgs, user string) string {
	return `substr(` + a.add(k.bytes) + `, ` + user + ` + 1, 1) = x'01'`
}

// broadShare: a filter keeping more than one user in broadShare is broad.
// Below, reaching certificate_learners user by user through its index
// costs less than reading it by certificate and checking every row
// (measured at 100,000 learners, docs/PERFORMANCE.md).
const broadShare = 3

// filterLearners reads, on SQLite, the users the filter's conditions on
// users keep and returns them as a set when they are more than one user in
// broadShare; nil for a narrower filter, one with no condition on users,
// or on PostgreSQL: the conditions are then given to the planner as they
// are. One query,
// whose answer is the ids joined by commas: the cost is that of finding
// the users, not of a row per user.
func (tx *Tx) filterLearners(ctx context.Context, f report.Filter) (*learnerSet, error) {
	if !f.Narrowed() || tx.store.dialect.postgres {
		return nil, nil
	}
	var a sqlArgs
	var last int64
	var ids sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM users), (SELECT group_concat(x.id) FROM users x`+
		where(userConditions(&a, f, `x.id`))+`)`, a...).Scan(&last, &ids)
	if err != nil {
		return nil, err
	}
	kept := strings.Count(ids.String, ",") + 1
	if !ids.Valid || int64(kept)*broadShare <= last {
		return nil, nil
	}
	set := &learnerSet{bytes: make([]byte, last+1)}
	var id int64
	for i := 0; i < len(ids.String); i++ {
		if c := ids.String[i]; c != ',' {
			id = id*10 + int64(c-'0')
			continue
		}
		set.bytes[id], id = 1, 0
	}
	set.bytes[id] = 1
	return set, nil
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
