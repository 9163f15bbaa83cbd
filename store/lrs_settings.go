package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"skillpath"
)

// LRSInput is a change to a training's draft results tracking settings.
// Password nil keeps the stored one, unless Endpoint changes: the password
// is bound to its endpoint and dropped then (SPEC §4); "" removes it.
type LRSInput struct {
	Endpoint string
	Login    string
	Password *string
	Verbs    []skillpath.Verb
}

// LRSView is a training's results tracking as admins see it (SPEC §4): the
// draft they edit, at the top level, and what is live — applied to learning
// events since the training was last published. Passwords never appear.
type LRSView struct {
	TrainingID skillpath.ID `json:"training_id"`
	skillpath.LRSSettings
	Live *skillpath.LRSSettings `json:"live"`
	// UnpublishedChanges is true when the draft differs from what is live:
	// publishing the training would change what is sent.
	UnpublishedChanges bool `json:"unpublished_changes"`
	// PasswordChanged is true when the draft's password is not the live
	// one (set, removed or replaced), which PasswordSet alone cannot say.
	PasswordChanged bool `json:"-"`
	// PasswordDropped is true when this save removed the stored password
	// because the endpoint changed without a password given again.
	PasswordDropped bool       `json:"-"`
	UpdatedAt       time.Time  `json:"updated_at"`
	PublishedAt     *time.Time `json:"published_at"`
}

// passwordContext binds a sealed LRS password to its training.
func passwordContext(trainingID skillpath.ID) string {
	return "lrs password of training " + trainingID.String()
}

// SetLRSDraft saves the draft results tracking settings of a training; they
// apply once the training is published. Returns ENOTFOUND for an unknown
// training, EINVALID for bad settings, and EUNPROCESSABLE for a password
// when no SKILLPATH_SECRET_KEY is configured to encrypt it.
func (s *Store) SetLRSDraft(ctx context.Context, trainingID skillpath.ID, in LRSInput) (*LRSView, error) {
	set := skillpath.LRSSettings{Endpoint: in.Endpoint, Login: in.Login, Verbs: in.Verbs}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	if in.Password != nil {
		if err := skillpath.ValidateLRSPassword(*in.Password); err != nil {
			return nil, err
		}
		if *in.Password != "" && s.Secrets == nil {
			return nil, skillpath.Errorf(skillpath.EUNPROCESSABLE,
				"password: this server has no SKILLPATH_SECRET_KEY to encrypt LRS passwords with; ask the operator to set one")
		}
	}
	var view *LRSView
	err := s.write(ctx, func(tx *Tx) error {
		if err := tx.trainingExists(ctx, trainingID); err != nil {
			return err
		}
		stored, storedEndpoint := "", ""
		if err := tx.QueryRowContext(ctx, `SELECT draft_password, draft_endpoint FROM lrs_settings WHERE training_id = $1`, trainingID).
			Scan(&stored, &storedEndpoint); err != nil && !errNoRows(err) {
			return err
		}
		// SPEC §4: a stored password is bound to its endpoint. Whoever
		// moves the endpoint must give the password again, or none is
		// sent: an author cannot send the customer's password elsewhere.
		passwordDropped := false
		if in.Password == nil && stored != "" && !sameEndpoint(storedEndpoint, set.Endpoint) {
			stored, passwordDropped = "", true
		}
		if in.Password != nil {
			stored = ""
			if *in.Password != "" {
				stored = s.Secrets.Seal(*in.Password, passwordContext(trainingID))
			}
		}
		if stored != "" && set.Login == "" {
			return skillpath.Invalid("login", "is required when a password is set (HTTP Basic auth)")
		}
		verbs, err := json.Marshal(set.Verbs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lrs_settings (training_id, draft_endpoint, draft_login, draft_password, draft_verbs, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (training_id) DO UPDATE SET draft_endpoint = $2, draft_login = $3, draft_password = $4, draft_verbs = $5, updated_at = $6`,
			trainingID, set.Endpoint, set.Login, stored, string(verbs), millis(tx.now)); err != nil {
			return fmt.Errorf("save LRS settings: %w", err)
		}
		view, err = tx.lrsView(ctx, trainingID)
		if view != nil {
			view.PasswordDropped = passwordDropped
		}
		return err
	})
	return view, err
}

// sameEndpoint reports whether two endpoints are one: equal but for
// trailing slashes.
func sameEndpoint(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// LRSSettings returns a training's results tracking settings. Returns
// ENOTFOUND for an unknown training or one never configured.
func (s *Store) LRSSettings(ctx context.Context, trainingID skillpath.ID) (*LRSView, error) {
	var view *LRSView
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		view, err = tx.lrsView(ctx, trainingID)
		return err
	})
	return view, err
}

func (tx *Tx) lrsView(ctx context.Context, trainingID skillpath.ID) (*LRSView, error) {
	v := &LRSView{TrainingID: trainingID}
	var row lrsRow
	var updated int64
	var published sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT `+lrsColumns+`, updated_at, published_at FROM lrs_settings WHERE training_id = $1`, trainingID).
		Scan(append(row.dest(), &updated, &published)...)
	if errNoRows(err) {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "training %s has no results tracking settings: PUT them first", trainingID)
	} else if err != nil {
		return nil, err
	}
	if v.LRSSettings, v.Live, v.UnpublishedChanges, err = row.settings(); err != nil {
		return nil, err
	}
	v.PasswordChanged = row.draftPassword.String != row.livePassword.String
	v.UpdatedAt, v.PublishedAt = fromMillis(updated), timePtr(published)
	return v, nil
}

// lrsColumns are the columns of lrs_settings that lrsRow scans.
const lrsColumns = `draft_endpoint, draft_login, draft_password, draft_verbs, live_endpoint, live_login, live_password, live_verbs`

// lrsRow is one training's results tracking as stored: the draft, and what
// is live (NULL until the first publish).
type lrsRow struct {
	draftEndpoint, draftLogin, draftPassword, draftVerbs sql.NullString
	liveEndpoint, liveLogin, livePassword, liveVerbs     sql.NullString
}

func (r *lrsRow) dest() []any {
	return []any{&r.draftEndpoint, &r.draftLogin, &r.draftPassword, &r.draftVerbs, &r.liveEndpoint, &r.liveLogin, &r.livePassword, &r.liveVerbs}
}

// settings returns the draft and the live settings (nil until published),
// without passwords, and whether publishing would change what is sent:
// the one rule of "the draft differs from what is live".
func (r *lrsRow) settings() (draft skillpath.LRSSettings, live *skillpath.LRSSettings, unpublished bool, err error) {
	draft = skillpath.LRSSettings{Endpoint: r.draftEndpoint.String, Login: r.draftLogin.String, PasswordSet: r.draftPassword.String != ""}
	if draft.Verbs, err = parseVerbs(r.draftVerbs.String); err != nil {
		return draft, nil, false, err
	}
	if r.liveEndpoint.Valid {
		live = &skillpath.LRSSettings{Endpoint: r.liveEndpoint.String, Login: r.liveLogin.String, PasswordSet: r.livePassword.String != ""}
		if live.Verbs, err = parseVerbs(r.liveVerbs.String); err != nil {
			return draft, nil, false, err
		}
	}
	unpublished = live == nil || draft.Endpoint != live.Endpoint || draft.Login != live.Login ||
		r.draftPassword.String != r.livePassword.String || !slices.Equal(draft.Verbs, live.Verbs)
	return draft, live, unpublished, nil
}

func parseVerbs(text string) ([]skillpath.Verb, error) {
	verbs := []skillpath.Verb{}
	if err := json.Unmarshal([]byte(text), &verbs); err != nil {
		return nil, fmt.Errorf("stored LRS verbs %q: %w", text, err)
	}
	return verbs, nil
}

// PublishTraining publishes a training: its draft results tracking settings
// become live and apply to the learning events that follow (SPEC §4:
// "changes apply only when the training is (re)published"). Returns
// ENOTFOUND for an unknown training.
func (s *Store) PublishTraining(ctx context.Context, id skillpath.ID) (*skillpath.Training, error) {
	var t *skillpath.Training
	err := s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE trainings SET published_at = $1, version = version + 1 WHERE id = $2`, millis(tx.now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", id)
		}
		res, err = tx.ExecContext(ctx, `UPDATE lrs_settings SET live_endpoint = draft_endpoint, live_login = draft_login,
			live_password = draft_password, live_verbs = draft_verbs, published_at = $1 WHERE training_id = $2`, millis(tx.now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO lrs_queues (training_id) VALUES ($1) ON CONFLICT (training_id) DO NOTHING`, id); err != nil {
				return err
			}
		}
		t, err = tx.findTraining(ctx, id)
		return err
	})
	return t, err
}

