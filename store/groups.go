package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"skillpath"
)

// CreateGroup stores a new group under its parent, if any. Returns EINVALID
// if the parent does not exist.
func (s *Store) CreateGroup(ctx context.Context, g *skillpath.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		if g.ParentID != nil {
			if err := tx.mustExist(ctx, "groups", "parent_id", []skillpath.ID{*g.ParentID}); err != nil {
				return err
			}
		}
		if err := tx.refuseSiblingName(ctx, 0, g.Name, g.ParentID); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO groups (name, parent_id, created_at) VALUES ($1, $2, $3)`, g.Name, g.ParentID, millis(tx.now))
		if err != nil {
			return fmt.Errorf("insert group: %w", err)
		}
		g.ID = skillpath.ID(id)
		// The closure: the group itself, then every ancestor of its parent.
		_, err = tx.ExecContext(ctx, `INSERT INTO group_tree (ancestor_id, descendant_id, depth)
			SELECT CAST($1 AS BIGINT), CAST($1 AS BIGINT), 0
			UNION ALL
			SELECT ancestor_id, CAST($1 AS BIGINT), depth + 1 FROM group_tree WHERE descendant_id = $2`, g.ID, g.ParentID)
		return err
	})
}

const groupColumns = `id, name, parent_id`

func scanGroup(row interface{ Scan(...any) error }) (*skillpath.Group, error) {
	var g skillpath.Group
	var parent sql.NullInt64
	if err := row.Scan(&g.ID, &g.Name, &parent); err != nil {
		return nil, err
	}
	if parent.Valid {
		p := skillpath.ID(parent.Int64)
		g.ParentID = &p
	}
	return &g, nil
}

// FindGroup returns one group. Returns ENOTFOUND if there is none.
func (s *Store) FindGroup(ctx context.Context, id skillpath.ID) (*skillpath.Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "group %s not found", id)
	}
	return g, err
}

// ListGroups returns every group, parents before their children.
func (s *Store) ListGroups(ctx context.Context) ([]*skillpath.Group, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.id, g.name, g.parent_id FROM groups g
		JOIN (SELECT descendant_id, MAX(depth) AS level FROM group_tree GROUP BY descendant_id) d ON d.descendant_id = g.id
		ORDER BY d.level, g.name, g.id`)
	if err != nil {
		return nil, err
	}
	return scanGroups(rows)
}

