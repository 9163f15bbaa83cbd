package report

import "time"

// Timeline is a certificate's life month by month, for the chart of the
// certificate page (issue 7): consecutive calendar months of the
// platform's time zone around "now", each counting the certificates
// delivered in it and the learners' certificates that expire in it. The
// months' first moments are computed here, in Go, and the store counts
// against them, so that both databases agree on where a month begins in
// the zone (summer time included). Deliver and Expire count single
// moments: the known answers of tests do.
type Timeline struct {
	Months []Month
	// Current is the index of the month holding "now": the months before
	// it and it are the past, those after it the future.
	Current int
	zone    *time.Location
}

// Month is one calendar month of a Timeline.
type Month struct {
	// Start is the first moment of the month in the platform's zone.
	Start time.Time
	// Delivered counts the certificates delivered in the month, renewals
	// included: every delivery in a live enrollment.
	Delivered int
	// Expiring counts the learners whose most recent certificate expires
	// (or expired) in the month: one renewed before then does not expire.
	Expiring int
}

// NewTimeline returns the past months up to and including the one holding
// now, followed by the future months after it, in zone, with no counts.
func NewTimeline(now time.Time, zone *time.Location, past, future int) *Timeline {
	local := now.In(zone)
	t := &Timeline{Current: past - 1, zone: zone}
	for i := range past + future {
		start := time.Date(local.Year(), local.Month()-time.Month(past-1-i), 1, 0, 0, 0, 0, zone)
		t.Months = append(t.Months, Month{Start: start})
	}
	return t
}

// Start is the first moment of the first month.
func (t *Timeline) Start() time.Time { return t.Months[0].Start }

// End is the first moment after the last month.
func (t *Timeline) End() time.Time {
	last := t.Months[len(t.Months)-1].Start
	return time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, t.zone)
}

// Deliver counts a certificate delivered at the moment; one outside the
// months is not counted.
func (t *Timeline) Deliver(at time.Time) {
	if i, ok := t.index(at); ok {
		t.Months[i].Delivered++
	}
}

// Expire counts a certificate expiring at the moment; one outside the
// months is not counted.
func (t *Timeline) Expire(at time.Time) {
	if i, ok := t.index(at); ok {
		t.Months[i].Expiring++
	}
}

// index is the month holding the moment, in the timeline's zone.
func (t *Timeline) index(at time.Time) (int, bool) {
	local, first := at.In(t.zone), t.Months[0].Start
	i := (local.Year()-first.Year())*12 + int(local.Month()) - int(first.Month())
	return i, i >= 0 && i < len(t.Months)
}

// Totals adds up the past months (up to and including the current one)
// and the future ones.
func (t *Timeline) Totals() (past, future Month) {
	for i, m := range t.Months {
		sum := &future
		if i <= t.Current {
			sum = &past
		}
		sum.Delivered += m.Delivered
		sum.Expiring += m.Expiring
	}
	return past, future
}
