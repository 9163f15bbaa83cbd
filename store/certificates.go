package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"skillpath"
	"skillpath/status"
)

// CreateCertificate stores a new certificate with its recertification
// rules (SPEC §2, §9). Returns EINVALID for bad input or an unknown owner
// group.
func (s *Store) CreateCertificate(ctx context.Context, c *skillpath.Certificate) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "groups", "owner_group_id", []skillpath.ID{c.OwnerGroupID}); err != nil {
			return err
		}
		var reminders any // NULL: the default (SPEC §7)
		if c.ReminderDays != nil {
			raw, _ := json.Marshal(c.ReminderDays)
			reminders = string(raw)
		} else {
			c.ReminderDays = slices.Clone(skillpath.DefaultReminderDays)
		}
		id, err := tx.insert(ctx, `INSERT INTO certificates (title, owner_group_id, validity_months, reenroll_days_before, expiry_base, fixed_month, fixed_day, created_at, reminder_days)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			c.Title, c.OwnerGroupID, c.ValidityMonths, c.ReenrollDaysBefore, c.ExpiryBase, c.FixedMonth, c.FixedDay, millis(tx.now), reminders)
		if err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		c.ID = skillpath.ID(id)
		return nil
	})
}

const certificateColumns = `id, title, owner_group_id, validity_months, reenroll_days_before, expiry_base, fixed_month, fixed_day, reminder_days`

func scanCertificate(row interface{ Scan(...any) error }) (*skillpath.Certificate, error) {
	var c skillpath.Certificate
	var validity, lead, month, day sql.NullInt64
	var reminders sql.NullString
	if err := row.Scan(&c.ID, &c.Title, &c.OwnerGroupID, &validity, &lead, &c.ExpiryBase, &month, &day, &reminders); err != nil {
		return nil, err
	}
	c.ValidityMonths, c.ReenrollDaysBefore, c.FixedMonth, c.FixedDay = intPtr(validity), intPtr(lead), intPtr(month), intPtr(day)
	days, err := reminderDays(reminders)
	c.ReminderDays = days
	return &c, err
}

// reminderDays reads the stored reminder_days (a JSON array, NULL for
// skillpath.DefaultReminderDays).
func reminderDays(raw sql.NullString) ([]int, error) {
	if !raw.Valid {
		return slices.Clone(skillpath.DefaultReminderDays), nil
	}
	d := []int{}
	if err := json.Unmarshal([]byte(raw.String), &d); err != nil {
		return nil, fmt.Errorf("certificate reminder_days %q: %w", raw.String, err)
	}
	if d == nil {
		d = []int{}
	}
	return d, nil
}

func intPtr(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

// rules are the certificate's rules for the pure functions of status/.
func rules(c *skillpath.Certificate) status.Rules {
	r := status.Rules{ValidityMonths: c.ValidityMonths, Base: string(c.ExpiryBase), ReenrollDaysBefore: c.ReenrollDaysBefore}
	if c.FixedMonth != nil && c.FixedDay != nil {
		r.FixedMonth, r.FixedDay = *c.FixedMonth, *c.FixedDay
	}
	return r
}

// FindCertificate returns one certificate. Returns ENOTFOUND if there is none.
func (s *Store) FindCertificate(ctx context.Context, id skillpath.ID) (*skillpath.Certificate, error) {
	return findCertificate(ctx, s.db, id)
}

func findCertificate(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id skillpath.ID) (*skillpath.Certificate, error) {
	c, err := scanCertificate(q.QueryRowContext(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "certificate %s not found", id)
	} else if err != nil {
		return nil, err
	}
	return c, nil
}

// ListCertificates returns every certificate by title.
func (s *Store) ListCertificates(ctx context.Context) ([]*skillpath.Certificate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+certificateColumns+` FROM certificates ORDER BY title, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	certificates := []*skillpath.Certificate{}
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		certificates = append(certificates, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return certificates, nil
}
