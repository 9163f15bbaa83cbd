package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
		id, err := tx.insert(ctx, `INSERT INTO certificates (title, owner_group_id, validity_months, reenroll_days_before, expiry_base, fixed_month, fixed_day, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.Title, c.OwnerGroupID, c.ValidityMonths, c.ReenrollDaysBefore, c.ExpiryBase, c.FixedMonth, c.FixedDay, millis(tx.now))
		if err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		c.ID = skillpath.ID(id)
		return nil
	})
}

const certificateColumns = `id, title, owner_group_id, validity_months, reenroll_days_before, expiry_base, fixed_month, fixed_day`

func scanCertificate(row interface{ Scan(...any) error }) (*skillpath.Certificate, error) {
	var c skillpath.Certificate
	var validity, lead, month, day sql.NullInt64
	if err := row.Scan(&c.ID, &c.Title, &c.OwnerGroupID, &validity, &lead, &c.ExpiryBase, &month, &day); err != nil {
		return nil, err
	}
	c.ValidityMonths, c.ReenrollDaysBefore, c.FixedMonth, c.FixedDay = intPtr(validity), intPtr(lead), intPtr(month), intPtr(day)
	return &c, nil
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
	}
	return c, err
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
	return certificates, rows.Err()
}