// scanGroups reads every group of rows and closes them.
func scanGroups(rows *sql.Rows) ([]*skillpath.Group, error) {
	defer rows.Close()
	var groups []*skillpath.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// UpdateGroup renames a group and, when moveParent is true, moves it under
// parentID (nil: to the top). Returns EUNPROCESSABLE when the move would
// make a cycle (a group under itself or its own subgroup).
func (s *Store) UpdateGroup(ctx context.Context, id skillpath.ID, name *string, moveParent bool, parentID *skillpath.ID) (*skillpath.Group, error) {
	var g *skillpath.Group
	err := s.write(ctx, func(tx *Tx) error {
		var err error
		g, err = scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return skillpath.Errorf(skillpath.ENOTFOUND, "group %s not found", id)
		} else if err != nil {
			return err
		}
		if name != nil {
			g.Name = *name
		}
		if moveParent {
			g.ParentID = parentID
		}
		if err := g.Validate(); err != nil {
			return err
		}
		// The move goes first: it refuses an unknown parent before the
		// row's foreign key could turn that into an internal error.
		if moveParent {
			if err := tx.moveGroup(ctx, id, parentID); err != nil {
				return err
			}
		}
		if err := tx.refuseSiblingName(ctx, id, g.Name, g.ParentID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = $1, parent_id = $2 WHERE id = $3`, g.Name, g.ParentID, id)
		return err
	})
	return g, err
}

// moveGroup rewrites the closure rows linking the group's subtree to the
// groups above it.
func (tx *Tx) moveGroup(ctx context.Context, id skillpath.ID, parentID *skillpath.ID) error {
	if parentID != nil {
		if err := tx.mustExist(ctx, "groups", "parent_id", []skillpath.ID{*parentID}); err != nil {
			return err
		}
		var cycle int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_tree WHERE ancestor_id = $1 AND descendant_id = $2`, id, *parentID).Scan(&cycle)
		if err != nil {
			return err
		}
		if cycle > 0 {
			return &skillpath.Error{Code: skillpath.EUNPROCESSABLE, Field: "parent_id",
				Message: fmt.Sprintf("parent_id: group %s is group %s or one of its subgroups; groups cannot form a cycle", *parentID, id)}
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM group_tree
		WHERE descendant_id IN (SELECT descendant_id FROM group_tree WHERE ancestor_id = $1)
		AND ancestor_id NOT IN (SELECT descendant_id FROM group_tree WHERE ancestor_id = $1)`, id)
	if err != nil || parentID == nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO group_tree (ancestor_id, descendant_id, depth)
		SELECT above.ancestor_id, below.descendant_id, above.depth + below.depth + 1
		FROM group_tree above, group_tree below
		WHERE above.descendant_id = $1 AND below.ancestor_id = $2`, *parentID, id)
	return err
}

// AddStaff gives a user a role in a group. Returns ECONFLICT if they hold it
// already and EINVALID for an unknown user or role.
func (s *Store) AddStaff(ctx context.Context, st skillpath.Staff) error {
	if !st.Role.Valid() {
		return skillpath.Invalid("role", "must be admin or coach")
	}
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.findGroup(ctx, st.GroupID); err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "users", "user_id", []skillpath.ID{st.UserID}, liveUser); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO group_staff (group_id, user_id, role) VALUES ($1, $2, $3)`, st.GroupID, st.UserID, st.Role)
		if isUniqueViolation(err) {
			return skillpath.Errorf(skillpath.ECONFLICT, "user %s is already %s of group %s", st.UserID, st.Role, st.GroupID)
		}
		return err
	})
}

// RemoveStaff takes a role away. Returns ENOTFOUND if the user did not hold it.
func (s *Store) RemoveStaff(ctx context.Context, st skillpath.Staff) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM group_staff WHERE group_id = $1 AND user_id = $2 AND role = $3`, st.GroupID, st.UserID, st.Role)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "user %s is not %s of group %s", st.UserID, st.Role, st.GroupID)
		}
		return nil
	})
}

// ListStaff returns the staff of one group.
func (s *Store) ListStaff(ctx context.Context, groupID skillpath.ID) ([]skillpath.Staff, error) {
	if _, err := s.FindGroup(ctx, groupID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT group_id, user_id, role FROM group_staff WHERE group_id = $1 ORDER BY user_id, role`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	staff := []skillpath.Staff{}
	for rows.Next() {
		var st skillpath.Staff
		if err := rows.Scan(&st.GroupID, &st.UserID, &st.Role); err != nil {
			return nil, err
		}
		staff = append(staff, st)
	}
	return staff, rows.Err()
}

func (tx *Tx) findGroup(ctx context.Context, id skillpath.ID) (*skillpath.Group, error) {
	g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "group %s not found", id)
	}
	return g, err
}

// refuseSiblingName returns ECONFLICT (field name) when another group than
// id under the same parent (or at the top) has the name, ignoring case:
// an import names groups by name, and two siblings of one name could not
// be told apart (review of issue 14).
func (tx *Tx) refuseSiblingName(ctx context.Context, id skillpath.ID, name string, parentID *skillpath.ID) error {
	q := `SELECT id FROM groups WHERE lower(name) = lower($1) AND id <> $2 AND `
	args := []any{name, id}
	if parentID == nil {
		q += `parent_id IS NULL`
	} else {
		q += `parent_id = $3`
		args = append(args, *parentID)
	}
	var other skillpath.ID
	err := tx.QueryRowContext(ctx, q+` LIMIT 1`, args...).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	return &skillpath.Error{Code: skillpath.ECONFLICT, Field: "name",
		Message: fmt.Sprintf("name: group %s has the name %q already, under the same parent; choose another name", other, name)}
}
