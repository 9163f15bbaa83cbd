package report

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"skillpath"
)

// UserStatus is the user status filter of SPEC §3.
type UserStatus string

const (
	// UsersActive counts users who are not deleted: the default.
	UsersActive UserStatus = "active"
	// UsersDeleted counts deleted users only.
	UsersDeleted UserStatus = "deleted"
	// UsersAll counts every user and, when no other filter narrows the
	// list, lists every certificate in scope, even one linked to no user.
	UsersAll UserStatus = "all"
)

// Filter narrows every statistics table to some users (SPEC §3). Its
// conditions combine with AND; the values of one custom field with OR.
type Filter struct {
	// RegisteredFrom is the first moment of the first registration day,
	// RegisteredBefore the first moment after the last one, both in the
	// platform's time zone; nil when not given.
	RegisteredFrom   *time.Time
	RegisteredBefore *time.Time
	// GroupIDs keeps the learners of these groups and of their subgroups.
	GroupIDs []skillpath.ID
	// Fields keeps the users whose custom field KEY has one of the values.
	Fields map[string][]string
	// UserStatus is active unless the filter says otherwise.
	UserStatus UserStatus
}

// Narrowed reports whether a filter other than the user status is set: the
// filters that keep only the certificates linked to the users they select.
func (f Filter) Narrowed() bool {
	return f.RegisteredFrom != nil || f.RegisteredBefore != nil || len(f.GroupIDs) > 0 || len(f.Fields) > 0
}

// Limits on one filter, so a URL cannot make an unbounded query.
const (
	MaxFilterGroups = 100
	MaxFilterFields = 20
	MaxFieldValues  = 100
)

// ParseFilter reads the filters of SPEC §3 from query parameters:
// registered_from and registered_to (YYYY-MM-DD, inclusive days in zone),
// group (repeated or comma-separated ids), field.KEY (repeated values) and
// user_status (active, deleted or all). An empty value is no filter, as an
// HTML form sends an input left blank; other parameters are left to the
// caller. Returns EINVALID naming the parameter at fault.
func ParseFilter(q url.Values, zone *time.Location) (Filter, error) {
	f := Filter{UserStatus: UsersActive}
	var err error
	if f.RegisteredFrom, err = day(q, "registered_from", zone, 0); err != nil {
		return f, err
	}
	if f.RegisteredBefore, err = day(q, "registered_to", zone, 1); err != nil {
		return f, err
	}
	if f.RegisteredFrom != nil && f.RegisteredBefore != nil && !f.RegisteredBefore.After(*f.RegisteredFrom) {
		return f, skillpath.Invalid("registered_to", "is before registered_from")
	}
	// Linear in the URL's length, and stopped at the first value past the
	// limits: a URL of 140,000 ids costs no more than one of 1,000.
	seenGroups := map[skillpath.ID]bool{}
	items := 0
	for _, v := range q["group"] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if items++; items > skillpath.MaxListLength {
				return f, skillpath.Invalid("group", "at most %d values", skillpath.MaxListLength)
			}
			id, ok := skillpath.ParseID(s)
			if !ok {
				return f, skillpath.Invalid("group", "%q is not a group id", s)
			}
			if !seenGroups[id] {
				seenGroups[id] = true
				f.GroupIDs = append(f.GroupIDs, id)
			}
			if len(f.GroupIDs) > MaxFilterGroups {
				return f, skillpath.Invalid("group", "at most %d groups", MaxFilterGroups)
			}
		}
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names) // the same parameter is reported whatever the map's order
	for _, name := range names {
		values := q[name]
		key, ok := strings.CutPrefix(name, "field.")
		if !ok {
			continue
		}
		if !skillpath.ValidFieldKey(key) {
			return f, skillpath.Invalid(name, "custom field keys are 1 to 64 letters, digits, '_' or '-'")
		}
		if len(values) > skillpath.MaxListLength {
			return f, skillpath.Invalid(name, "at most %d values", skillpath.MaxListLength)
		}
		var kept []string
		seen := map[string]bool{}
		for _, v := range values {
			if v != "" && !seen[v] {
				seen[v] = true
				kept = append(kept, v)
			}
			if len(kept) > MaxFieldValues {
				return f, skillpath.Invalid(name, "at most %d values", MaxFieldValues)
			}
		}
		if len(kept) > 0 {
			if f.Fields == nil {
				f.Fields = map[string][]string{}
			}
			f.Fields[key] = kept
		}
	}
	if len(f.Fields) > MaxFilterFields {
		return f, skillpath.Invalid("field", "at most %d custom fields", MaxFilterFields)
	}
	switch s := UserStatus(q.Get("user_status")); s {
	case "":
	case UsersActive, UsersDeleted, UsersAll:
		f.UserStatus = s
	default:
		return f, skillpath.Invalid("user_status", "must be active, deleted or all")
	}
	return f, nil
}

// day reads a calendar day in zone and returns its first moment, days later.
func day(q url.Values, name string, zone *time.Location, days int) (*time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, zone)
	if err != nil {
		return nil, skillpath.Invalid(name, "%q is not a date such as 2026-01-31", v)
	}
	t := time.Date(d.Year(), d.Month(), d.Day()+days, 0, 0, 0, 0, zone).UTC()
	if err := skillpath.ValidateTime(name, d); err != nil {
		return nil, err
	}
	return &t, nil
}
