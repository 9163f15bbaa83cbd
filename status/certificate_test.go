package status_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the zone cases must not depend on the host's zoneinfo

	"skillpath/status"
)

// TestCertificationStatus follows SPEC §2's certificate status of one
// delivered certificate at now.
func TestCertificationStatus(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		delivered bool
		expiresAt *time.Time
		want      status.Certification
	}{
		// not_obtained: no certificate in that enrollment.
		{"not delivered", false, nil, status.CertificationNotObtained},
		{"not delivered, whatever the expiry says", false, new(now.Add(-day)), status.CertificationNotObtained},

		// No validity period: valid for ever.
		{"no expiry", true, nil, status.CertificationValid},

		// expired: expiration moment ≤ now.
		{"expires exactly now", true, new(now), status.CertificationExpired},
		{"expired a nanosecond ago", true, new(now.Add(-time.Nanosecond)), status.CertificationExpired},
		{"expired a year ago", true, new(now.AddDate(-1, 0, 0)), status.CertificationExpired},

		// expiring_soon: expires within the next 30 days, both ends included.
		{"expires in a nanosecond", true, new(now.Add(time.Nanosecond)), status.CertificationExpiringSoon},
		{"expires in 1 day", true, new(now.Add(day)), status.CertificationExpiringSoon},
		{"expires in exactly 30 days", true, new(now.Add(30 * day)), status.CertificationExpiringSoon},

		// valid: not expiring within 30 days.
		{"expires in 30 days and a nanosecond", true, new(now.Add(30*day + time.Nanosecond)), status.CertificationValid},
		{"expires in 31 days", true, new(now.Add(31 * day)), status.CertificationValid},
		{"expires in a year", true, new(now.AddDate(1, 0, 0)), status.CertificationValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.CertificationStatus(tt.delivered, tt.expiresAt, now); got != tt.want {
				t.Errorf("CertificationStatus(%v, %v, now) = %q, want %q", tt.delivered, tt.expiresAt, got, tt.want)
			}
		})
	}
}

// TestCertificationWithoutExpiryStaysValid checks that a certificate without
// validity period is still valid ten years after its delivery (SPEC §2).
func TestCertificationWithoutExpiryStaysValid(t *testing.T) {
	for _, at := range []time.Time{now, now.AddDate(10, 0, 0)} {
		if got := status.CertificationStatus(true, nil, at); got != status.CertificationValid {
			t.Errorf("CertificationStatus(true, nil, %v) = %q, want valid", at, got)
		}
	}
}

// TestExpiration follows SPEC §2: expiration = delivery + validity months in
// the platform's zone, same wall-clock time, clamped to the last day of the
// month; none without a validity period.
func TestExpiration(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	newYork := mustZone(t, "America/New_York")
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		delivered time.Time
		months    *int
		zone      *time.Location
		want      *time.Time
	}{
		// No validity period: the certificate never expires.
		{"no validity period", utc(2026, 1, 31, 10, 0), nil, time.UTC, nil},

		// Same day of the month when it exists.
		{"15 Jan + 1 month", utc(2026, 1, 15, 10, 0), new(1), time.UTC, new(utc(2026, 2, 15, 10, 0))},
		{"30 Apr + 1 month = 30 May", utc(2026, 4, 30, 10, 0), new(1), time.UTC, new(utc(2026, 5, 30, 10, 0))},
		{"15 Jan + 12 months", utc(2026, 1, 15, 10, 0), new(12), time.UTC, new(utc(2027, 1, 15, 10, 0))},
		{"17 May + 24 months", utc(2026, 5, 17, 10, 0), new(24), time.UTC, new(utc(2028, 5, 17, 10, 0))},
		{"wall-clock time kept to the nanosecond", time.Date(2026, 1, 31, 15, 4, 5, 123456789, time.UTC), new(1), time.UTC,
			new(time.Date(2026, 2, 28, 15, 4, 5, 123456789, time.UTC))},

		// Clamped to the last day of the month.
		{"31 Jan 2026 + 1 month = 28 Feb", utc(2026, 1, 31, 10, 0), new(1), time.UTC, new(utc(2026, 2, 28, 10, 0))},
		{"31 Jan 2028 + 1 month = 29 Feb (leap year)", utc(2028, 1, 31, 10, 0), new(1), time.UTC, new(utc(2028, 2, 29, 10, 0))},
		{"31 Jan 2026 + 13 months = 28 Feb 2027", utc(2026, 1, 31, 10, 0), new(13), time.UTC, new(utc(2027, 2, 28, 10, 0))},
		{"31 Mar + 1 month = 30 Apr", utc(2026, 3, 31, 10, 0), new(1), time.UTC, new(utc(2026, 4, 30, 10, 0))},
		{"31 Dec 2026 + 2 months = 28 Feb 2027", utc(2026, 12, 31, 10, 0), new(2), time.UTC, new(utc(2027, 2, 28, 10, 0))},
		{"31 Dec 2027 + 2 months = 29 Feb 2028 (leap year)", utc(2027, 12, 31, 10, 0), new(2), time.UTC, new(utc(2028, 2, 29, 10, 0))},
		{"29 Feb 2028 + 12 months = 28 Feb 2029", utc(2028, 2, 29, 10, 0), new(12), time.UTC, new(utc(2029, 2, 28, 10, 0))},

		// The months are counted in the platform's zone, keeping its wall-clock time.
		{"Paris: 31 Jan 23:30Z is 1 Feb 00:30 local, so 1 Mar 00:30 local",
			utc(2026, 1, 31, 23, 30), new(1), paris, new(utc(2026, 2, 28, 23, 30))},
		{"Paris: 28 Feb 23:30Z is 1 Mar 00:30 local, so 1 Apr 00:30 CEST (not 28 Mar as in UTC)",
			utc(2026, 2, 28, 23, 30), new(1), paris, new(utc(2026, 3, 31, 22, 30))},
		{"Paris: 30 Mar 22:30Z is 31 Mar 00:30 local, clamped to 30 Apr 00:30 local",
			utc(2026, 3, 30, 22, 30), new(1), paris, new(utc(2026, 4, 29, 22, 30))},
		{"Paris, across the spring change: 15 Mar 10:00 CET + 1 month = 15 Apr 10:00 CEST",
			utc(2026, 3, 15, 9, 0), new(1), paris, new(utc(2026, 4, 15, 8, 0))},
		{"Paris, across the autumn change: 15 Oct 10:00 CEST + 1 month = 15 Nov 10:00 CET",
			utc(2026, 10, 15, 8, 0), new(1), paris, new(utc(2026, 11, 15, 9, 0))},
		{"New York: 1 Mar 02:00Z is 28 Feb 21:00 EST, so 28 Mar 21:00 EDT (not 1 Apr as in UTC)",
			utc(2026, 3, 1, 2, 0), new(1), newYork, new(utc(2026, 3, 29, 1, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := status.Expiration(tt.delivered, tt.months, tt.zone)
			switch {
			case got == nil && tt.want == nil:
			case got == nil || tt.want == nil || !got.Equal(*tt.want):
				t.Errorf("Expiration(%v, %v, %v) = %v, want %v", tt.delivered, showMonths(tt.months), tt.zone, got, tt.want)
			case got.Location() != time.UTC:
				t.Errorf("Expiration(%v, %v, %v) is in %v, want UTC (SPEC §2: dates are stored in UTC)",
					tt.delivered, showMonths(tt.months), tt.zone, got.Location())
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func showMonths(m *int) any {
	if m == nil {
		return "no validity period"
	}
	return *m
}
