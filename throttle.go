package skillpath

import "time"

// LoginThrottle is the back-off of one throttled key — an email at a client
// address, or a client address — after failed sign-ins (OWASP
// Authentication Cheat Sheet, "Login Throttling"): Free failures are
// allowed, then each further attempt waits Backoff, doubled with every
// failure, at most Window; Window after the last attempt the count starts
// again from zero.
type LoginThrottle struct {
	Free    int
	Backoff time.Duration
	Window  time.Duration
}

// Login throttles of an email at one address, and of one address.
var (
	AccountAddressThrottle = LoginThrottle{Free: LoginMaxFailures, Backoff: LoginBackoff, Window: LoginFailureWindow}
	AddressThrottle        = LoginThrottle{Free: LoginAddressMaxFailures, Backoff: LoginBackoff, Window: LoginFailureWindow}
)

// Failures is how many failures still count at now, after failures were
// counted, the last at last: none once Window has passed since.
func (t LoginThrottle) Failures(failures int, last, now time.Time) int {
	if now.Sub(last) >= t.Window {
		return 0
	}
	return failures
}

// Wait is how long the next attempt must wait at now (0: it may go ahead).
func (t LoginThrottle) Wait(failures int, last, now time.Time) time.Duration {
	n := t.Failures(failures, last, now)
	if n < t.Free {
		return 0
	}
	d := t.Window
	if shift := n - t.Free; shift < 30 {
		d = min(t.Backoff<<shift, t.Window)
	}
	return max(last.Add(d).Sub(now), 0)
}
