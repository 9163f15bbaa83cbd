package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"skillpath"
	"skillpath/password"
)

// UserUpdate lists the changes to a user; nil fields stay as they are.
type UserUpdate struct {
	Name          *string
	CustomFields  *map[string]string
	GroupIDs      *[]skillpath.ID
	PlatformAdmin *bool
	Password      *string

	// A new Password ends the user's web sessions and API tokens, except
	// KeepTokenID, the token the user changed it with (0: none kept).
	KeepTokenID skillpath.ID
	// CurrentPassword is required with a new Password when the user changes
	// their own (RequireCurrent). It is checked like a sign-in from Client,
	// through the same throttle.
	RequireCurrent  bool
	CurrentPassword *string
	Client          string
}

// hashPassword hashes a new password, answering EUNAVAILABLE when too many
// passwords are being hashed at once.
func hashPassword(ctx context.Context, pass string) (string, error) {
	h, err := password.Hash(ctx, pass)
	if errors.Is(err, password.ErrBusy) {
		return "", &skillpath.Error{Code: skillpath.EUNAVAILABLE, RetryAfter: password.MaxWait,
			Message: "too many passwords are being checked at once; try again in a few seconds"}
	}
	return h, err
}

// UserFilter narrows and pages a list of users.
type UserFilter struct {
	Status skillpath.UserStatus // "" for all
	Query  string               // part of the name or email, any case
	After  skillpath.ID         // page after this id
	Limit  int
}

// CreateUser stores a new user, with a password when it is not empty.
// Returns EINVALID for bad input and ECONFLICT if the email is taken,
// ignoring case.
func (s *Store) CreateUser(ctx context.Context, u *skillpath.User, pass string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	var hash any
	if pass != "" {
		if err := skillpath.ValidatePassword("password", pass); err != nil {
			return err
		}
		h, err := hashPassword(ctx, pass)
		if err != nil {
			return err
		}
		hash = h
	}
	return s.write(ctx, func(tx *Tx) error {
		return tx.createUser(ctx, u, hash)
	})
}

// CreateFirstAdmin creates u, a platform admin, only if the database has no
// user yet, and tells whether it did. Several processes starting at once on
// an empty database create one admin: the check and the insert are one
// transaction, serialised by SQLite's one writer and on PostgreSQL by a
// transaction-level advisory lock. Returns EINVALID for bad input.
func (s *Store) CreateFirstAdmin(ctx context.Context, u *skillpath.User, pass string) (bool, error) {
	u.PlatformAdmin = true
	if err := u.Validate(); err != nil {
		return false, err
	}
	if err := skillpath.ValidatePassword("password", pass); err != nil {
		return false, err
	}
	hash, err := hashPassword(ctx, pass)
	if err != nil {
		return false, err
	}
	created := false
	err = s.write(ctx, func(tx *Tx) error {
		if s.dialect.postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, bootstrapLock); err != nil {
				return err
			}
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists); err != nil || exists {
			return err
		}
		created = true
		return tx.createUser(ctx, u, hash)
	})
	return created && err == nil, err
}

// bootstrapLock is the PostgreSQL advisory lock key of CreateFirstAdmin.
const bootstrapLock = 0x736b696c6c // "skill"

// createUser inserts u with the password hash (nil for none).
func (tx *Tx) createUser(ctx context.Context, u *skillpath.User, hash any) error {
	if u.RegisteredAt.IsZero() {
		u.RegisteredAt = tx.now
	}
	u.RegisteredAt = u.RegisteredAt.UTC().Truncate(time.Millisecond)
	u.Status = skillpath.UserActive
	id, err := tx.insert(ctx, `INSERT INTO users (email, email_key, name, registered_at, platform_admin, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.Email, skillpath.NormalizeEmail(u.Email), u.Name, millis(u.RegisteredAt), u.PlatformAdmin, hash, millis(tx.now))
	if isUniqueViolation(err) {
		return &skillpath.Error{Code: skillpath.ECONFLICT, Field: "email", Message: fmt.Sprintf("email: %s is already taken", u.Email)}
	} else if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	u.ID = skillpath.ID(id)
	if err := tx.setCustomFields(ctx, u.ID, u.CustomFields); err != nil {
		return err
	}
	return tx.setUserGroups(ctx, u.ID, u.GroupIDs)
}

func (tx *Tx) setCustomFields(ctx context.Context, userID skillpath.ID, fields map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_fields WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for k, v := range fields {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_fields (user_id, key, value) VALUES ($1, $2, $3)`, userID, k, v); err != nil {
			return fmt.Errorf("insert user field: %w", err)
		}
	}
	return nil
}

