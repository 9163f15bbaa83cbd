package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"skillpath"
	"skillpath/roster"
)

// ImportUsers applies an import file (SPEC §6, issue 14): it gathers the
// stored users the file names and every group, lets roster.Plan decide
// what each line does, and unless dryRun or any line has a problem, writes
// every line in one transaction — all of the file or nothing. The report
// says what was (or would be) done; its Lines carry each line's outcome
// for the preview page. Errors are failures of the database only. A
// refused file leaves no trace, not even an audit entry.
func (s *Store) ImportUsers(ctx context.Context, f *roster.File, dryRun bool) (*roster.Report, error) {
	var rep *roster.Report
	run := s.write
	if dryRun {
		run = s.read
	}
	err := run(ctx, func(tx *Tx) error {
		st, err := tx.importFacts(ctx, f)
		if err != nil {
			return err
		}
		rep = roster.Plan(f, st, tx.now)
		rep.DryRun = dryRun
		if !rep.OK() && !dryRun {
			rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0 // nothing written
		}
		if dryRun {
			return nil
		}
		if !rep.OK() {
			return errNothingWritten // rolled back: no audit entry for a refused file
		}
		return tx.applyImport(ctx, rep)
	})
	if errors.Is(err, errNothingWritten) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// importFacts reads the users whose emails the file names, with their
// fields and groups, and every group: one query per table and 500 emails.
func (tx *Tx) importFacts(ctx context.Context, f *roster.File) (roster.Stored, error) {
	st := roster.Stored{Users: map[string]*skillpath.User{}}
	rows, err := tx.QueryContext(ctx, `SELECT `+groupColumns+` FROM groups`)
	if err != nil {
		return st, err
	}
	if st.Groups, err = scanGroups(rows); err != nil {
		return st, err
	}
	keys := make([]string, 0, len(f.Lines))
	for _, l := range f.Lines {
		if l.Email != "" {
			keys = append(keys, skillpath.NormalizeEmail(l.Email))
		}
	}
	for _, chunk := range chunks(keys, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_key IN (`+in+`)`, args...)
		if err != nil {
			return st, err
		}
		var users []*skillpath.User
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return st, err
			}
			users = append(users, u)
			st.Users[skillpath.NormalizeEmail(u.Email)] = u
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, err
		}
		if err := tx.loadUserDetails(ctx, users); err != nil {
			return st, err
		}
	}
	return st, nil
}

// applyImport writes the creations and updates of a report without
// problems.
func (tx *Tx) applyImport(ctx context.Context, rep *roster.Report) error {
	var fields, members [][]any
	var dropFields, dropMembers []skillpath.ID
	// One statement prepared for every creation: parsing it again for each
	// of 50,000 lines cost more than running it.
	insertUser, err := tx.PrepareContext(ctx, `INSERT INTO users (email, email_key, name, registered_at, platform_admin, created_at)
		VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id`)
	if err != nil {
		return err
	}
	defer insertUser.Close()
	for _, o := range rep.Lines {
		u := o.User
		switch o.Action {
		case roster.Create:
			var id int64
			err := insertUser.QueryRowContext(ctx, u.Email, skillpath.NormalizeEmail(u.Email), u.Name, millis(u.RegisteredAt), millis(tx.now)).Scan(&id)
			if isUniqueViolation(err) {
				return &skillpath.Error{Code: skillpath.ECONFLICT, Field: "email",
					Message: fmt.Sprintf("line %d, email: %s was created by someone else meanwhile; send the file again", o.Line, u.Email)}
			} else if err != nil {
				return fmt.Errorf("insert user: %w", err)
			}
			u.ID = skillpath.ID(id)
			fields = appendFields(fields, u)
			for _, g := range u.GroupIDs {
				members = append(members, []any{g, u.ID})
			}
		case roster.Update:
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, registered_at = $2 WHERE id = $3`,
				u.Name, millis(u.RegisteredAt), u.ID); err != nil {
				return err
			}
			if slices.Contains(o.Changes, "name") {
				if err := tx.setLearnerUser(ctx, u.ID); err != nil {
					return err
				}
			}
			if slices.ContainsFunc(o.Changes, func(c string) bool { return strings.HasPrefix(c, "field.") }) {
				dropFields = append(dropFields, u.ID)
				fields = appendFields(fields, u)
			}
			if slices.Contains(o.Changes, "groups") {
				dropMembers = append(dropMembers, u.ID)
				for _, g := range u.GroupIDs {
					members = append(members, []any{g, u.ID})
				}
			}
		}
	}
	for _, chunk := range chunks(dropFields, batchSize) {
		in, args := inList(chunk, 1)
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_fields WHERE user_id IN (`+in+`)`, args...); err != nil {
			return err
		}
	}
	for _, chunk := range chunks(dropMembers, batchSize) {
		in, args := inList(chunk, 1)
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE user_id IN (`+in+`)`, args...); err != nil {
			return err
		}
	}
	if err := tx.insertRows(ctx, `user_fields (user_id, key, value)`, 3, fields); err != nil {
		return err
	}
	return tx.insertRows(ctx, `group_members (group_id, user_id)`, 2, members)
}

// appendFields adds the user's custom fields as user_fields rows.
func appendFields(rows [][]any, u *skillpath.User) [][]any {
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		rows = append(rows, []any{u.ID, k, u.CustomFields[k]})
	}
	return rows
}

// insertRowsPer is how many rows one INSERT of insertRows writes: enough
// to save round trips to PostgreSQL, few enough that SQLite's parser, whose
// cost grows faster than the statement, stays cheap.
const insertRowsPer = 100

// insertRows inserts rows of width values into table (with its column
// list), insertRowsPer rows per statement, the statement prepared once.
func (tx *Tx) insertRows(ctx context.Context, table string, width int, rows [][]any) error {
	statement := func(n int) string {
		var a sqlArgs
		values := make([]string, n)
		for i := range n {
			values[i] = "(" + list(&a, make([]any, width)) + ")"
		}
		return `INSERT INTO ` + table + ` VALUES ` + strings.Join(values, ", ")
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for _, chunk := range chunks(rows, insertRowsPer) {
		args := make([]any, 0, len(chunk)*width)
		for _, r := range chunk {
			args = append(args, r...)
		}
		var err error
		switch {
		case len(chunk) < insertRowsPer:
			_, err = tx.ExecContext(ctx, statement(len(chunk)), args...)
		case full == nil:
			if full, err = tx.PrepareContext(ctx, statement(insertRowsPer)); err == nil {
				_, err = full.ExecContext(ctx, args...)
			}
		default:
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// errNothingWritten rolls back a transaction that decided to write nothing,
// so that neither its audit entry nor anything else is kept.
var errNothingWritten = errors.New("nothing written")
