package store

import (
	"context"

	"skillpath"
)

// UpdateCertificate changes a certificate's title, owner group and validity
// period (SPEC §2, §6). A new validity applies to the certificates
// delivered from then on; those delivered keep their expiration date.
// Returns ENOTFOUND for an unknown certificate and EINVALID for bad input
// or an unknown owner group.
func (s *Store) UpdateCertificate(ctx context.Context, c *skillpath.Certificate) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "groups", "owner_group_id", []skillpath.ID{c.OwnerGroupID}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE certificates SET title = $1, owner_group_id = $2, validity_months = $3 WHERE id = $4`,
			c.Title, c.OwnerGroupID, c.ValidityMonths, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "certificate %s not found", c.ID)
		}
		return nil
	})
}
