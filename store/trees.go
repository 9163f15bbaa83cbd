package store

import (
	"context"
	"sync"

	"skillpath"
)

// Training definitions — a training's row, links, modules, activities and
// the certificates it grants — change only when the training is edited or
// published, and every learner action needs one. They are cached in memory
// by training and version: trainings.version goes up in the transaction of
// every change to the tree (UpdateTraining, PublishTraining), and each
// transaction reads the version and takes the cached tree only when the
// versions match, so a change made by another process is seen at once.
// A change of a certificate (UpdateCertificate: its rules are part of the
// definition) raises the version of the trainings that grant it.

// treeCache holds the newest definition read of each training.
type treeCache struct {
	mu   sync.RWMutex
	defs map[skillpath.ID]*trainingDef
}

func (c *treeCache) get(id skillpath.ID, version int64) *trainingDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if d := c.defs[id]; d != nil && d.version == version {
		return d
	}
	return nil
}

// keep caches definitions read by a committed transaction (one rolled back
// may have read a tree it was changing).
func (c *treeCache) keep(defs []*trainingDef) {
	if len(defs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.defs == nil {
		c.defs = map[skillpath.ID]*trainingDef{}
	}
	for _, d := range defs {
		if old := c.defs[d.ID]; old == nil || old.version < d.version {
			c.defs[d.ID] = d
		}
	}
}

var qTrainingVersion = prepare(`SELECT version FROM trainings WHERE id = $1`)

// trainingDef gives a training's definition: from the transaction, from
// the cache when its version is current, or read. Returns ENOTFOUND for an
// unknown training. The definition is shared: never change it.
func (tx *Tx) trainingDef(ctx context.Context, id skillpath.ID) (*trainingDef, error) {
	if d, ok := tx.defs[id]; ok {
		return d, nil
	}
	var version int64
	err := tx.stmt(ctx, qTrainingVersion).QueryRowContext(ctx, id).Scan(&version)
	if errNoRows(err) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", id)
	} else if err != nil {
		return nil, err
	}
	return tx.trainingDefAt(ctx, id, version)
}

// trainingDefAt is trainingDef for a version this transaction has read.
func (tx *Tx) trainingDefAt(ctx context.Context, id skillpath.ID, version int64) (*trainingDef, error) {
	if d, ok := tx.defs[id]; ok {
		return d, nil
	}
	d := tx.store.trees.get(id, version)
	if d == nil {
		var err error
		if d, err = tx.readTrainingDef(ctx, id); err != nil {
			return nil, err
		}
		// On PostgreSQL each statement sees the latest commit: cache the
		// tree only if no edit came between the version and the tree.
		var after int64
		if err := tx.stmt(ctx, qTrainingVersion).QueryRowContext(ctx, id).Scan(&after); err != nil {
			return nil, err
		}
		d.version = after
		if after == version {
			tx.loadedDefs = append(tx.loadedDefs, d)
		}
	}
	if tx.defs == nil {
		tx.defs = map[skillpath.ID]*trainingDef{}
	}
	tx.defs[id] = d
	return d, nil
}

// readTrainingDef reads a training's tree and the certificates it grants.
func (tx *Tx) readTrainingDef(ctx context.Context, id skillpath.ID) (*trainingDef, error) {
	t, err := tx.findTraining(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &trainingDef{Training: t}
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.title, c.owner_group_id, c.validity_months, c.reenroll_days_before, c.expiry_base, c.fixed_month, c.fixed_day, c.reminder_days FROM certificates c
		JOIN training_certificates tc ON tc.certificate_id = c.id WHERE tc.training_id = $1 ORDER BY c.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		d.certificates = append(d.certificates, c)
	}
	return d, rows.Err()
}
