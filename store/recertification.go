package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"skillpath"
	"skillpath/status"
)

// ExpiryChange is what a change of a certificate's rules does to one
// delivered certificate (SPEC §9): its expiration, and the earlier
// certificate of the learner it renews.
type ExpiryChange struct {
	AwardID         skillpath.ID  `json:"award_id"`
	EnrollmentID    skillpath.ID  `json:"enrollment_id"`
	UserID          skillpath.ID  `json:"user_id"`
	Name            string        `json:"name"`
	DeliveredAt     time.Time     `json:"delivered_at"`
	ExpiresAt       *time.Time    `json:"expires_at"`     // stored now
	NewExpiresAt    *time.Time    `json:"new_expires_at"` // under the new rules
	PreviousAwardID *skillpath.ID `json:"previous_award_id"`
}

// ReenrollChange is when a learner is to be enrolled again, before and
// after a change of rules: their newest certificate's expiry less the
// certificate's lead. Only the learners the sweep watches are listed: those
// holding the certificate from their latest enrollment in an unarchived
// auto_reenroll session, not enrolled again there yet. Due is true when the new moment has come
// and the learner is not enrolled again since their newest delivery: the
// next sweep enrolls them.
type ReenrollChange struct {
	UserID     skillpath.ID `json:"user_id"`
	Name       string       `json:"name"`
	ReenrollAt *time.Time   `json:"reenroll_at"`     // nil: never (no expiry)
	NewAt      *time.Time   `json:"new_reenroll_at"` // nil: never
	Due        bool         `json:"due"`
}

// CertificateUpdate is the answer to a change of a certificate: the
// certificate as it is (or would be) and what changes for its learners.
type CertificateUpdate struct {
	Certificate   *skillpath.Certificate `json:"certificate"`
	DryRun        bool                   `json:"dry_run"`
	Expirations   []ExpiryChange         `json:"expirations"`
	Reenrollments []ReenrollChange       `json:"reenrollments"`
}

// UpdateCertificate changes a certificate (title, owner group, validity,
// recertification rules, reminder days) with
// change, which edits a copy of the stored one, and applies the new rules
// to every certificate of that kind already delivered — except those
// revoked and those whose expiry an administrator set by hand — in the
// learners' delivery order (SPEC §9). With dryRun nothing is written: the
// answer says what would change. The real run changes exactly what the
// dry run said, given the same facts and clock. Returns ENOTFOUND for an
// unknown certificate and EINVALID (naming the field) for bad rules.
func (s *Store) UpdateCertificate(ctx context.Context, id skillpath.ID, change func(*skillpath.Certificate), defaultLead time.Duration, dryRun bool) (*CertificateUpdate, error) {
	var out *CertificateUpdate
	run := s.write
	if dryRun {
		run = s.read
	}
	err := run(ctx, func(tx *Tx) error {
		old, err := findCertificate(ctx, tx, id)
		if err != nil {
			return err
		}
		c := *old
		change(&c)
		c.ID = id
		if err := c.Validate(); err != nil {
			return err
		}
		if c.OwnerGroupID != old.OwnerGroupID {
			if err := tx.mustExist(ctx, "groups", "owner_group_id", []skillpath.ID{c.OwnerGroupID}); err != nil {
				return err
			}
		}
		out = &CertificateUpdate{Certificate: &c, DryRun: dryRun, Expirations: []ExpiryChange{}, Reenrollments: []ReenrollChange{}}
		list, err := tx.certificateAwards(ctx, id)
		if err != nil {
			return err
		}
		auto, err := tx.autoReenrolled(ctx, id)
		if err != nil {
			return err
		}
		pendingIDs, err := queryIDs(ctx, tx, pendingReenrollQuery, id)
		if err != nil {
			return err
		}
		pending := make(map[skillpath.ID]bool, len(pendingIDs))
		for _, u := range pendingIDs {
			pending[u] = true
		}
		changes, learners := applyRules(list, rules(&c), tx.store.Zone)
		out.Expirations = changes
		for _, l := range learners {
			if !auto[l.UserID] {
				continue
			}
			before := reenrollAt(l.Old, rules(old), defaultLead)
			after := reenrollAt(l.New, rules(&c), defaultLead)
			if !sameTime(before, after) {
				// due: the sweep enrolls them once the rules apply — their
				// moment has come and they are not enrolled again already
				// (a certification by hand counts like a pass, as in
				// reenrollQuery)
				due := after != nil && !after.After(tx.now) && !pending[l.UserID]
				out.Reenrollments = append(out.Reenrollments, ReenrollChange{UserID: l.UserID, Name: l.Name, ReenrollAt: before, NewAt: after, Due: due})
			}
		}
		if dryRun {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET title = $1, owner_group_id = $2, validity_months = $3, reenroll_days_before = $4,
			expiry_base = $5, fixed_month = $6, fixed_day = $7 WHERE id = $8`,
			c.Title, c.OwnerGroupID, c.ValidityMonths, c.ReenrollDaysBefore, c.ExpiryBase, c.FixedMonth, c.FixedDay, id); err != nil {
			return err
		}
		if !slices.Equal(c.ReminderDays, old.ReminderDays) || (c.ReminderDays == nil) != (old.ReminderDays == nil) {
			var reminders any // NULL: the default (SPEC §7)
			if c.ReminderDays != nil {
				raw, _ := json.Marshal(c.ReminderDays)
				reminders = string(raw)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE certificates SET reminder_days = $1 WHERE id = $2`, reminders, id); err != nil {
				return err
			}
		}
		// the trees cached by version hold the certificate's rules (trees.go)
		if _, err := tx.ExecContext(ctx, `UPDATE trainings SET version = version + 1
			WHERE id IN (SELECT training_id FROM training_certificates WHERE certificate_id = $1)`, id); err != nil {
			return err
		}
		return tx.applyExpiryChanges(ctx, id, out.Expirations)
	})
	if err != nil {
		return nil, err
	}
	if out.Certificate.ReminderDays == nil { // stored as NULL: the default (SPEC §7)
		out.Certificate.ReminderDays = slices.Clone(skillpath.DefaultReminderDays)
	}
	return out, nil
}

