package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"skillpath"
)

// Attachment is an image or PDF an author uploaded to a training, linked
// from the Markdown body of its content activities (issue 18).
type Attachment struct {
	ID          skillpath.ID `json:"id"`
	TrainingID  skillpath.ID `json:"training_id"`
	Name        string       `json:"name"`
	ContentType string       `json:"content_type"`
	Size        int64        `json:"size"` // bytes
	UploadedAt  time.Time    `json:"uploaded_at"`
	// URL is where the pages serve it, the address a body links:
	// /trainings/{training_id}/attachments/{id}.
	URL  string `json:"url"`
	Data []byte `json:"-"`
}

func (a *Attachment) setURL() {
	a.URL = "/trainings/" + a.TrainingID.String() + "/attachments/" + a.ID.String()
}

// AddAttachment stores a for its training, uploaded by by, and fills its
// id, upload time and URL. The caller has checked the name, type and size.
// Returns ENOTFOUND for an unknown training.
func (s *Store) AddAttachment(ctx context.Context, a *Attachment, by skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM trainings WHERE id = $1`, a.TrainingID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", a.TrainingID)
		} else if err != nil {
			return err
		}
		a.Size, a.UploadedAt = int64(len(a.Data)), tx.now
		id, err := tx.insert(ctx, `INSERT INTO attachments (training_id, name, content_type, size, data, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.TrainingID, a.Name, a.ContentType, a.Size, a.Data, by, millis(tx.now))
		if err != nil {
			return err
		}
		a.ID = skillpath.ID(id)
		a.setURL()
		return nil
	})
}

// ReadAttachment returns attachment id of training trainingID with its
// bytes, if caller may see the training: a platform admin, one of its
// authors or instructors, or a learner with a live enrollment in it.
// Returns ENOTFOUND otherwise, as for an unknown attachment, so that an
// attachment's existence is not told to those who may not see it.
func (s *Store) ReadAttachment(ctx context.Context, caller *skillpath.User, trainingID, id skillpath.ID) (*Attachment, error) {
	notFound := skillpath.Errorf(skillpath.ENOTFOUND, "attachment %s not found", id)
	ok := caller.PlatformAdmin
	if !ok {
		a, err := s.Access(ctx, caller, 0, trainingID)
		if err != nil {
			return nil, err
		}
		ok = a.Author || a.Instructor
	}
	if !ok {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM enrollments WHERE training_id = $1 AND user_id = $2 AND deleted_at IS NULL LIMIT 1`,
			trainingID, caller.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound
		} else if err != nil {
			return nil, err
		}
	}
	a := &Attachment{ID: id, TrainingID: trainingID}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT name, content_type, size, data, uploaded_at FROM attachments WHERE id = $1 AND training_id = $2`,
		id, trainingID).Scan(&a.Name, &a.ContentType, &a.Size, &a.Data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	a.UploadedAt = fromMillis(at)
	a.setURL()
	return a, nil
}

// ListAttachments returns the attachments of a training without their
// bytes, oldest first, for the editor of its platform admins and authors
// (the caller checks access).
func (s *Store) ListAttachments(ctx context.Context, trainingID skillpath.ID) ([]*Attachment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, content_type, size, uploaded_at FROM attachments WHERE training_id = $1 ORDER BY id`, trainingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Attachment
	for rows.Next() {
		a := &Attachment{TrainingID: trainingID}
		var at int64
		if err := rows.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &at); err != nil {
			return nil, err
		}
		a.UploadedAt = fromMillis(at)
		a.setURL()
		list = append(list, a)
	}
	return list, rows.Err()
}
