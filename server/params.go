package server

import (
	"net/url"
	"strconv"
	"time"

	"skillpath"
)

// parseTime reads an RFC 3339 time from input field; with dateOK a plain
// YYYY-MM-DD is accepted too, as midnight in the platform's zone. The time
// must lie within skillpath.MinTime and MaxTime once in UTC.
func parseTime(field, v string, dateOK bool, zone *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), skillpath.ValidateTime(field, t)
	}
	if dateOK {
		if t, err := time.ParseInLocation(time.DateOnly, v, zone); err == nil {
			return t.UTC(), skillpath.ValidateTime(field, t)
		}
		return time.Time{}, skillpath.Invalid(field, "%q is not an RFC 3339 time (2026-01-31T09:00:00Z) or a date (2026-01-31)", v)
	}
	return time.Time{}, skillpath.Invalid(field, "%q is not an RFC 3339 time such as 2026-01-31T09:00:00Z", v)
}

// optionalTime is parseTime for a field that may be absent (nil or "").
func optionalTime(field string, v *string, zone *time.Location) (*time.Time, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	t, err := parseTime(field, *v, false, zone)
	return &t, err
}

// page reads the paging parameters `limit` (1 to max, default def) and
// `after` (an opaque cursor, returned as text).
func page(q url.Values, def, max int) (limit int, after string, err error) {
	limit = def
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return 0, "", skillpath.Invalid("limit", "must be a whole number from 1 to %d", max)
		}
		limit = n
	}
	return limit, q.Get("after"), nil
}

// queryID reads an optional id from a query parameter.
func queryID(q url.Values, name string) (skillpath.ID, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	id, ok := skillpath.ParseID(v)
	if !ok {
		return 0, skillpath.Invalid(name, "%q is not an id", v)
	}
	return id, nil
}