// chainAward is a delivered certificate as the rules see it.
type chainAward struct {
	ID, EnrollmentID, UserID skillpath.ID
	Name                     string
	DeliveredAt              time.Time
	ExpiresAt                *time.Time
	PreviousAwardID          *skillpath.ID
	Extended                 bool // expiry set by hand: kept
	Displayed                bool // live enrollment and not revoked: the rules apply to it
}

// certificateAwards reads every delivery of a certificate in delivery
// order, so that the certificate each renews (previous_award_id, fixed at
// delivery) comes before it.
func (tx *Tx) certificateAwards(ctx context.Context, certificateID skillpath.ID) ([]chainAward, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.enrollment_id, a.user_id, u.name, a.delivered_at, a.expires_at, a.previous_award_id,
			a.extended_at IS NOT NULL, e.deleted_at IS NULL AND a.revoked_at IS NULL
		FROM awards a JOIN enrollments e ON e.id = a.enrollment_id JOIN users u ON u.id = a.user_id
		WHERE a.certificate_id = $1
		ORDER BY a.delivered_at, a.id`, certificateID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []chainAward
	for rows.Next() {
		var a chainAward
		var delivered int64
		var expires, previous sql.NullInt64
		if err := rows.Scan(&a.ID, &a.EnrollmentID, &a.UserID, &a.Name, &delivered, &expires, &previous, &a.Extended, &a.Displayed); err != nil {
			return nil, err
		}
		a.DeliveredAt, a.ExpiresAt, a.PreviousAwardID = fromMillis(delivered), timePtr(expires), idPtr(previous)
		list = append(list, a)
	}
	return list, rows.Err()
}

// learnerExpiry is a learner's newest displayed delivery's expiry, as
// stored and under the rules.
type learnerExpiry struct {
	UserID    skillpath.ID
	Name      string
	Old, New  *time.Time
	delivered time.Time
}

// applyRules computes each displayed, unrevoked delivery's expiration
// under r from the delivery it renews (its expiration as the rules make
// it), keeping expiries set by hand and leaving deleted or revoked
// deliveries as history. It returns the deliveries whose expiry or link
// differs from what is stored — a link must name an earlier delivery of
// the same certificate to the same learner, else it is dropped — and each
// learner's newest expiry before and after, by user.
func applyRules(list []chainAward, r status.Rules, zone *time.Location) ([]ExpiryChange, []*learnerExpiry) {
	expiry := make(map[skillpath.ID]*time.Time, len(list))
	owner := make(map[skillpath.ID]skillpath.ID, len(list))
	newest := map[skillpath.ID]*learnerExpiry{}
	var order []*learnerExpiry
	changes := []ExpiryChange{}
	for _, a := range list {
		owner[a.ID] = a.UserID
		if !a.Displayed {
			expiry[a.ID] = a.ExpiresAt
			continue
		}
		link := a.PreviousAwardID
		var previous *time.Time
		if link != nil {
			e, seen := expiry[*link]
			if !seen || owner[*link] != a.UserID {
				link = nil // not an earlier delivery to this learner
			} else {
				previous = e
			}
		}
		expires := a.ExpiresAt
		if !a.Extended {
			expires = status.Expires(r, a.DeliveredAt, previous, zone)
		}
		expiry[a.ID] = expires
		if !sameTime(expires, a.ExpiresAt) || !sameID(link, a.PreviousAwardID) {
			changes = append(changes, ExpiryChange{AwardID: a.ID, EnrollmentID: a.EnrollmentID, UserID: a.UserID, Name: a.Name,
				DeliveredAt: a.DeliveredAt, ExpiresAt: a.ExpiresAt, NewExpiresAt: expires, PreviousAwardID: link})
		}
		l := newest[a.UserID]
		if l == nil {
			l = &learnerExpiry{UserID: a.UserID, Name: a.Name}
			newest[a.UserID] = l
			order = append(order, l)
		}
		l.Old, l.New, l.delivered = a.ExpiresAt, expires, a.DeliveredAt
	}
	return changes, order
}

func sameID(a, b *skillpath.ID) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// reenrollAt is when a learner holding a certificate expiring at expires is
// enrolled again under r.
func reenrollAt(expires *time.Time, r status.Rules, defaultLead time.Duration) *time.Time {
	if expires == nil {
		return nil
	}
	t := expires.Add(-status.ReenrollLead(r, defaultLead))
	return &t
}

// autoReenrolled are the learners the sweep watches for the certificate
// (reenrollQuery's candidates, whatever the expiry): live, with a live
// enrollment in an unarchived auto_reenroll session holding an unrevoked
// delivery of it, the latest there and not followed by a re-enrollment.
func (tx *Tx) autoReenrolled(ctx context.Context, certificateID skillpath.ID) (map[skillpath.ID]bool, error) {
	ids, err := queryIDs(ctx, tx, `SELECT DISTINCT e.user_id FROM enrollments e
		JOIN sessions s ON s.id = e.session_id
		JOIN users u ON u.id = e.user_id
		JOIN awards a ON a.enrollment_id = e.id AND a.certificate_id = $1 AND a.revoked_at IS NULL
		WHERE e.deleted_at IS NULL AND u.deleted_at IS NULL AND s.auto_reenroll = TRUE AND s.archived_at IS NULL AND s.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM enrollments later WHERE later.session_id = e.session_id AND later.user_id = e.user_id
			AND later.id > e.id AND later.deleted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM enrollments next WHERE next.reenrolled_from = e.id)`, certificateID)
	out := map[skillpath.ID]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// AwardMismatch is a delivered certificate whose stored expiry or link
// differs from what its certificate's rules compute.
type AwardMismatch = ExpiryChange

// CheckAwards proves every displayed, unrevoked delivered certificate's
// stored expiration against its certificate's rules, from the delivery it
// renews, and that this link names an earlier delivery of the same
// certificate to the same learner (SPEC §9; skillpath recompute --check),
// changing nothing. An expiry set by hand is kept as it is.
func (s *Store) CheckAwards(ctx context.Context) ([]AwardMismatch, error) {
	list, err := s.ListCertificates(ctx)
	if err != nil {
		return nil, err
	}
	var out []AwardMismatch
	for _, c := range list {
		err := s.read(ctx, func(tx *Tx) error {
			list, err := tx.certificateAwards(ctx, c.ID)
			if err != nil {
				return err
			}
			changes, _ := applyRules(list, rules(c), tx.store.Zone)
			out = append(out, changes...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applyExpiryChanges writes what applyRules found and brings the
// certificate's statistics rows in step.
func (tx *Tx) applyExpiryChanges(ctx context.Context, certificateID skillpath.ID, changes []ExpiryChange) error {
	for _, ch := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET expires_at = $1, previous_award_id = $2 WHERE id = $3`,
			nullMillis(ch.NewExpiresAt), ch.PreviousAwardID, ch.AwardID); err != nil {
			return err
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return tx.relinkCertificates(ctx, []skillpath.ID{certificateID})
}

// repairAwards applies every certificate's rules to its deliveries, as
// CheckAwards proves them: the last step of Recompute.
func (s *Store) repairAwards(ctx context.Context) error {
	list, err := s.ListCertificates(ctx)
	if err != nil {
		return err
	}
	for _, c := range list {
		err := s.write(ctx, func(tx *Tx) error {
			awards, err := tx.certificateAwards(ctx, c.ID)
			if err != nil {
				return err
			}
			changes, _ := applyRules(awards, rules(c), tx.store.Zone)
			return tx.applyExpiryChanges(ctx, c.ID, changes)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
