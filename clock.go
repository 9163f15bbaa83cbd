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
