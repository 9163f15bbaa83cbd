package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"skillpath"
	"skillpath/internal/testdb"
	"skillpath/store"
)

// wantRefusal checks an error's code and its Retry-After.
func wantRefusal(t *testing.T, err error, code string, retry time.Duration) {
	t.Helper()
	wantCode(t, err, code)
	var e *skillpath.Error
	if errors.As(err, &e) && e.RetryAfter != retry {
		t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, retry)
	}
}

// TestLoginThrottle: failures are counted per email at one address, with a
// back-off rather than a lock; another address is not affected; unknown
// emails are answered exactly like known ones; the address has its own,
// larger limit across emails; the real (Wall) clock counts, not the
// business clock.
func TestLoginThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		st := open(t, dialect)
		wall := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
		st.Wall = func() time.Time { return wall }
		st.AccountThrottle = skillpath.LoginThrottle{Free: 3, Backoff: time.Minute, Window: 15 * time.Minute}
		if err := st.CreateUser(ctx, &skillpath.User{Email: "a@example.com", Name: "A"}, "a-password"); err != nil {
			t.Fatal(err)
		}
		login := func(email, pass, addr string) error {
			_, err := st.LoginFrom(ctx, email, pass, addr)
			return err
		}
		for _, email := range []string{"a@example.com", "nobody@example.com"} {
			for range 3 {
				wantCode(t, login(email, "wrong-password", "10.0.0.1"), skillpath.EUNAUTHORIZED)
			}
			// Known or not, the same refusal, even with the right password.
			err := login(email, "a-password", "10.0.0.1")
			wantRefusal(t, err, skillpath.ETOOMANYREQUESTS, time.Minute)
			if msg := skillpath.ErrorMessage(err); msg != "too many failed sign-ins; try again in 60 seconds" {
				t.Errorf("%s: message %q", email, msg)
			}
		}
		checks := st.PasswordChecks()
		wantCode(t, login("a@example.com", "a-password", "10.0.0.1"), skillpath.ETOOMANYREQUESTS)
		if got := st.PasswordChecks(); got != checks {
			t.Errorf("a throttled attempt checked %d passwords", got-checks)
		}
		// The owner signs in from an address that has not failed.
		wantCode(t, login("a@example.com", "a-password", "10.0.0.2"), "")

		// Back-off: a minute later one attempt; failing doubles the wait.
		wall = wall.Add(time.Minute)
		wantCode(t, login("a@example.com", "wrong-password", "10.0.0.1"), skillpath.EUNAUTHORIZED)
		wantRefusal(t, login("a@example.com", "a-password", "10.0.0.1"), skillpath.ETOOMANYREQUESTS, 2*time.Minute)
		wall = wall.Add(2 * time.Minute)
		wantCode(t, login("a@example.com", "a-password", "10.0.0.1"), "") // clears the count
		for range 3 {
			wantCode(t, login("a@example.com", "wrong-password", "10.0.0.1"), skillpath.EUNAUTHORIZED)
		}
		// The window passing starts the count again; the business clock
		// plays no part.
		st.Now = skillpath.FixedClock(now.Add(24 * time.Hour))
		wantCode(t, login("a@example.com", "a-password", "10.0.0.1"), skillpath.ETOOMANYREQUESTS)
		wall = wall.Add(15 * time.Minute)
		wantCode(t, login("a@example.com", "wrong-password", "10.0.0.1"), skillpath.EUNAUTHORIZED)
		wantCode(t, login("a@example.com", "a-password", "10.0.0.1"), "")

		// The address across emails: 8 failures, then it waits, for every
		// email, known or not; another address does not.
		st.AddressThrottle = skillpath.LoginThrottle{Free: 8, Backoff: time.Minute, Window: 15 * time.Minute}
		for i := range 7 {
			wantCode(t, login(fmt.Sprintf("guess%d@example.com", i), "wrong-password", "10.0.0.3"), skillpath.EUNAUTHORIZED)
		}
		wantCode(t, login("a@example.com", "wrong-password", "10.0.0.3"), skillpath.EUNAUTHORIZED)
		wantRefusal(t, login("other@example.com", "wrong-password", "10.0.0.3"), skillpath.ETOOMANYREQUESTS, time.Minute)
		wantRefusal(t, login("a@example.com", "a-password", "10.0.0.3"), skillpath.ETOOMANYREQUESTS, time.Minute)
		wantCode(t, login("a@example.com", "a-password", "10.0.0.4"), "")
	})
}

// TestLoginParallel: attempts are counted before the password is checked,
// so 60 parallel wrong passwords for one account check at most the limit's
// number of passwords — also from two processes sharing one database.
func TestLoginParallel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		url := testdb.URL(t, dialect)
		stores := []*store.Store{testdb.OpenURL(t, url, now), testdb.OpenURL(t, url, now)}
		if err := stores[0].CreateUser(ctx, &skillpath.User{Email: "a@example.com", Name: "A"}, "a-password"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		codes := make(chan string, 60)
		for i := range 60 {
			wg.Go(func() {
				_, err := stores[i%2].LoginFrom(ctx, "a@example.com", "wrong-password", "192.0.2.1")
				codes <- skillpath.ErrorCode(err)
			})
		}
		wg.Wait()
		close(codes)
		count := map[string]int{}
		for c := range codes {
			count[c]++
		}
		checks := stores[0].PasswordChecks() + stores[1].PasswordChecks()
		if checks > skillpath.LoginMaxFailures || checks == 0 {
			t.Errorf("60 parallel attempts checked %d passwords, want 1 to %d", checks, skillpath.LoginMaxFailures)
		}
		if count[skillpath.EUNAUTHORIZED] != int(checks) || count[skillpath.EUNAUTHORIZED]+count[skillpath.ETOOMANYREQUESTS]+count[skillpath.EUNAVAILABLE] != 60 {
			t.Errorf("answers %v for %d password checks", count, checks)
		}
	})
}
