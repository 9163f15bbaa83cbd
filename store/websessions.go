package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"skillpath"
)

// Web sessions keep a person signed in to the pages (issue 7). Their times
// use the real clock (Wall), like the login lockout: a frozen business clock
// must neither keep a session alive forever nor end it at once.
const (
	// WebSessionIdle ends a session nobody used for this long; each use
	// pushes the end further (sliding expiry), so a working day is one login.
	WebSessionIdle = 12 * time.Hour
	// WebSessionMax ends every session this long after the login, used or not.
	WebSessionMax = 7 * 24 * time.Hour
	// webSessionSlide is how stale the stored end may get before a use
	// writes a new one, so that not every page view is a write.
	webSessionSlide = 5 * time.Minute
)

// webSessionPrefix marks session cookies in logs and secret scanners.
const webSessionPrefix = "sws_"

// WebSession is a signed-in browser: its user, the token its forms carry
// against cross-site request forgery, and when the cookie ends.
type WebSession struct {
	User       *skillpath.User
	CSRF       string
	ExpiresAt  time.Time // the sliding end
	AbsoluteAt time.Time // WebSessionMax after the login
}

// CreateWebSession signs a live user in. The token (the cookie's value) is
// returned once; like API tokens, only its hash is stored. The user's
// expired sessions are removed on the way. Returns ENOTFOUND for an unknown
// or deleted user.
func (s *Store) CreateWebSession(ctx context.Context, userID skillpath.ID) (string, *WebSession, error) {
	token, hash, err := newSecret(webSessionPrefix)
	if err != nil {
		return "", nil, err
	}
	csrf, _, err := newSecret("")
	if err != nil {
		return "", nil, err
	}
	now := s.Wall().UTC().Truncate(time.Millisecond)
	ws := &WebSession{CSRF: csrf, ExpiresAt: now.Add(WebSessionIdle), AbsoluteAt: now.Add(WebSessionMax)}
	err = s.write(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}, liveUser); err != nil {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", userID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND expires_at <= $2`, userID, millis(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hash, userID, csrf, millis(now), millis(ws.ExpiresAt))
		return err
	})
	if err != nil {
		return "", nil, err
	}
	ws.User, err = s.FindUser(ctx, userID)
	return token, ws, err
}

// WebSession returns the live session a cookie names and slides its end
// (when the writer is free: Store.writeIfFree; the end is slid well before
// it comes, so a later request slides it otherwise).
// Returns EUNAUTHORIZED for an unknown, expired or revoked session (deleting
// a user deletes their sessions) and for a deleted user.
func (s *Store) WebSession(ctx context.Context, token string) (*WebSession, error) {
	hash := hashSecret(token)
	now := s.Wall().UTC().Truncate(time.Millisecond)
	var userID skillpath.ID
	var csrf string
	var created, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT w.user_id, w.csrf_token, w.created_at, w.expires_at FROM web_sessions w
		JOIN users u ON u.id = w.user_id WHERE w.token_hash = $1 AND u.deleted_at IS NULL`, hash).Scan(&userID, &csrf, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "the session is not valid: sign in again")
	} else if err != nil {
		return nil, err
	}
	ws := &WebSession{CSRF: csrf, ExpiresAt: fromMillis(expires), AbsoluteAt: fromMillis(created).Add(WebSessionMax)}
	if !ws.ExpiresAt.After(now) || !ws.AbsoluteAt.After(now) {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "the session has expired: sign in again")
	}
	slid := now.Add(WebSessionIdle)
	if slid.After(ws.AbsoluteAt) {
		slid = ws.AbsoluteAt
	}
	if slid.Sub(ws.ExpiresAt) > webSessionSlide {
		slide, err := s.writeIfFree(ctx, func(ctx context.Context, tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE web_sessions SET expires_at = $1 WHERE token_hash = $2`, millis(slid), hash)
			return err
		})
		if err != nil {
			return nil, err
		}
		if slide {
			ws.ExpiresAt = slid
		}
	}
	if ws.User, err = s.FindUser(ctx, userID); err != nil {
		return nil, err
	}
	return ws, nil
}

// DeleteWebSession signs a browser out. An unknown token is not an error:
// signing out twice leaves the same state.
func (s *Store) DeleteWebSession(ctx context.Context, token string) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = $1`, hashSecret(token))
		return err
	})
}
