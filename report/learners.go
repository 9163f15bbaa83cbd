package report

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"skillpath"
	"skillpath/status"
)

// LearnerQuery is what the learners table of one certificate adds to the
// filters of every table (SPEC §3, "finding who needs action"): the latest
// statuses it keeps, a range of expiration days, and its order.
type LearnerQuery struct {
	// Statuses keeps the learners whose latest status is one of these
	// (OR-ed); empty keeps every status. Distinct, in SPEC order.
	Statuses []status.Certification
	// ExpiresFrom is the first moment of the first expiration day,
	// ExpiresBefore the first moment after the last one, both in the
	// platform's zone; nil when not given. A learner without an expiration
	// date (not obtained, or a certificate that never expires) is outside
	// any such range.
	ExpiresFrom   *time.Time
	ExpiresBefore *time.Time
	Sort          LearnerSort
}

// LearnerSort is the order of a learners table: a key and its direction.
// Ties are broken by name then user id, in the same direction, so the
// order is total and a page cursor follows it.
type LearnerSort struct {
	Key  SortKey
	Desc bool
}

// SortKey names a column of the learners table that sorts it.
type SortKey string

// The keys of sort=, SPEC §3. By latest status the order is by urgency:
// expired, expiring soon, valid, not obtained, and within a status by
// expiration date; by expiration or delivery date, learners without the
// date come last (valid certificates that never expire before learners
// who have none).
const (
	SortName        SortKey = "name"
	SortEmail       SortKey = "email"
	SortStatus      SortKey = "latest_status"
	SortDeliveredAt SortKey = "delivered_at"
	SortExpiresAt   SortKey = "expires_at"
)

// SortKeys are the keys in the order the pages offer them.
var SortKeys = []SortKey{SortName, SortEmail, SortStatus, SortDeliveredAt, SortExpiresAt}

// String is the value of sort= that asks for s: the key, "-" first when
// descending.
func (s LearnerSort) String() string {
	if s.Key == "" {
		return string(SortName)
	}
	if s.Desc {
		return "-" + string(s.Key)
	}
	return string(s.Key)
}

// Certifications are the latest statuses, in SPEC order.
var Certifications = []status.Certification{status.CertificationValid, status.CertificationExpiringSoon,
	status.CertificationExpired, status.CertificationNotObtained}

// ParseLearnerQuery reads latest_status (repeated or comma-separated),
// expires_from and expires_to (YYYY-MM-DD, inclusive days in zone) and
// sort (one key, "-" before it for descending; name by default). Empty
// values are no filter, as ParseFilter. Returns EINVALID naming the
// parameter at fault.
func ParseLearnerQuery(q url.Values, zone *time.Location) (LearnerQuery, error) {
	l := LearnerQuery{Sort: LearnerSort{Key: SortName}}
	if len(q["latest_status"]) > skillpath.MaxListLength {
		return l, skillpath.Invalid("latest_status", "at most %d values", skillpath.MaxListLength)
	}
	for _, v := range q["latest_status"] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			c := status.Certification(s)
			if !slices.Contains(Certifications, c) {
				return l, skillpath.Invalid("latest_status", "%q is not one of valid, expiring_soon, expired, not_obtained", truncate(s))
			}
			if !slices.Contains(l.Statuses, c) {
				l.Statuses = append(l.Statuses, c)
			}
		}
	}
	slices.SortFunc(l.Statuses, func(a, b status.Certification) int {
		return slices.Index(Certifications, a) - slices.Index(Certifications, b)
	})
	var err error
	if l.ExpiresFrom, err = day(q, "expires_from", zone, 0); err != nil {
		return l, err
	}
	if l.ExpiresBefore, err = day(q, "expires_to", zone, 1); err != nil {
		return l, err
	}
	if l.ExpiresFrom != nil && l.ExpiresBefore != nil && !l.ExpiresBefore.After(*l.ExpiresFrom) {
		return l, skillpath.Invalid("expires_to", "is before expires_from")
	}
	if v := q.Get("sort"); v != "" {
		key, desc := strings.CutPrefix(v, "-")
		if !slices.Contains(SortKeys, SortKey(key)) {
			return l, skillpath.Invalid("sort", "%q is not one of name, email, latest_status, delivered_at, expires_at, with - before it for descending", truncate(v))
		}
		l.Sort = LearnerSort{Key: SortKey(key), Desc: desc}
	}
	return l, nil
}

// truncate keeps an echoed value short: an error message quotes at most
// 40 bytes of what it refuses.
func truncate(s string) string {
	if len(s) <= 40 {
		return s
	}
	for i := 40; i > 0; i-- {
		if i < len(s) && (s[i]&0xC0) != 0x80 {
			return s[:i] + "…"
		}
	}
	return ""
}

// ListSort is the order of the certificate list (issue 18): a column and
// its direction; ties by title, then id, in the same direction.
type ListSort struct {
	Key  string
	Desc bool
}

// ListSortKeys are the columns that sort the certificate list, as sort=
// names them: the list's JSON keys.
var ListSortKeys = []string{"title", "owner_group", "validity_months", "certified_learners", "enrolled_learners",
	"associated_paths", "expiring_soon_learners", "expired_learners"}

// ParseListSort reads sort= of the certificate list: one of ListSortKeys,
// "-" before it for descending; title by default. Returns EINVALID (sort).
func ParseListSort(q url.Values) (ListSort, error) {
	v := q.Get("sort")
	if v == "" {
		return ListSort{Key: "title"}, nil
	}
	key, desc := strings.CutPrefix(v, "-")
	if !slices.Contains(ListSortKeys, key) {
		return ListSort{Key: "title"}, skillpath.Invalid("sort", "%q is not one of %s, with - before it for descending", truncate(v), strings.Join(ListSortKeys, ", "))
	}
	return ListSort{Key: key, Desc: desc}, nil
}

// String is the value of sort= that asks for s.
func (s ListSort) String() string {
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}
