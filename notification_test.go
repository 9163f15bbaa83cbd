package skillpath_test

import (
	"fmt"
	"testing"
	"time"

	"skillpath"
)

func TestDueReminder(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	delivered, expires := day("2026-01-10 10:00"), day("2026-03-10 10:00")
	cases := []struct {
		now, delivered string
		days           []int
		want           string // "left@due" or "none"
	}{
		{"2026-02-07 23:59", "", []int{30, 7}, "none"},
		{"2026-02-08 00:00", "", []int{30, 7}, "30@2026-02-08"},
		{"2026-02-20 12:00", "", []int{30, 7}, "18@2026-02-08"}, // still the 30-day one: its key, sent once
		{"2026-03-03 08:00", "", []int{30, 7}, "7@2026-03-03"},
		{"2026-03-05 08:00", "", []int{30, 7}, "5@2026-03-03"}, // down on the 7-day date: late, telling 5 days
		{"2026-03-10 00:01", "", []int{30, 7}, "0@2026-03-10"}, // the day of expiry, before the hour
		{"2026-03-17 23:00", "", []int{30, 7}, "0@2026-03-10"},
		{"2026-03-18 00:00", "", []int{30, 7}, "none"}, // beyond the grace
		{"2026-02-20 12:00", "", []int{}, "none"},
		{"2026-02-20 12:00", "2026-02-15 09:00", []int{30, 7}, "none"}, // the 30-day date came before the delivery
		{"2026-01-05 12:00", "", []int{90, 60}, "none"},
	}
	for _, tc := range cases {
		d := delivered
		if tc.delivered != "" {
			d = day(tc.delivered)
		}
		left, due, ok := skillpath.DueReminder(d, expires, day(tc.now), tc.days, paris)
		got := "none"
		if ok {
			got = fmt.Sprintf("%d@%s", left, due.Format(time.DateOnly))
		}
		if got != tc.want {
			t.Errorf("at %s, days %v: %s, want %s", tc.now, tc.days, got, tc.want)
		}
	}
}

func TestDigestSlot(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tc := range []struct{ now, want string }{
		{"2026-03-02T07:00:00Z", "2026-03-02 08:00"}, // Monday 08:00 in Paris
		{"2026-03-02T06:59:00Z", "2026-02-23 08:00"},
		{"2026-03-08T22:00:00Z", "2026-03-02 08:00"}, // Sunday 23:00 in Paris
		{"2026-03-30T06:00:00Z", "2026-03-30 08:00"}, // after the change to summer time: 08:00 CEST
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := skillpath.DigestSlot(now, paris).Format("2006-01-02 15:04"); got != tc.want {
			t.Errorf("DigestSlot(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}
