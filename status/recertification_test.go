package status_test

import (
	"testing"
	"time"

	"skillpath/status"
)

// TestExpires follows SPEC §9: the expiration of a delivered certificate
// from its rules and the learner's previous certificate.
func TestExpires(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	delivery := status.Rules{ValidityMonths: new(12), Base: status.BaseDelivery}
	previous := status.Rules{ValidityMonths: new(12), Base: status.BasePreviousExpiry}
	fixed := func(months, month, day int) status.Rules {
		return status.Rules{ValidityMonths: new(months), Base: status.BaseFixed, FixedMonth: month, FixedDay: day}
	}
	tests := []struct {
		name      string
		rules     status.Rules
		delivered time.Time
		previous  *time.Time
		zone      *time.Location
		want      *time.Time
	}{
		{"no validity: never expires", status.Rules{Base: status.BasePreviousExpiry}, utc(2026, 5, 1, 9, 0), new(utc(2026, 6, 1, 9, 0)), time.UTC, nil},
		{"empty base is delivery", status.Rules{ValidityMonths: new(1)}, utc(2026, 1, 31, 9, 0), nil, time.UTC, new(utc(2026, 2, 28, 9, 0))},

		// Renewing early: delivery loses the remaining time; previous_expiry keeps it;
		// fixed counts from delivery and lands on the next fixed day.
		{"early renewal, delivery base", delivery, utc(2026, 4, 1, 9, 0), new(utc(2026, 5, 1, 9, 0)), time.UTC, new(utc(2027, 4, 1, 9, 0))},
		{"early renewal, previous_expiry base", previous, utc(2026, 4, 1, 9, 0), new(utc(2026, 5, 1, 9, 0)), time.UTC, new(utc(2027, 5, 1, 9, 0))},
		{"early renewal, fixed 31 March", fixed(12, 3, 31), utc(2026, 2, 1, 9, 0), new(utc(2026, 3, 31, 0, 0)), time.UTC, new(utc(2027, 3, 31, 0, 0))},

		// Renewing late: every base counts from the delivery.
		{"late renewal, delivery base", delivery, utc(2026, 6, 1, 9, 0), new(utc(2026, 5, 1, 9, 0)), time.UTC, new(utc(2027, 6, 1, 9, 0))},
		{"late renewal, previous_expiry base", previous, utc(2026, 6, 1, 9, 0), new(utc(2026, 5, 1, 9, 0)), time.UTC, new(utc(2027, 6, 1, 9, 0))},
		{"renewal at the expiry moment counts from delivery", previous, utc(2026, 5, 1, 9, 0), new(utc(2026, 5, 1, 9, 0)), time.UTC, new(utc(2027, 5, 1, 9, 0))},
		{"first certificate, previous_expiry base", previous, utc(2026, 6, 1, 9, 0), nil, time.UTC, new(utc(2027, 6, 1, 9, 0))},
		{"late renewal, fixed 31 March: at least the validity", fixed(12, 3, 31), utc(2026, 4, 15, 9, 0), new(utc(2026, 3, 31, 0, 0)), time.UTC, new(utc(2028, 3, 31, 0, 0))},

		// previous_expiry keeps the month-end clamping of SPEC §2.
		{"previous expiry on 31 January + 1 month", status.Rules{ValidityMonths: new(1), Base: status.BasePreviousExpiry},
			utc(2026, 1, 20, 9, 0), new(utc(2026, 1, 31, 9, 0)), time.UTC, new(utc(2026, 2, 28, 9, 0))},
		{"previous expiry on 29 February + 12 months", previous, utc(2028, 2, 1, 9, 0), new(utc(2028, 2, 29, 9, 0)), time.UTC, new(utc(2029, 2, 28, 9, 0))},

		// Fixed dates around 29 February and month ends.
		{"fixed 29 February in a leap year", fixed(12, 2, 29), utc(2027, 1, 10, 9, 0), nil, time.UTC, new(utc(2028, 2, 29, 0, 0))},
		{"fixed 29 February in another year is the 28th", fixed(12, 2, 29), utc(2028, 1, 10, 9, 0), nil, time.UTC, new(utc(2029, 2, 28, 0, 0))},
		{"fixed 29 February, earliest date 1 March: next year", fixed(12, 2, 29), utc(2027, 3, 1, 9, 0), nil, time.UTC, new(utc(2029, 2, 28, 0, 0))},
		{"fixed day on the earliest date itself", fixed(12, 6, 30), utc(2026, 6, 30, 23, 0), nil, time.UTC, new(utc(2027, 6, 30, 0, 0))},
		{"fixed 31 January, one-month validity from 31 December", fixed(1, 1, 31), utc(2026, 12, 31, 9, 0), nil, time.UTC, new(utc(2027, 1, 31, 0, 0))},
		{"fixed 31 December across the year end", fixed(1, 12, 31), utc(2026, 12, 15, 9, 0), nil, time.UTC, new(utc(2027, 12, 31, 0, 0))},

		// DST in the platform's zone: fixed dates start at local midnight,
		// other bases keep the local wall-clock time.
		{"fixed 31 March in Paris (summer time, UTC+2)", fixed(12, 3, 31), utc(2026, 2, 1, 9, 0), nil, paris, new(utc(2027, 3, 30, 22, 0))},
		{"fixed 31 January in Paris (winter time, UTC+1)", fixed(12, 1, 31), utc(2026, 1, 1, 9, 0), nil, paris, new(utc(2027, 1, 30, 23, 0))},
		{"fixed date compared in Paris: 30 June 23:30 UTC is 1 July there", fixed(12, 6, 30), utc(2026, 6, 30, 23, 30), nil, paris, new(utc(2028, 6, 29, 22, 0))},
		{"previous expiry in winter, renewed in summer, Paris", status.Rules{ValidityMonths: new(6), Base: status.BasePreviousExpiry},
			utc(2026, 1, 10, 9, 0), new(utc(2026, 2, 15, 9, 0)), paris, new(utc(2026, 8, 15, 8, 0))},
		{"delivery across the autumn change, Paris", status.Rules{ValidityMonths: new(1)}, utc(2026, 10, 15, 8, 0), nil, paris, new(utc(2026, 11, 15, 9, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := status.Expires(tt.rules, tt.delivered, tt.previous, tt.zone)
			if (got == nil) != (tt.want == nil) || (got != nil && !got.Equal(*tt.want)) {
				t.Errorf("Expires = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReenrollLead: a certificate's own lead, else the server's default
// capped at half the validity's shortest length (issue 13, fault 4).
func TestReenrollLead(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name  string
		rules status.Rules
		want  time.Duration
	}{
		{"own lead", status.Rules{ValidityMonths: new(12), ReenrollDaysBefore: new(60)}, 60 * day},
		{"own lead of 0: at expiry", status.Rules{ValidityMonths: new(12), ReenrollDaysBefore: new(0)}, 0},
		{"default", status.Rules{ValidityMonths: new(12)}, 30 * day},
		{"default capped for one month", status.Rules{ValidityMonths: new(1)}, 14 * day},
		{"default for two months", status.Rules{ValidityMonths: new(2)}, 28 * day},
		{"no validity", status.Rules{}, 30 * day},
	}
	for _, tt := range tests {
		if got := status.ReenrollLead(tt.rules, 30*day); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