func (tx *Tx) setUserGroups(ctx context.Context, userID skillpath.ID, groupIDs []skillpath.ID) error {
	if err := tx.mustExist(ctx, "groups", "group_ids", groupIDs); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, g := range groupIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`, g, userID); err != nil {
			return fmt.Errorf("insert group member: %w", err)
		}
	}
	return nil
}

// mustExist returns EINVALID naming field unless every id is a row of
// table (and meets the conditions, if any), checking the whole list with
// one query.
func (tx *Tx) mustExist(ctx context.Context, table, field string, ids []skillpath.ID, conditions ...string) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(ids, 1)
	where := append([]string{"id IN (" + in + ")"}, conditions...)
	rows, err := tx.QueryContext(ctx, `SELECT id FROM `+table+` WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := map[skillpath.ID]bool{}
	for rows.Next() {
		var id skillpath.ID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if !found[id] {
			return skillpath.Invalid(field, "%s %s does not exist", strings.TrimSuffix(table, "s"), id)
		}
	}
	return nil
}

// liveUser is the condition of a user that is not deleted.
const liveUser = "deleted_at IS NULL"

const userColumns = `id, email, name, registered_at, deleted_at, platform_admin`

func scanUser(row interface{ Scan(...any) error }) (*skillpath.User, error) {
	var u skillpath.User
	var registered int64
	var deleted sql.NullInt64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &registered, &deleted, &u.PlatformAdmin); err != nil {
		return nil, err
	}
	u.RegisteredAt = fromMillis(registered)
	u.Status = skillpath.UserActive
	if deleted.Valid {
		u.Status = skillpath.UserDeleted
	}
	u.CustomFields = map[string]string{}
	u.GroupIDs = []skillpath.ID{}
	return &u, nil
}

// FindUser returns one user, deleted or not. Returns ENOTFOUND if there is none.
func (s *Store) FindUser(ctx context.Context, id skillpath.ID) (*skillpath.User, error) {
	var u *skillpath.User
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", id)
		} else if err != nil {
			return err
		}
		return tx.loadUserDetails(ctx, []*skillpath.User{u})
	})
	return u, err
}

// ListUsers returns a page of users ordered by id, and the id to pass as
// After for the next page (0 on the last page).
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]*skillpath.User, skillpath.ID, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where, args := []string{"id > $1"}, []any{f.After}
	switch f.Status {
	case skillpath.UserActive:
		where = append(where, "deleted_at IS NULL")
	case skillpath.UserDeleted:
		where = append(where, "deleted_at IS NOT NULL")
	}
	if f.Query != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(f.Query))+"%") // "_" and "%" are searched as typed
		where = append(where, fmt.Sprintf(`(email_key LIKE $%d ESCAPE '\' OR lower(name) LIKE $%d ESCAPE '\')`, len(args), len(args)))
	}
	args = append(args, f.Limit+1)
	users, err := s.readUsers(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	var next skillpath.ID
	if len(users) > f.Limit {
		users = users[:f.Limit]
		next = users[f.Limit-1].ID
	}
	return users, next, nil
}

// loadUserDetails fills custom fields and groups of the users, with one
// query per table for the whole list.
func (tx *Tx) loadUserDetails(ctx context.Context, users []*skillpath.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[skillpath.ID]*skillpath.User, len(users))
	ids := make([]skillpath.ID, len(users))
	for i, u := range users {
		byID[u.ID] = u
		ids[i] = u.ID
	}
	in, args := inList(ids, 1)
	rows, err := tx.QueryContext(ctx, `SELECT user_id, key, value FROM user_fields WHERE user_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id skillpath.ID
		var k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			rows.Close()
			return err
		}
		byID[id].CustomFields[k] = v
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT user_id, group_id FROM group_members WHERE user_id IN (`+in+`) ORDER BY group_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, g skillpath.ID
		if err := rows.Scan(&id, &g); err != nil {
			return err
		}
		byID[id].GroupIDs = append(byID[id].GroupIDs, g)
	}
	return rows.Err()
}

// UpdateUser applies the changes and returns the user as stored. A new
// password ends the user's web sessions and API tokens but up.KeepTokenID.
// Returns ENOTFOUND if there is no such user, EINVALID for bad input
// ("current_password" missing when required), EFORBIDDEN
// "current_password" when it is wrong (throttled like a sign-in:
// ETOOMANYREQUESTS), EUNPROCESSABLE for a deleted user or for taking the
// role of the last platform admin, and EUNAVAILABLE when too many passwords
// are being hashed at once.
func (s *Store) UpdateUser(ctx context.Context, id skillpath.ID, up UserUpdate) (*skillpath.User, error) {
	u, err := s.FindUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Status == skillpath.UserDeleted {
		return nil, skillpath.Errorf(skillpath.EUNPROCESSABLE, "user %s is deleted and cannot be changed", id)
	}
	wasAdmin := u.PlatformAdmin
	if up.Name != nil {
		u.Name = *up.Name
	}
	if up.CustomFields != nil {
		u.CustomFields = *up.CustomFields
	}
	if up.GroupIDs != nil {
		u.GroupIDs = *up.GroupIDs
	}
	if up.PlatformAdmin != nil {
		u.PlatformAdmin = *up.PlatformAdmin
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var hash *string
	if up.Password != nil {
		if err := skillpath.ValidatePassword("password", *up.Password); err != nil {
			return nil, err
		}
		if up.RequireCurrent {
			if err := s.checkCurrentPassword(ctx, u, up.CurrentPassword, up.Client); err != nil {
				return nil, err
			}
		}
		h, err := hashPassword(ctx, *up.Password)
		if err != nil {
			return nil, err
		}
		hash = &h
	}
	err = s.write(ctx, func(tx *Tx) error {
		if wasAdmin && !u.PlatformAdmin {
			if err := tx.keepAnAdmin(ctx, id, "take the platform admin role from"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, platform_admin = $2, password_hash = COALESCE($3, password_hash) WHERE id = $4`,
			u.Name, u.PlatformAdmin, hash, id); err != nil {
			return err
		}
		if hash != nil {
			if err := tx.endSignIns(ctx, id, up.KeepTokenID); err != nil {
				return err
			}
		}
		if err := tx.setLearnerUser(ctx, id); err != nil {
			return err
		}
		if up.CustomFields != nil {
			if err := tx.setCustomFields(ctx, id, u.CustomFields); err != nil {
				return err
			}
		}
		if up.GroupIDs != nil {
			return tx.setUserGroups(ctx, id, u.GroupIDs)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(u.GroupIDs)
	return u, nil
}

