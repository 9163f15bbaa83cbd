package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"skillpath"
	"skillpath/report"
	"skillpath/status"
)

// The learners table of one certificate (SPEC §3) and what issue 18 adds
// to it: filters on the latest status and the expiration date, and five
// orders, each read from an index of certificate_learners in its order
// (migration 00019), so a page reads its rows and no more.

// CertificateLearners streams the learners of one certificate in lq's
// order (by name unless it says otherwise): one row per learner enrolled
// in a session of a granting path or holding the certificate, with the
// status and dates of the certificate delivered to them most recently,
// kept by f and by lq's statuses and expiration days. It returns the
// cursor of the next page, "" on the last. Returns ENOTFOUND for a
// certificate that does not exist or is outside the scope, EINVALID
// (after) for a cursor it did not make for this order.
func (s *Store) CertificateLearners(ctx context.Context, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, p Page, fn func(report.LearnerRow) error) (string, error) {
	return s.learners(ctx, sc, f, lq, certificateID, false, p, fn)
}

// CertifiedLearners is CertificateLearners for the learners holding the
// certificate only: the names behind the list's "Certified learners".
func (s *Store) CertifiedLearners(ctx context.Context, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, p Page, fn func(report.LearnerRow) error) (string, error) {
	return s.learners(ctx, sc, f, lq, certificateID, true, p, fn)
}

