package report_test

import (
	"testing"
	"time"

	"skillpath/report"
)

// Months are calendar months of the platform's zone: a moment counts in the
// month it falls in there, not in UTC.
func TestTimeline(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tl := report.NewTimeline(now, paris, 12, 12)
	if len(tl.Months) != 24 || tl.Current != 11 {
		t.Fatalf("%d months, current %d; want 24 and 11", len(tl.Months), tl.Current)
	}
	if want := time.Date(2025, 12, 1, 0, 0, 0, 0, paris); !tl.Start().Equal(want) {
		t.Errorf("starts %s, want %s", tl.Start(), want)
	}
	if want := time.Date(2027, 12, 1, 0, 0, 0, 0, paris); !tl.End().Equal(want) {
		t.Errorf("ends %s, want %s", tl.End(), want)
	}
	if m := tl.Months[tl.Current].Start; m.Month() != time.November || m.Year() != 2026 {
		t.Errorf("current month %s", m)
	}
	for _, tt := range []struct {
		at      time.Time
		deliver bool
		month   int // index, -1 when outside
	}{
		{time.Date(2025, 11, 30, 22, 59, 0, 0, time.UTC), true, -1},  // 23:59 on 30 November in Paris
		{time.Date(2025, 11, 30, 23, 0, 0, 0, time.UTC), true, 0},    // midnight, 1 December in Paris
		{time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC), true, 4},    // 1 April in Paris (summer time)
		{time.Date(2026, 3, 31, 21, 30, 0, 0, time.UTC), false, 3},   // still 31 March in Paris
		{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), false, 11},  // now
		{time.Date(2027, 11, 30, 22, 59, 0, 0, time.UTC), false, 23}, // the last minute
		{time.Date(2027, 11, 30, 23, 0, 0, 0, time.UTC), false, -1},  // 1 December 2027 in Paris
		{time.Date(2024, 11, 22, 10, 0, 0, 0, time.UTC), true, -1},   // a year too early
		{time.Date(2026, 2, 15, 23, 30, 0, 0, time.UTC), true, 2},    // 16 February in Paris
	} {
		before := counts(tl)
		if tt.deliver {
			tl.Deliver(tt.at)
		} else {
			tl.Expire(tt.at)
		}
		after := counts(tl)
		changed := -1
		for i := range after {
			if after[i] != before[i] {
				changed = i
			}
		}
		if changed != tt.month {
			t.Errorf("%s counted in month %d, want %d", tt.at, changed, tt.month)
		}
	}
	past, future := tl.Totals()
	if past.Delivered != 3 || past.Expiring != 2 || future.Delivered != 0 || future.Expiring != 1 {
		t.Errorf("totals past %+v, future %+v", past, future)
	}
}

// counts is each month's deliveries and expirations, as one number.
func counts(tl *report.Timeline) []int {
	var c []int
	for _, m := range tl.Months {
		c = append(c, m.Delivered*1000+m.Expiring)
	}
	return c
}
