package skillpath

import "time"

// Clock gives the business time: statuses, dates and statement timestamps
// all read it, so tests (and SKILLPATH_NOW) can freeze it. Retry back-off
// and the hourly sweep wait in real time instead (SPEC §5).
type Clock func() time.Time

// SystemClock is the clock of production: the machine's time in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// FixedClock returns a clock frozen at t.
func FixedClock(t time.Time) Clock { return func() time.Time { return t.UTC() } }

// The times a client may give (registration dates, session dates, filter
// days): from 1900-01-01 to the end of 9999, in UTC. Outside it a time
// cannot be written as RFC 3339 once in UTC (year 10000, year 0), and
// nothing of a training platform happens there; 0001-01-01T00:00:00Z, Go's
// zero time, would be read as "not given".
var (
	MinTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// ValidateTime returns EINVALID naming field unless t lies within MinTime
// and MaxTime.
func ValidateTime(field string, t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		return Invalid(field, "must be between %s and %s (UTC)", MinTime.Format(time.RFC3339), MaxTime.Truncate(time.Second).Format(time.RFC3339))
	}
	return nil
}