// CheckLRSSecrets verifies at start-up that the configured key (Secrets)
// opens every stored LRS password, so that a missing or wrong
// SKILLPATH_SECRET_KEY stops the server with a clear message instead of
// failing every delivery later.
func (s *Store) CheckLRSSecrets(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT training_id, draft_password, COALESCE(live_password, '') FROM lrs_settings
		WHERE draft_password <> '' OR COALESCE(live_password, '') <> '' ORDER BY training_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id skillpath.ID
		var draft, live string
		if err := rows.Scan(&id, &draft, &live); err != nil {
			return err
		}
		if s.Secrets == nil {
			return fmt.Errorf("results tracking of training %s stores an LRS password: set SKILLPATH_SECRET_KEY to the key it was saved with", id)
		}
		for _, sealed := range []string{draft, live} {
			if sealed == "" {
				continue
			}
			if _, err := s.Secrets.Open(sealed, passwordContext(id)); err != nil {
				return fmt.Errorf("the secret key does not open the LRS password of training %s: set SKILLPATH_SECRET_KEY to the key it was saved with", id)
			}
		}
	}
	return rows.Err()
}

// openPassword decrypts a stored LRS password ("" when none).
func (s *Store) openPassword(trainingID skillpath.ID, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if s.Secrets == nil {
		return "", fmt.Errorf("no SKILLPATH_SECRET_KEY to open the LRS password of training %s", trainingID)
	}
	return s.Secrets.Open(sealed, passwordContext(trainingID))
}

// trainingExists returns ENOTFOUND unless the training exists.
func (tx *Tx) trainingExists(ctx context.Context, id skillpath.ID) error {
	var found skillpath.ID
	err := tx.QueryRowContext(ctx, `SELECT id FROM trainings WHERE id = $1`, id).Scan(&found)
	if errNoRows(err) {
		return skillpath.Errorf(skillpath.ENOTFOUND, "training %s not found", id)
	}
	return err
}
