package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
		id, err := tx.insert(ctx, `INSERT INTO certificates (title, owner_group_id, validity_months, created_at) VALUES ($1, $2, $3, $4)`,
			c.Title, c.OwnerGroupID, c.ValidityMonths, millis(tx.now))
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