// CountCertificateLearners counts the rows of CertificateLearners (or of
// CertifiedLearners when certified) over every page — a page's total —
// and those up to the cursor after, in lq's order: the rows of the pages
// before the one after starts. Returns ENOTFOUND as CertificateLearners,
// EINVALID (after) for a cursor it did not make for this order.
func (s *Store) CountCertificateLearners(ctx context.Context, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, certified bool, after string) (total, before int, err error) {
	err = s.statsRead(ctx, func(tx *Tx) error {
		var a sqlArgs
		conditions := learnerTableConditions(&a, sc, f, lq, certificateID, certified, tx.now)
		upTo := `0`
		if after != "" {
			c, err := cursorCondition(&a, lq.Sort, after, true)
			if err != nil {
				return err
			}
			upTo = `CASE WHEN ` + c + ` THEN 1 ELSE 0 END`
		}
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(`+upTo+`), 0) FROM certificate_learners cl`+where(conditions), a...).Scan(&total, &before)
	})
	return total, before, err
}

func (s *Store) learners(ctx context.Context, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, certified bool, p Page, fn func(report.LearnerRow) error) (string, error) {
	var next string
	err := s.statsRead(ctx, func(tx *Tx) error {
		q, a, err := learnersQuery(s.dialect, sc, f, lq, certificateID, certified, p, tx.now)
		if err != nil {
			return err
		}
		if err := tx.visibleCertificate(ctx, sc, certificateID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var last learnerCursor
		for n := 1; rows.Next(); n++ {
			if p.Limit > 0 && n > p.Limit {
				next = last.String()
				break
			}
			var r report.LearnerRow
			var delivered, expires sql.NullInt64
			var key int64
			if err := rows.Scan(&r.UserID, &r.Name, &r.Email, &delivered, &expires, &key); err != nil {
				return err
			}
			last = learnerCursor{sort: lq.Sort, key: key, text: r.Name, id: r.UserID}
			if lq.Sort.Key == report.SortEmail {
				last.text = r.Email
			}
			r.DeliveredAt, r.ExpiresAt = timePtr(delivered), timePtr(expires)
			r.LatestStatus = status.CertificationStatus(delivered.Valid, r.ExpiresAt, tx.now)
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return next, err
}

// The sort keys of the dates, as in migration 00019's indexes, letter for
// letter: a learner without the date sorts after every date — by
// expiration, a certificate that never expires before none at all.
const (
	expiryKey    = `(CASE WHEN cl.delivered_at IS NULL THEN 9000000000000001 ELSE COALESCE(cl.expires_at, 9000000000000000) END)`
	deliveredKey = `(COALESCE(cl.delivered_at, 9000000000000000))`
	// neverExpires is expiryKey of a valid certificate without expiration,
	// notObtained that of a learner who does not hold the certificate.
	neverExpires = 9000000000000000
	notObtained  = neverExpires + 1
)

// expiryDate is the expression the chart's range of expiration dates in a
// certificate is written on (the dates are moments before 9e15): on SQLite
// expiryKey, the key of certificate_learners_expiry — since migration 00021
// the table's one index by certificate and expiration date there — which
// is expires_at for every learner holding a certificate that expires and
// 9e15 or more for the others; on PostgreSQL expires_at itself, which
// certificate_learners_expires holds.
func (d dialect) expiryDate() string {
	if d.postgres {
		return `cl.expires_at`
	}
	return expiryKey
}

// orderColumns are the columns of an order, the key first and the tie-breaks
// after it, and the number the cursor keeps ("0" when the key is text).
func orderColumns(k report.SortKey) (columns []string, number string) {
	switch k {
	case report.SortEmail:
		return []string{`cl.user_email`, `cl.user_id`}, `0`
	case report.SortStatus, report.SortExpiresAt:
		return []string{expiryKey, `cl.user_name`, `cl.user_id`}, expiryKey
	case report.SortDeliveredAt:
		return []string{deliveredKey, `cl.user_name`, `cl.user_id`}, deliveredKey
	default:
		return []string{`cl.user_name`, `cl.user_id`}, `0`
	}
}

// learnersQuery is the one query of a learners page: certificate_learners
// rows of the certificate, in the order of an index, so a page reads its
// rows and no more.
func learnersQuery(d dialect, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, certified bool, p Page, now time.Time) (string, sqlArgs, error) {
	var a sqlArgs
	conditions := learnerTableConditions(&a, sc, f, lq, certificateID, certified, now)
	columns, number := orderColumns(lq.Sort.Key)
	if p.After != "" {
		c, err := cursorCondition(&a, lq.Sort, p.After, false)
		if err != nil {
			return "", nil, err
		}
		conditions = append(conditions, c)
	}
	order := slices.Clone(columns)
	if lq.Sort.Desc {
		for i := range order {
			order[i] += ` DESC`
		}
	}
	// on SQLite, the e-mail address of the rows kept only, from users by
	// id: the index of another order does not hold it, and the rows of
	// certificate_learners (WITHOUT ROWID) would be sought for every entry
	// read, before the conditions are checked
	email := `cl.user_email`
	if !d.postgres && lq.Sort.Key != report.SortEmail {
		email = `(SELECT u.email FROM users u WHERE u.id = cl.user_id)`
	}
	q := `SELECT cl.user_id, cl.user_name, ` + email + `, cl.delivered_at, cl.expires_at, ` + number + `
		FROM certificate_learners cl` + where(conditions) + ` ORDER BY ` + strings.Join(order, `, `)
	if p.Limit > 0 {
		q += ` LIMIT ` + a.add(p.Limit+1)
	}
	return q, a, nil
}

// cursorCondition keeps the rows after the cursor in the order s — or,
// upTo, the rows up to it and itself.
func cursorCondition(a *sqlArgs, s report.LearnerSort, after string, upTo bool) (string, error) {
	c, err := parseLearnerCursor(after, s)
	if err != nil {
		return "", err
	}
	columns, _ := orderColumns(s.Key)
	values := []string{a.add(c.text), a.add(c.id)}
	if len(columns) == 3 {
		values = append([]string{a.add(c.key)}, values...)
	}
	op := map[[2]bool]string{{false, false}: ` > `, {false, true}: ` < `, {true, false}: ` <= `, {true, true}: ` >= `}[[2]bool{upTo, s.Desc}]
	return `(` + strings.Join(columns, `, `) + `)` + op + `(` + strings.Join(values, `, `) + `)`, nil
}

// learnerTableConditions are the conditions on the rows of a learners
// table: the certificate's, the filters', the scope's and lq's.
func learnerTableConditions(a *sqlArgs, sc report.Scope, f report.Filter, lq report.LearnerQuery, certificateID skillpath.ID, certified bool, now time.Time) []string {
	conditions := append([]string{`cl.certificate_id = ` + a.add(certificateID)}, learnerConditions(a, sc, f, nil)...)
	if certified {
		conditions = append(conditions, `cl.delivered_at IS NOT NULL`)
	}
	if c := expiryCondition(a, lq, now); c != "" {
		conditions = append(conditions, c)
	}
	return conditions
}

// keyRange is the half-open range [lo, hi) of expiryKey.
type keyRange struct{ lo, hi int64 }

// expiryCondition is lq's statuses and expiration days as ranges of
// expiryKey, which orders the statuses one after the other (expired,
// expiring soon, valid, not obtained): adjacent statuses merge into one
// range, and the index on the key serves them all. "" when lq keeps every
// learner.
func expiryCondition(a *sqlArgs, lq report.LearnerQuery, now time.Time) string {
	if len(lq.Statuses) == 0 && lq.ExpiresFrom == nil && lq.ExpiresBefore == nil {
		return ""
	}
	n := millis(now)
	soon := n + status.ExpiringSoonWindow.Milliseconds()
	of := map[status.Certification]keyRange{
		status.CertificationExpired:      {math.MinInt64, n + 1},
		status.CertificationExpiringSoon: {n + 1, soon + 1},
		status.CertificationValid:        {soon + 1, neverExpires + 1},
		status.CertificationNotObtained:  {notObtained, notObtained + 1},
	}
	var ranges []keyRange
	if len(lq.Statuses) == 0 {
		ranges = []keyRange{{math.MinInt64, math.MaxInt64}}
	}
	for _, s := range lq.Statuses {
		ranges = append(ranges, of[s])
	}
	slices.SortFunc(ranges, func(x, y keyRange) int { return compareInt(x.lo, y.lo) })
	var merged []keyRange
	for _, r := range ranges {
		if lq.ExpiresFrom != nil || lq.ExpiresBefore != nil {
			r.hi = min(r.hi, neverExpires) // a range of days keeps dates only
		}
		if lq.ExpiresFrom != nil {
			r.lo = max(r.lo, millis(*lq.ExpiresFrom))
		}
		if lq.ExpiresBefore != nil {
			r.hi = min(r.hi, millis(*lq.ExpiresBefore))
		}
		switch {
		case r.lo >= r.hi:
		case len(merged) > 0 && merged[len(merged)-1].hi >= r.lo:
			merged[len(merged)-1].hi = max(merged[len(merged)-1].hi, r.hi)
		default:
			merged = append(merged, r)
		}
	}
	if len(merged) == 0 {
		return `FALSE`
	}
	var or []string
	for _, r := range merged {
		var c []string
		if r.lo != math.MinInt64 {
			c = append(c, expiryKey+` >= `+a.add(r.lo))
		}
		// no key is above notObtained: a range up to it is written open,
		// which planners without samples of the key (SQLite's
		// sqlite_stat4) take for a broad one, as it is for the learners
		// who have not obtained the certificate, and read in the page's
		// order rather than sort
		if r.hi <= notObtained {
			c = append(c, expiryKey+` < `+a.add(r.hi))
		}
		or = append(or, strings.Join(c, ` AND `))
	}
	if len(or) == 1 {
		return or[0]
	}
	return `(` + strings.Join(or, ` OR `) + `)`
}

func compareInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// learnerCursor is the position of a page's last row in its order: the
// key's number (dates), the text (name, or email when ordered by it) and
// the user id. Ordered by name it is the cursor every list by name uses;
// otherwise it names its order too, so a cursor is refused by another.
type learnerCursor struct {
	sort report.LearnerSort
	key  int64
	text string
	id   skillpath.ID
}

// String encodes the cursor as URL-safe base64, of "ID:NAME" ordered by
// name (the cursor of store/cursor.go) and of "SORT:KEY:ID:TEXT" otherwise.
func (c learnerCursor) String() string {
	if c.sort.Key == "" || c.sort == (report.LearnerSort{Key: report.SortName}) {
		return cursor{name: c.text, id: c.id}.String()
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c.sort.String() + ":" + strconv.FormatInt(c.key, 10) + ":" + c.id.String() + ":" + c.text))
}

// parseLearnerCursor reads a cursor made by learnerCursor.String for the
// order s; one made for another order is EINVALID (after).
func parseLearnerCursor(v string, s report.LearnerSort) (learnerCursor, error) {
	if s.Key == "" || s == (report.LearnerSort{Key: report.SortName}) {
		c, err := parseCursor(v)
		return learnerCursor{sort: s, text: c.name, id: c.id}, err
	}
	if len(v) > maxCursorLength+48 {
		return learnerCursor{}, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return learnerCursor{}, errBadCursor
	}
	parts := strings.SplitN(string(b), ":", 4)
	if len(parts) != 4 || parts[0] != s.String() {
		return learnerCursor{}, errBadCursor
	}
	key, keyErr := strconv.ParseInt(parts[1], 10, 64)
	id, idOK := skillpath.ParseID(parts[2])
	if keyErr != nil || !idOK || !utf8.ValidString(parts[3]) || strings.ContainsRune(parts[3], 0) {
		return learnerCursor{}, errBadCursor
	}
	return learnerCursor{sort: s, key: key, text: parts[3], id: id}, nil
}
