package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"skillpath"
	"skillpath/password"
)

// tokenPrefix marks skillpath tokens so they are recognisable in logs and
// secret scanners.
const tokenPrefix = "spt_"

// newSecret returns a fresh 256-bit random secret as text, and its hash,
// which is all the database keeps.
func newSecret(prefix string) (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken mints an API token for a live user. The token is returned
// once; only its hash is stored. Returns ENOTFOUND for an unknown or
// deleted user.
func (s *Store) CreateToken(ctx context.Context, userID, createdBy skillpath.ID) (string, error) {
	token, hash, err := newSecret(tokenPrefix)
	if err != nil {
		return "", err
	}
	err = s.write(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}, liveUser); err != nil {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", userID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, created_at, created_by) VALUES ($1, $2, $3, $4)`,
			userID, hash, millis(tx.now), createdBy)
		return err
	})
	return token, err
}

// qUserByToken runs on every API request: prepared once (prepared.go).
var qUserByToken = prepare(`SELECT u.id, u.email, u.name, u.registered_at, u.deleted_at, u.platform_admin
	FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.deleted_at IS NULL`)

// UserByToken returns the live user an API token belongs to. Returns
// EUNAUTHORIZED for an unknown token.
func (s *Store) UserByToken(ctx context.Context, token string) (*skillpath.User, error) {
	u, err := scanUser(s.stmt(qUserByToken).QueryRowContext(ctx, hashSecret(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "the token is not valid")
	}
	return u, err
}

// dummyHash is checked against when the email is unknown, so a login takes
// as long whether or not the account exists.
var dummyHash, _ = password.Hash("skillpath: no such account")

// Login checks an email and password. Returns EUNAUTHORIZED when they do not
// match a live user, and ETOOMANYREQUESTS while the account has
// LoginMaxFailures failures within LoginFailureWindow (real time, so the
// window passes even under a frozen business clock).
func (s *Store) Login(ctx context.Context, email, pass string) (*skillpath.User, error) {
	refused := skillpath.Errorf(skillpath.EUNAUTHORIZED, "the email or password is not correct")
	var id skillpath.ID
	var hash sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email_key = $1 AND deleted_at IS NULL`,
		skillpath.NormalizeEmail(email)).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !hash.Valid) {
		_, _ = password.Check(dummyHash, pass)
		return nil, refused
	} else if err != nil {
		return nil, err
	}
	now := s.Wall()
	since := millis(now.Add(-skillpath.LoginFailureWindow))
	var failures int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE user_id = $1 AND failed_at > $2`, id, since).Scan(&failures); err != nil {
		return nil, err
	}
	if failures >= skillpath.LoginMaxFailures {
		return nil, skillpath.Errorf(skillpath.ETOOMANYREQUESTS, "too many failed logins for this account; try again in %d minutes", int(skillpath.LoginFailureWindow.Minutes()))
	}
	ok, err := password.Check(hash.String, pass)
	if err != nil {
		return nil, fmt.Errorf("check password of user %s: %w", id, err)
	}
	err = s.write(ctx, func(tx *Tx) error {
		if ok {
			_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE user_id = $1`, id)
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE user_id = $1 AND failed_at <= $2`, id, since)
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO login_failures (user_id, failed_at) VALUES ($1, $2)`, id, millis(now))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, refused
	}
	return s.FindUser(ctx, id)
}
