package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"skillpath"
)

// tokenPrefix marks skillpath tokens so they are recognisable in logs and
// secret scanners.
const tokenPrefix = "spt_"

// tokenUseEvery is how stale a token's last_used_at may get before a use
// writes it again, so that not every API call is a write.
const tokenUseEvery = time.Minute

// MaxTokenLifetime is the furthest a token's expiry may be set.
const MaxTokenLifetime = 10 * 366 * 24 * time.Hour

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

// Token is an API token as listed: never its secret, which only its
// creator saw once. Times are of the real clock (Wall): expiry and use are
// about security, which a frozen business clock must not suspend.
type Token struct {
	ID         skillpath.ID  `json:"id"`
	UserID     skillpath.ID  `json:"user_id"`
	CreatedAt  time.Time     `json:"created_at"`
	CreatedBy  *skillpath.ID `json:"created_by"`
	ExpiresAt  *time.Time    `json:"expires_at"`
	LastUsedAt *time.Time    `json:"last_used_at"`
}

// CreateToken mints an API token for a live user that never expires. The
// token is returned once; only its hash is stored. Returns ENOTFOUND for an
// unknown or deleted user.
func (s *Store) CreateToken(ctx context.Context, userID, createdBy skillpath.ID) (string, error) {
	secret, _, err := s.MintToken(ctx, userID, createdBy, nil)
	return secret, err
}

// MintToken mints an API token for a live user, ending at expiresAt (real
// time) unless it is nil, and returns its secret (shown once) and the token
// as listed. Returns EINVALID "expires_at" for an expiry not in the future
// or further than MaxTokenLifetime, and ENOTFOUND for an unknown or deleted
// user.
func (s *Store) MintToken(ctx context.Context, userID, createdBy skillpath.ID, expiresAt *time.Time) (string, *Token, error) {
	now := s.Wall().UTC().Truncate(time.Millisecond)
	tok := &Token{UserID: userID, CreatedAt: now, CreatedBy: &createdBy}
	if expiresAt != nil {
		e := expiresAt.UTC().Truncate(time.Millisecond)
		if !e.After(now) {
			return "", nil, skillpath.Invalid("expires_at", "must be in the future")
		}
		if e.Sub(now) > MaxTokenLifetime {
			return "", nil, skillpath.Invalid("expires_at", "must be at most 10 years ahead")
		}
		tok.ExpiresAt = &e
	}
	secret, hash, err := newSecret(tokenPrefix)
	if err != nil {
		return "", nil, err
	}
	err = s.write(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}, liveUser); err != nil {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", userID)
		}
		id, err := tx.insert(ctx, `INSERT INTO api_tokens (user_id, token_hash, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			userID, hash, millis(now), createdBy, nullMillis(tok.ExpiresAt))
		tok.ID = skillpath.ID(id)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// qUserByToken runs on every API request: prepared once (prepared.go).
var qUserByToken = prepare(`SELECT u.id, u.email, u.name, u.registered_at, u.deleted_at, u.platform_admin, t.id, t.expires_at, t.last_used_at
	FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.deleted_at IS NULL`)

// UserByToken returns the live user an API token belongs to, and records
// the token's use (at most every tokenUseEvery, and only when the writer is
// free (Store.writeIfFree)). Returns EUNAUTHORIZED for an unknown, revoked
// or expired token.
func (s *Store) UserByToken(ctx context.Context, token string) (*skillpath.User, error) {
	var tokenID skillpath.ID
	var expires, used sql.NullInt64
	row := s.stmt(qUserByToken).QueryRowContext(ctx, hashSecret(token))
	u, err := scanUser(scanner(func(dest ...any) error {
		return row.Scan(append(dest, &tokenID, &expires, &used)...)
	}))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "the token is not valid")
	} else if err != nil {
		return nil, err
	}
	now := s.Wall()
	if expires.Valid && !fromMillis(expires.Int64).After(now) {
		return nil, skillpath.Errorf(skillpath.EUNAUTHORIZED, "the token has expired")
	}
	if !used.Valid || now.Sub(fromMillis(used.Int64)) >= tokenUseEvery {
		_, err := s.writeIfFree(ctx, func(ctx context.Context, tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, millis(now), tokenID)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return u, nil
}

// scanner adapts a function to scanUser's row.
type scanner func(dest ...any) error

func (f scanner) Scan(dest ...any) error { return f(dest...) }

// Tokens lists a user's API tokens, newest first, expired ones included
// until they are revoked. Returns ENOTFOUND for an unknown user.
func (s *Store) Tokens(ctx context.Context, userID skillpath.ID) ([]*Token, error) {
	tokens := []*Token{}
	err := s.read(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{userID}); err != nil {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", userID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, created_at, created_by, expires_at, last_used_at FROM api_tokens
			WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t := &Token{UserID: userID}
			var created int64
			var by, expires, used sql.NullInt64
			if err := rows.Scan(&t.ID, &created, &by, &expires, &used); err != nil {
				return err
			}
			t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromMillis(created), timePtr(expires), timePtr(used)
			if by.Valid {
				id := skillpath.ID(by.Int64)
				t.CreatedBy = &id
			}
			tokens = append(tokens, t)
		}
		return rows.Err()
	})
	return tokens, err
}

// RevokeToken revokes one of a user's API tokens: it stops working at once.
// The row is kept, marked revoked, so its id is never given to another
// token. Returns ENOTFOUND when the user has no such live token.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
			tokenID, userID, millis(tx.now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "token %s of user %s not found", tokenID, userID)
		}
		return nil
	})
}

// TokenID returns the id of the API token whose secret is given (0 when
// there is none), so that a user changing their password keeps the token
// they did it with.
func (s *Store) TokenID(ctx context.Context, token string) (skillpath.ID, error) {
	var id skillpath.ID
	err := s.db.QueryRowContext(ctx, `SELECT id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, hashSecret(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
