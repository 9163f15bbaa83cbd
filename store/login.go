package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"skillpath"
	"skillpath/password"
)

// dummyHash is checked against when the email is unknown or has no
// password, so a sign-in costs the same whether or not the account exists.
var dummyHash, _ = password.Hash(context.Background(), "skillpath: no such account")

// errSignIn is the one answer to a wrong email or password, known or not.
func errSignIn() error {
	return skillpath.Errorf(skillpath.EUNAUTHORIZED, "the email or password is not correct")
}

// throttleKey names one login_throttle row: the SHA-256 of what it counts,
// so the emails people typed are not kept.
type throttleKey struct {
	key     string
	rule    skillpath.LoginThrottle
	account bool // an email at an address, rather than an address
}

func (s *Store) throttleKeys(emailKey, client string) []throttleKey {
	h := func(parts ...string) string {
		d := sha256.New()
		for _, p := range parts {
			d.Write([]byte(p))
			d.Write([]byte{0})
		}
		return hex.EncodeToString(d.Sum(nil))
	}
	// Always in this order, so that two attempts lock the rows in one
	// order and never wait for each other in a circle.
	return []throttleKey{
		{key: "a:" + h("address", client), rule: s.AddressThrottle},
		{key: "p:" + h("account", emailKey, client), rule: s.AccountThrottle, account: true},
	}
}

// Login checks an email and password, as LoginFrom with no client address.
func (s *Store) Login(ctx context.Context, email, pass string) (*skillpath.User, error) {
	return s.LoginFrom(ctx, email, pass, "")
}

// LoginFrom checks an email and password typed at the client address
// (an IP address, or a /64 prefix for IPv6; see server.clientAddress).
//
// The attempt is counted in the database before the password is checked, so
// the limits hold under any number of parallel attempts and across
// processes (skillpath.LoginThrottle): per email at this address, and per
// address whatever the email. A success clears its email's count at this
// address. Unknown emails, users without a password and wrong passwords are
// answered alike, in the same time and through the same counts.
//
// Returns EUNAUTHORIZED when the pair does not match a live user,
// ETOOMANYREQUESTS (with RetryAfter) while the email at this address or the
// address must wait, and EUNAVAILABLE (with RetryAfter) when too many
// passwords are being checked at once (password.ErrBusy).
func (s *Store) LoginFrom(ctx context.Context, email, pass, client string) (*skillpath.User, error) {
	emailKey := skillpath.NormalizeEmail(email)
	var id skillpath.ID
	var hash sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email_key = $1 AND deleted_at IS NULL`, emailKey).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !hash.Valid) {
		id, hash = 0, sql.NullString{String: dummyHash, Valid: true}
	} else if err != nil {
		return nil, err
	}
	ok, err := s.checkThrottled(ctx, emailKey, client, hash.String, pass)
	if err != nil {
		return nil, err
	}
	if !ok || id == 0 {
		return nil, errSignIn()
	}
	return s.FindUser(ctx, id)
}

// checkThrottled checks pass against hash as an attempt on emailKey from
// client: counted first, refused while throttled, settled after.
func (s *Store) checkThrottled(ctx context.Context, emailKey, client, hash, pass string) (bool, error) {
	keys := s.throttleKeys(emailKey, client)
	ctx = withoutAudit(ctx)
	s.sweepThrottle(ctx)
	if err := s.countAttempt(ctx, keys); err != nil {
		return false, err
	}
	ok, err := password.Check(ctx, hash, pass)
	if err == nil {
		s.passwordChecks.Add(1)
	} else {
		// Not an attempt after all: give it back.
		if uerr := s.settleAttempt(context.WithoutCancel(ctx), keys, false); uerr != nil {
			s.Log.Error("give back a sign-in attempt", "error", uerr)
		}
		if errors.Is(err, password.ErrBusy) {
			return false, &skillpath.Error{Code: skillpath.EUNAVAILABLE, RetryAfter: password.MaxWait,
				Message: "too many sign-ins at once; try again in a few seconds"}
		}
		return false, fmt.Errorf("check password: %w", err)
	}
	if ok {
		if err := s.settleAttempt(ctx, keys, true); err != nil {
			return false, err
		}
	}
	return ok, nil
}

// countAttempt counts one attempt on every key in one transaction, or
// refuses it with ETOOMANYREQUESTS, counting nothing, while any key must
// wait. Each key's row is locked by the upsert, so parallel attempts are
// counted one after the other.
func (s *Store) countAttempt(ctx context.Context, keys []throttleKey) error {
	now := s.Wall().UTC().Truncate(time.Millisecond)
	return s.write(ctx, func(tx *Tx) error {
		counts := make([]int, len(keys))
		var wait time.Duration
		for i, k := range keys {
			var failures int
			var last int64
			err := tx.QueryRowContext(ctx, `INSERT INTO login_throttle (key, failures, last_at) VALUES ($1, 0, $2)
				ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING failures, last_at`, k.key, millis(now)).Scan(&failures, &last)
			if err != nil {
				return fmt.Errorf("count sign-in attempt: %w", err)
			}
			counts[i] = k.rule.Failures(failures, fromMillis(last), now)
			wait = max(wait, k.rule.Wait(failures, fromMillis(last), now))
		}
		if wait > 0 {
			return tooMany(wait)
		}
		for i, k := range keys {
			if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = $1, last_at = $2 WHERE key = $3`,
				counts[i]+1, millis(now), k.key); err != nil {
				return err
			}
		}
		return nil
	})
}