// checkCurrentPassword checks the password a user gave as their current
// one, counted like a sign-in of their email from client.
func (s *Store) checkCurrentPassword(ctx context.Context, u *skillpath.User, current *string, client string) error {
	if current == nil || *current == "" {
		return skillpath.Invalid("current_password", "is required to change your own password")
	}
	var hash sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
		return err
	}
	if !hash.Valid {
		hash.String = dummyHash
	}
	ok, err := s.checkThrottled(ctx, skillpath.NormalizeEmail(u.Email), client, hash.String, *current)
	if err != nil {
		return err
	}
	if !ok || !hash.Valid {
		return &skillpath.Error{Code: skillpath.EFORBIDDEN, Field: "current_password", Message: "current_password: is not your current password"}
	}
	return nil
}

// endSignIns ends a user's web sessions and API tokens, but keepToken.
func (tx *Tx) endSignIns(ctx context.Context, userID, keepToken skillpath.ID) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
		userID, keepToken, millis(tx.now))
	return err
}

// keepAnAdmin refuses (EUNPROCESSABLE) to act on the live platform admin id
// when no other live platform admin remains. The admins' rows are locked on
// PostgreSQL, so two admins demoting or deleting each other at once cannot
// leave none: the second sees the first's change.
func (tx *Tx) keepAnAdmin(ctx context.Context, id skillpath.ID, what string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE platform_admin AND deleted_at IS NULL ORDER BY id`+tx.store.dialect.forUpdate())
	if err != nil {
		return err
	}
	defer rows.Close()
	others := 0
	for rows.Next() {
		var a skillpath.ID
		if err := rows.Scan(&a); err != nil {
			return err
		}
		if a != id {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if others == 0 {
		return skillpath.Errorf(skillpath.EUNPROCESSABLE, "cannot %s the last platform admin: make another user platform admin first", what)
	}
	return nil
}

// DeleteUser marks the user deleted (SPEC §5: soft), revoking their API
// tokens, web sessions and group staff roles. Their history stays for
// statistics. Returns ENOTFOUND if there is no such live user and
// EUNPROCESSABLE for the last platform admin.
func (s *Store) DeleteUser(ctx context.Context, id skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		var admin bool
		err := tx.QueryRowContext(ctx, `SELECT platform_admin FROM users WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&admin)
		if errors.Is(err, sql.ErrNoRows) {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", id)
		} else if err != nil {
			return err
		}
		if admin {
			if err := tx.keepAnAdmin(ctx, id, "delete"); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`, millis(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s not found", id)
		}
		if err := tx.endSignIns(ctx, id, 0); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_staff WHERE user_id = $1`, id); err != nil {
			return err
		}
		return tx.setLearnerUser(ctx, id)
	})
}

// CountUsers tells how many users exist, deleted included; an empty
// database is where the bootstrap admin and the demo may be created.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// readUsers runs a SELECT of userColumns and returns its users with their
// groups and custom fields, in one read transaction.
func (s *Store) readUsers(ctx context.Context, query string, args ...any) ([]*skillpath.User, error) {
	var users []*skillpath.User
	err := s.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.loadUserDetails(ctx, users)
	})
	return users, err
}
