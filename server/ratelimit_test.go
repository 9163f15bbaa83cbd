package server

import (
	"net/http"
	"testing"
	"time"
)

// The token bucket of each address: a burst, then one request per Every,
// counted in real time; addresses apart, an IPv6 /64 as one.
func TestAddressLimiter(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	l := newAddressLimiter(RateLimit{Burst: 2, Every: 10 * time.Second})
	l.now = func() time.Time { return now }
	steps := []struct {
		at   time.Duration
		addr string
		ok   bool
		wait time.Duration
	}{
		{0, "192.0.2.1", true, 0},
		{0, "192.0.2.1", true, 0},
		{0, "192.0.2.1", false, 10 * time.Second},
		{0, "192.0.2.2", true, 0},
		{5 * time.Second, "192.0.2.1", false, 5 * time.Second},
		{10 * time.Second, "192.0.2.1", true, 0},
		{10 * time.Second, "192.0.2.1", false, 10 * time.Second},
		{time.Hour, "192.0.2.1", true, 0}, // refilled to the burst, not beyond
		{time.Hour, "192.0.2.1", true, 0},
		{time.Hour, "192.0.2.1", false, 10 * time.Second},
	}
	for i, s := range steps {
		now = start.Add(s.at)
		if ok, wait := l.allow(s.addr); ok != s.ok || wait != s.wait {
			t.Errorf("step %d (%s at +%s): allow = %v, wait %s; want %v, %s", i, s.addr, s.at, ok, wait, s.ok, s.wait)
		}
	}
}

func TestClientAddress(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5123":                     "192.0.2.7",
		"[::ffff:192.0.2.7]:80":              "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":         "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb:cccc:dddd:1]:80": "2001:db8:1:2::/64",
		"pipe":                               "pipe",
	} {
		if got := (&Server{}).clientAddress(&http.Request{RemoteAddr: remote}); got != want {
			t.Errorf("clientAddress(%q) = %q, want %q", remote, got, want)
		}
	}
}
