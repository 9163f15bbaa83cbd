package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/status"
)

// PeopleFilter narrows, sorts and pages the people list of the pages
// (SPEC §6, issue 14).
type PeopleFilter struct {
	Caller     *skillpath.User      // a platform admin sees everyone, others the learners of the groups they staff
	Query      string               // part of the name or email, any case
	GroupIDs   []skillpath.ID       // members of these groups or their subgroups
	Status     skillpath.UserStatus // "" for all
	FieldKey   string               // with FieldValue: users whose custom field KEY has that value
	FieldValue string
	Sort       string // name (default), email or registered_at; "-" before for descending
	After      string // the cursor of the previous page's next
	Limit      int
}

// PeopleSorts are the orders of the people list.
var PeopleSorts = []string{"name", "-name", "email", "-email", "registered_at", "-registered_at"}

// peopleScope is the users a group's admins and coaches see: the members
// of the groups they staff and of those groups' subgroups.
const peopleScope = `SELECT gm.user_id FROM group_staff st
	JOIN group_tree gt ON gt.ancestor_id = st.group_id
	JOIN group_members gm ON gm.group_id = gt.descendant_id WHERE st.user_id = `

// People returns one page of the users the caller may see, with their
// custom fields and groups, and the cursor of the next page ("" on the
// last). Keyset paging on (sort key, id) keeps every page as fast as the
// first. Returns EINVALID for an unknown sort or a cursor no page gave.
func (s *Store) People(ctx context.Context, f PeopleFilter) ([]*skillpath.User, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	desc := strings.HasPrefix(f.Sort, "-")
	key := strings.TrimPrefix(f.Sort, "-")
	var column string
	switch key {
	case "", "name":
		column = "name"
	case "email":
		column = "email_key"
	case "registered_at":
		column = "registered_at"
	default:
		return nil, "", skillpath.Invalid("sort", "must be one of %s", strings.Join(PeopleSorts, ", "))
	}
	var a sqlArgs
	var where []string
	if !f.Caller.PlatformAdmin {
		where = append(where, "id IN ("+peopleScope+a.add(f.Caller.ID)+")")
	}
	switch f.Status {
	case skillpath.UserActive:
		where = append(where, "deleted_at IS NULL")
	case skillpath.UserDeleted:
		where = append(where, "deleted_at IS NOT NULL")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add("%" + escapeLike(strings.ToLower(q)) + "%")
		name := "lower(name)"
		if !s.dialect.postgres && isASCII(q) {
			// SQLite's own LIKE ignores the case of ASCII letters: an ASCII
			// search needs no call of the Unicode lower() (dialect.go) for
			// each of 100,000 names, which made it ten times slower.
			name = "name"
		}
		where = append(where, fmt.Sprintf(`(email_key LIKE %s ESCAPE '\' OR %s LIKE %s ESCAPE '\')`, p, name, p))
	}
	if len(f.GroupIDs) > 0 {
		where = append(where, `id IN (SELECT gm.user_id FROM group_tree gt JOIN group_members gm ON gm.group_id = gt.descendant_id
			WHERE gt.ancestor_id IN (`+list(&a, f.GroupIDs)+`))`)
	}
	if f.FieldKey != "" {
		where = append(where, "id IN (SELECT user_id FROM user_fields WHERE key = "+a.add(f.FieldKey)+" AND value = "+a.add(f.FieldValue)+")")
	}
	op, dir := ">", ""
	if desc {
		op, dir = "<", " DESC"
	}
	if f.After != "" {
		c, err := parseCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		var v any = c.name
		if column == "registered_at" {
			ms, err := strconv.ParseInt(c.name, 10, 64)
			if err != nil {
				return nil, "", errBadCursor
			}
			v = ms
		}
		where = append(where, fmt.Sprintf("(%s, id) %s (%s, %s)", column, op, a.add(v), a.add(c.id)))
	}
	q := `SELECT ` + userColumns + ` FROM users`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(` ORDER BY %s%s, id%s LIMIT %s`, column, dir, dir, a.add(f.Limit+1))
	users, err := s.readUsers(ctx, q, a...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(users) > f.Limit {
		users = users[:f.Limit]
		last := users[f.Limit-1]
		c := cursor{name: last.Name, id: last.ID}
		switch column {
		case "email_key":
			c.name = skillpath.NormalizeEmail(last.Email)
		case "registered_at":
			c.name = strconv.FormatInt(millis(last.RegisteredAt), 10)
		}
		next = c.String()
	}
	return users, next, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// escapeLike escapes LIKE's wildcards so a search for "50%" finds "50%".
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// StaffedGroups returns the groups a user is admin or coach of, with every
// subgroup of each, and the role that reaches each group (admin wins over
// coach): the scope of a group's staff on the people and groups pages.
func (s *Store) StaffedGroups(ctx context.Context, userID skillpath.ID) (map[skillpath.ID]skillpath.StaffRole, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT gt.descendant_id, st.role FROM group_staff st
		JOIN group_tree gt ON gt.ancestor_id = st.group_id WHERE st.user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[skillpath.ID]skillpath.StaffRole{}
	for rows.Next() {
		var g skillpath.ID
		var role skillpath.StaffRole
		if err := rows.Scan(&g, &role); err != nil {
			return nil, err
		}
		if out[g] != skillpath.RoleGroupAdmin {
			out[g] = role
		}
	}
	return out, rows.Err()
}

// StaffMember is one staff role with the user's name, for the pages.
type StaffMember struct {
	skillpath.Staff
	Name, Email string
}

// AllStaff returns every group's staff (or, with userID, that user's
// roles), with names, by group then name.
func (s *Store) AllStaff(ctx context.Context, userID skillpath.ID) ([]StaffMember, error) {
	q := `SELECT st.group_id, st.user_id, st.role, u.name, u.email FROM group_staff st JOIN users u ON u.id = st.user_id`
	var args []any
	if userID != 0 {
		q += ` WHERE st.user_id = $1`
		args = append(args, userID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY st.group_id, u.name, st.role`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StaffMember
	for rows.Next() {
		var m StaffMember
		if err := rows.Scan(&m.GroupID, &m.UserID, &m.Role, &m.Name, &m.Email); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteGroup deletes a group that has no subgroup, member, staff or
// certificate. Returns ENOTFOUND, or EUNPROCESSABLE saying what keeps it.
func (s *Store) DeleteGroup(ctx context.Context, id skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.findGroup(ctx, id); err != nil {
			return err
		}
		var children, members, staff, certs int
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM groups WHERE parent_id = $1),
			(SELECT COUNT(*) FROM group_members WHERE group_id = $1),
			(SELECT COUNT(*) FROM group_staff WHERE group_id = $1),
			(SELECT COUNT(*) FROM certificates WHERE owner_group_id = $1)`, id).Scan(&children, &members, &staff, &certs)
		if err != nil {
			return err
		}
		if children+members+staff+certs > 0 {
			return skillpath.Errorf(skillpath.EUNPROCESSABLE,
				"only an empty group can be deleted: this one has %d subgroups, %d members, %d staff roles and owns %d certificates", children, members, staff, certs)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_tree WHERE descendant_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM groups WHERE id = $1`, id)
		return err
	})
}

// DeliveredCertificates lists every certificate delivered to a user in
// live enrollments and not revoked, the newest first, with their status at
// now (SPEC §2), for the user's page; UserCertificates keeps only the
// latest delivery of each.
func (s *Store) DeliveredCertificates(ctx context.Context, userID skillpath.ID) ([]HeldCertificate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.certificate_id, c.title, a.enrollment_id, a.delivered_at, a.expires_at
		FROM awards a JOIN certificates c ON c.id = a.certificate_id JOIN enrollments e ON e.id = a.enrollment_id
		WHERE a.user_id = $1 AND e.deleted_at IS NULL AND a.revoked_at IS NULL ORDER BY a.delivered_at DESC, a.id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.Now()
	var out []HeldCertificate
	for rows.Next() {
		var h HeldCertificate
		var delivered int64
		var expires sql.NullInt64
		if err := rows.Scan(&h.CertificateID, &h.Title, &h.EnrollmentID, &delivered, &expires); err != nil {
			return nil, err
		}
		h.DeliveredAt = fromMillis(delivered)
		if expires.Valid {
			t := fromMillis(expires.Int64)
			h.ExpiresAt = &t
		}
		h.Status = status.CertificationStatus(true, h.ExpiresAt, now)
		out = append(out, h)
	}
	return out, rows.Err()
}