func tooMany(wait time.Duration) error {
	wait = time.Duration(math.Ceil(wait.Seconds())) * time.Second
	when := fmt.Sprintf("%d seconds", int(wait.Seconds()))
	if wait > 90*time.Second {
		when = fmt.Sprintf("%d minutes", int(math.Ceil(wait.Minutes())))
	}
	return &skillpath.Error{Code: skillpath.ETOOMANYREQUESTS, RetryAfter: wait,
		Message: "too many failed sign-ins; try again in " + when}
}

// settleAttempt gives a counted attempt back: a success clears its email's
// count at the address and takes it off the address's count; an attempt
// that never checked a password (busy) is taken off both.
func (s *Store) settleAttempt(ctx context.Context, keys []throttleKey, success bool) error {
	return s.write(ctx, func(tx *Tx) error {
		for _, k := range keys {
			q := `UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0`
			if success && k.account {
				q = `DELETE FROM login_throttle WHERE key = $1`
			}
			if _, err := tx.ExecContext(ctx, q, k.key); err != nil {
				return err
			}
		}
		return nil
	})
}

// sweepThrottle removes the rows whose window has passed, at most once a
// minute per process; rows another attempt holds are left for next time.
func (s *Store) sweepThrottle(ctx context.Context) {
	now := s.Wall()
	last := s.throttleSwept.Load()
	if now.UnixMilli()-last < time.Minute.Milliseconds() || !s.throttleSwept.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	window := max(s.AccountThrottle.Window, s.AddressThrottle.Window)
	_, err := s.wdb.ExecContext(ctx, `DELETE FROM login_throttle WHERE key IN (SELECT key FROM login_throttle WHERE last_at <= $1`+
		s.dialect.skipLocked()+`)`, millis(now.Add(-window)))
	if err != nil && ctx.Err() == nil {
		s.Log.Error("sweep sign-in throttle", "error", err)
	}
}

// PasswordChecks is how many passwords this store has checked with argon2id
// since it was opened (sign-ins and current-password checks): a sign-in
// refused by the throttle checks none.
func (s *Store) PasswordChecks() int64 { return s.passwordChecks.Load() }

// passwordCounters are the store's counters of password work.
type passwordCounters struct {
	// AccountThrottle and AddressThrottle are the sign-in throttles of an
	// email at one client address and of one address
	// (skillpath.AccountAddressThrottle and skillpath.AddressThrottle
	// unless changed before use).
	AccountThrottle, AddressThrottle skillpath.LoginThrottle

	passwordChecks atomic.Int64
	throttleSwept  atomic.Int64 // UnixMilli of the last sweep
}
