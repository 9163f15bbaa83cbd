package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"skillpath"
)

// CreateCertificate stores a new certificate. Returns EINVALID for bad input
// or an unknown owner group.
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
		id, err := tx.insert(ctx, `INSERT INTO certificates (title, owner_group_id, validity_months, created_at, reminder_days) VALUES ($1, $2, $3, $4, $5)`,
			c.Title, c.OwnerGroupID, c.ValidityMonths, millis(tx.now), reminders)
		if err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		c.ID = skillpath.ID(id)
		return nil
	})
}

const certificateColumns = `id, title, owner_group_id, validity_months`

func scanCertificate(row interface{ Scan(...any) error }) (*skillpath.Certificate, error) {
	var c skillpath.Certificate
	var validity sql.NullInt64
	if err := row.Scan(&c.ID, &c.Title, &c.OwnerGroupID, &validity); err != nil {
		return nil, err
	}
	if validity.Valid {
		v := int(validity.Int64)
		c.ValidityMonths = &v
	}
	return &c, nil
}

// FindCertificate returns one certificate. Returns ENOTFOUND if there is none.
func (s *Store) FindCertificate(ctx context.Context, id skillpath.ID) (*skillpath.Certificate, error) {
	c, err := scanCertificate(s.db.QueryRowContext(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "certificate %s not found", id)
	} else if err != nil {
		return nil, err
	}
	return c, s.fillReminderDays(ctx, []*skillpath.Certificate{c})
}

// fillReminderDays sets the certificates' ReminderDays (SPEC §7).
func (s *Store) fillReminderDays(ctx context.Context, list []*skillpath.Certificate) error {
	ids := make([]skillpath.ID, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	days, err := s.ReminderDays(ctx, ids)
	for _, c := range list {
		c.ReminderDays = days[c.ID]
	}
	return err
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
	rows.Close()
	return certificates, s.fillReminderDays(ctx, certificates)
}
