package server

import (
	"net/url"
	"strconv"

	"skillpath"
	"skillpath/server/input"
)

// parseTime and optionalTime read times of bodies: see input.ParseTime.
var (
	parseTime    = input.ParseTime
	optionalTime = input.OptionalTime
)

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

// adminListPage lets platform admins in and reads a list's limit (1–500,
// default 100) and id cursor "after". Returns EFORBIDDEN for others and
// EINVALID naming the parameter.
func adminListPage(q url.Values, caller *skillpath.User) (limit int, after skillpath.ID, err error) {
	if err := requirePlatformAdmin(caller); err != nil {
		return 0, 0, err
	}
	if limit, _, err = page(q, 100, 500); err != nil {
		return 0, 0, err
	}
	after, err = queryID(q, "after")
	return limit, after, err
}
