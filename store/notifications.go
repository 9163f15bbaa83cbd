package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"skillpath"
	"skillpath/status"
)

// Notifications (SPEC §7, issue 16). An event that tells someone — a
// delivered certificate, an approval, a re-enrollment, an answer awaiting
// scoring, and the sweep's reminders and digests — adds notes to its
// transaction; recordNotes writes them to the notifications outbox before
// the commit, each under a unique key (recipient, reason, subject, due
// date) so that nothing is written twice, whichever process or sweep
// writes it. A worker (package notify) sends them.

// Channels of the notifications outbox.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// note is one notification waiting for its transaction's commit.
type note struct {
	key     string
	channel string
	reason  string
	userID  skillpath.ID // email: the recipient
	hookID  skillpath.ID // webhook
	url     string       // webhook
	mail    *skillpath.MailData
	body    []byte // webhook: the JSON body
}

// hookSub is a live webhook subscription.
type hookSub struct {
	id     skillpath.ID
	url    string
	events []skillpath.WebhookEvent
}

// email adds an email to userID for reason about subject, due on due ("" for
// a one-off event).
func (tx *Tx) email(userID skillpath.ID, subject, due string, data skillpath.MailData) {
	if !tx.store.Mail {
		return // without an SMTP server nothing is sent and nothing is kept (SPEC §7)
	}
	key := skillpath.NotificationKey("user:"+userID.String(), string(data.Reason), subject, due)
	tx.notes = append(tx.notes, note{key: key, channel: ChannelEmail, reason: string(data.Reason), userID: userID, mail: &data})
}

// qLiveWebhooks reads the live subscriptions: once in a transaction with
// an event, on the learning pass too, so it is a declared statement.
var qLiveWebhooks = prepare(`SELECT id, url, events FROM webhooks WHERE deleted_at IS NULL ORDER BY id`)

// webhookEvent adds a call to every live webhook subscribed to event. id
// names the event (with its type, the key of each call) and data is its
// body's "data"; the body's timestamp is the transaction's time.
func (tx *Tx) webhookEvent(ctx context.Context, event skillpath.WebhookEvent, id string, data any) error {
	if err := tx.loadHooks(ctx); err != nil {
		return err
	}
	var body []byte
	for _, h := range tx.hooks {
		if !slices.Contains(h.events, event) {
			continue
		}
		if body == nil {
			var err error
			body, err = json.Marshal(map[string]any{"type": event, "timestamp": tx.now, "data": data})
			if err != nil {
				return err
			}
		}
		key := skillpath.NotificationKey("webhook:"+h.id.String(), string(event), id, "")
		tx.notes = append(tx.notes, note{key: key, channel: ChannelWebhook, reason: string(event), hookID: h.id, url: h.url, body: body})
	}
	return nil
}

// loadHooks reads the live subscriptions once in the transaction.
func (tx *Tx) loadHooks(ctx context.Context) error {
	if tx.hooksLoaded {
		return nil
	}
	rows, err := tx.stmt(ctx, qLiveWebhooks).QueryContext(ctx)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h hookSub
		var events string
		if err := rows.Scan(&h.id, &h.url, &events); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(events), &h.events); err != nil {
			return fmt.Errorf("webhook %s events: %w", h.id, err)
		}
		tx.hooks = append(tx.hooks, h)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	tx.hooksLoaded = true
	return nil
}

// subscribed reports whether a live webhook subscribes to event.
func (tx *Tx) subscribed(ctx context.Context, event skillpath.WebhookEvent) (bool, error) {
	if err := tx.loadHooks(ctx); err != nil {
		return false, err
	}
	return slices.ContainsFunc(tx.hooks, func(h hookSub) bool { return slices.Contains(h.events, event) }), nil
}

// notifyColumns is how many values one notifications row takes.
const notifyColumns = 10

// recordNotes writes the transaction's notes to the outbox: emails to
// deleted users are dropped (SPEC §7), the others get the recipient's
// address and name; a key already written is skipped.
func (tx *Tx) recordNotes(ctx context.Context) error {
	var ids []skillpath.ID
	for _, n := range tx.notes {
		if n.channel == ChannelEmail {
			ids = append(ids, n.userID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	type person struct{ email, name string }
	people := map[skillpath.ID]person{}
	for _, chunk := range chunks(ids, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT id, email, name FROM users WHERE deleted_at IS NULL AND id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id skillpath.ID
			var p person
			if err := rows.Scan(&id, &p.email, &p.name); err != nil {
				rows.Close()
				return err
			}
			people[id] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	due := millis(tx.store.Wall())
	type row struct {
		key, channel, reason string
		user, hook           any
		recipient, payload   string
	}
	var rowsOut []row
	seen := map[string]bool{}
	for _, n := range tx.notes {
		if seen[n.key] {
			continue
		}
		seen[n.key] = true
		switch n.channel {
		case ChannelEmail:
			p, ok := people[n.userID]
			if !ok {
				continue
			}
			n.mail.Name = p.name
			raw, err := json.Marshal(n.mail)
			if err != nil {
				return err
			}
			rowsOut = append(rowsOut, row{n.key, n.channel, n.reason, n.userID, nil, p.email, string(raw)})
		case ChannelWebhook:
			rowsOut = append(rowsOut, row{n.key, n.channel, n.reason, nil, n.hookID, n.url, string(n.body)})
		}
	}
	tx.notes = nil
	for _, chunk := range chunks(rowsOut, batchSize/notifyColumns) {
		values := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*notifyColumns)
		for i, r := range chunk {
			n := i * notifyColumns
			values[i] = fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d, 'pending', $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			args = append(args, r.key, r.channel, r.reason, r.user, r.hook, r.recipient, r.payload, due, millis(tx.now), 0)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO notifications (dedupe_key, channel, reason, user_id, webhook_id, recipient, payload, state, next_attempt_at, created_at, attempts)
			VALUES `+strings.Join(values, ", ")+` ON CONFLICT (dedupe_key) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("write the notifications outbox: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			tx.notesWritten = true
			tx.notesCount += int(n)
		}
	}
	return nil
}

// signalNotify wakes a waiting notifications worker of this process.
func (s *Store) signalNotify() {
	select {
	case s.notifyReady <- struct{}{}:
	default:
	}
}

// NotifyReady is signalled after a commit wrote notifications, so that a
// worker of this process sends them at once; workers poll for the rest.
func (s *Store) NotifyReady() <-chan struct{} { return s.notifyReady }

// --- events -------------------------------------------------------------

// enrollmentData is the "data" of enrollment.* webhook events.
func enrollmentData(e *enrollmentRow, st status.Training) map[string]any {
	return map[string]any{"enrollment_id": e.ID.String(), "user_id": e.UserID.String(), "session_id": e.SessionID.String(),
		"training_id": e.TrainingID.String(), "status": st, "auto_reenrolled": e.AutoReenrolled}
}

// noteEnrollmentCreated tells webhooks of a new enrollment.
func (tx *Tx) noteEnrollmentCreated(ctx context.Context, e *enrollmentRow) error {
	return tx.webhookEvent(ctx, skillpath.EventEnrollmentCreated, e.ID.String(), enrollmentData(e, e.Status))
}

// noteStatusChanged tells webhooks that an enrollment's status changed.
func (tx *Tx) noteStatusChanged(ctx context.Context, e *enrollmentRow, from, to status.Training) error {
	data := enrollmentData(e, to)
	data["previous_status"] = from
	return tx.webhookEvent(ctx, skillpath.EventEnrollmentStatusChanged, e.ID.String()+":"+uuid.NewString(), data)
}

// noteDelivered tells the learner and webhooks that a certificate was
// delivered in an enrollment.
func (tx *Tx) noteDelivered(ctx context.Context, def *trainingDef, e *enrollmentRow, c *skillpath.Certificate, expires *time.Time) error {
	subject := "enrollment:" + e.ID.String() + ":certificate:" + c.ID.String()
	tx.email(e.UserID, subject, "", skillpath.MailData{Reason: skillpath.ReasonDelivered, Certificate: c.Title, Training: def.Title,
		EnrollmentID: e.ID, DeliveredAt: &tx.now, ExpiresAt: expires})
	return tx.webhookEvent(ctx, skillpath.EventCertificateDelivered, subject, map[string]any{
		"certificate_id": c.ID.String(), "certificate": c.Title, "user_id": e.UserID.String(), "enrollment_id": e.ID.String(),
		"delivered_at": tx.now, "expires_at": expires})
}

// noteApproved tells the learner their self-enrollment was approved.
func (tx *Tx) noteApproved(def *trainingDef, e *enrollmentRow) {
	tx.email(e.UserID, "enrollment:"+e.ID.String(), "", skillpath.MailData{Reason: skillpath.ReasonApproved, Training: def.Title, EnrollmentID: e.ID})
}

// NoteRefused tells the learner of enrollment e, in the refusal's
// transaction, that their self-enrollment in the training was refused
// (SPEC §6–7). For the refusal of issue 14/15 to call before it deletes
// the enrollment.
func (tx *Tx) NoteRefused(userID, enrollmentID skillpath.ID, training string) {
	tx.email(userID, "enrollment:"+enrollmentID.String(), "", skillpath.MailData{Reason: skillpath.ReasonRefused, Training: training, EnrollmentID: enrollmentID})
}

// noteReenrolled tells learners and webhooks of automatic re-enrollments,
// in the sweep's transaction.
func (tx *Tx) noteReenrolled(ctx context.Context, ids []skillpath.ID) error {
	for _, chunk := range chunks(ids, batchSize) {
		in, args := inList(chunk, 1)
		rows, err := tx.QueryContext(ctx, `SELECT `+enrollmentColumns+`, t.title, s.name FROM enrollments e
			JOIN trainings t ON t.id = e.training_id JOIN sessions s ON s.id = e.session_id WHERE e.id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		type re struct {
			e               *enrollmentRow
			training, sname string
		}
		var list []re
		for rows.Next() {
			var r re
			if r.e, err = scanEnrollment(rows, &r.training, &r.sname); err != nil {
				rows.Close()
				return err
			}
			list = append(list, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range list {
			tx.email(r.e.UserID, "enrollment:"+r.e.ID.String(), "", skillpath.MailData{Reason: skillpath.ReasonReenrolled,
				Training: r.training, Session: r.sname, EnrollmentID: r.e.ID})
			if err := tx.noteEnrollmentCreated(ctx, r.e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ScoringInterval is the least time between two "answers await your
// scoring" emails to one instructor (SPEC §7: at most one an hour).
const ScoringInterval = time.Hour

// noteScoring tells the training's instructors that an answer awaits their
// scoring: one email an hour at most to each — one written in the last
// hour keeps another from being written, and the key's hour keeps two
// processes from writing one each.
func (tx *Tx) noteScoring(ctx context.Context, def *trainingDef, e *enrollmentRow) error {
	if !tx.store.Mail {
		return nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT ts.user_id FROM training_staff ts WHERE ts.training_id = $1 AND ts.role = 'instructor'
		AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = ts.user_id AND n.reason = 'scoring' AND n.created_at > $2)
		ORDER BY ts.user_id`, def.ID, millis(tx.now.Add(-ScoringInterval)))
	if err != nil {
		return err
	}
	hour := tx.now.Truncate(time.Hour).Format("2006-01-02T15")
	for _, id := range ids {
		tx.email(id, "scoring", hour, skillpath.MailData{Reason: skillpath.ReasonScoring, Training: def.Title, EnrollmentID: e.ID})
	}
	return nil
}

// --- the sweep ----------------------------------------------------------

// NotifySweepResult is what one notification sweep wrote.
type NotifySweepResult struct {
	Considered int // learners' certificates read in the reminder window
	Written    int // notifications written (emails and webhook calls)
}

// NotifySweep writes, in one transaction, the notifications that time
// makes due (SPEC §7): each learner's reminders before a certificate
// expires (its reminder_days) and the notice of the day it expires, the
// webhooks' certificate.expiring_soon (30 days before) and
// certificate.expired, and on Mondays from 08:00 platform time the weekly
// digest to the admins and coaches of each group. Only the newest
// certificate a live learner holds in a live enrollment counts. Each
// notification's unique key makes the sweep idempotent: run twice, or by
// two processes at once, it writes each notification once.
func (s *Store) NotifySweep(ctx context.Context) (NotifySweepResult, error) {
	var res NotifySweepResult
	err := s.write(ctx, func(tx *Tx) error {
		res = NotifySweepResult{}
		if err := tx.sweepReminders(ctx, &res); err != nil {
			return err
		}
		if err := tx.sweepDigest(ctx); err != nil {
			return err
		}
		if len(tx.notes) > 0 {
			if err := tx.recordNotes(ctx); err != nil {
				return err
			}
		}
		res.Written = tx.notesCount
		return nil
	})
	return res, err
}

// expiringSoonDays is status.ExpiringSoonWindow in days (SPEC §2).
const expiringSoonDays = int(status.ExpiringSoonWindow / (24 * time.Hour))

func (tx *Tx) sweepReminders(ctx context.Context, res *NotifySweepResult) error {
	days, err := tx.reminderDays(ctx)
	if err != nil {
		return err
	}
	maxDays := expiringSoonDays
	for _, d := range days {
		for _, n := range d {
			maxDays = max(maxDays, n)
		}
	}
	zone := tx.store.Zone
	lo := tx.now.AddDate(0, 0, -skillpath.ExpiryNoticeGrace-2)
	hi := tx.now.AddDate(0, 0, maxDays+2)
	rows, err := tx.QueryContext(ctx, `SELECT cl.user_id, cl.certificate_id, c.title, cl.delivered_at, cl.expires_at FROM certificate_learners cl
		JOIN certificates c ON c.id = cl.certificate_id
		WHERE cl.user_deleted = FALSE AND cl.expires_at > $1 AND cl.expires_at <= $2
		ORDER BY cl.expires_at, cl.certificate_id, cl.user_id`, millis(lo), millis(hi))
	if err != nil {
		return err
	}
	type held struct {
		user, cert         skillpath.ID
		title              string
		delivered, expires time.Time
	}
	var list []held
	for rows.Next() {
		var h held
		var delivered, exp int64
		if err := rows.Scan(&h.user, &h.cert, &h.title, &delivered, &exp); err != nil {
			rows.Close()
			return err
		}
		h.delivered, h.expires = fromMillis(delivered), fromMillis(exp)
		list = append(list, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	res.Considered = len(list)
	for _, h := range list {
		subject := "certificate:" + h.cert.String()
		rd, ok := days[h.cert]
		if !ok {
			rd = skillpath.DefaultReminderDays
		}
		if left, due, ok := skillpath.DueReminder(h.delivered, h.expires, tx.now, rd, zone); ok {
			exp := h.expires
			data := skillpath.MailData{Reason: skillpath.ReasonReminder, Certificate: h.title, ExpiresAt: &exp, DaysBefore: left}
			if left == 0 {
				data.Reason = skillpath.ReasonExpired
			}
			tx.email(h.user, subject, due.Format(time.DateOnly), data)
		}
		hookData := map[string]any{"certificate_id": h.cert.String(), "certificate": h.title, "user_id": h.user.String(), "expires_at": h.expires}
		id := subject + ":user:" + h.user.String() + ":expires:" + strconv.FormatInt(millis(h.expires), 10)
		switch status.CertificationStatus(true, &h.expires, tx.now) { // the rule of SPEC §2, in status/
		case status.CertificationExpired:
			if tx.now.Sub(h.expires) <= skillpath.ExpiryNoticeGrace*24*time.Hour {
				if err := tx.webhookEvent(ctx, skillpath.EventCertificateExpired, id, hookData); err != nil {
					return err
				}
			}
		case status.CertificationExpiringSoon:
			if err := tx.webhookEvent(ctx, skillpath.EventCertificateExpiringSoon, id, hookData); err != nil {
				return err
			}
		}
		if len(tx.notes) >= 5000 {
			if err := tx.recordNotes(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// reminderDays reads the certificates' reminder days that are set; the
// others use skillpath.DefaultReminderDays.
func (tx *Tx) reminderDays(ctx context.Context) (map[skillpath.ID][]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, reminder_days FROM certificates WHERE reminder_days IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[skillpath.ID][]int{}
	for rows.Next() {
		var id skillpath.ID
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		var d []int
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return nil, fmt.Errorf("certificate %s reminder_days: %w", id, err)
		}
		out[id] = d
	}
	return out, rows.Err()
}

// Digest windows (SPEC §7): certificates expiring in the next 30 days or
// expired in the last 7.
const (
	digestAhead  = 30 * 24 * time.Hour
	digestBehind = 7 * 24 * time.Hour
)

// sweepDigest writes the week's digest to each live admin and coach of a
// group whose learners (in the group or its subgroups) hold a certificate
// expiring in the next 30 days or expired in the last 7, once the week's
// slot (Monday 08:00 platform time) has come and for a day after.
func (tx *Tx) sweepDigest(ctx context.Context) error {
	slot := skillpath.DigestSlot(tx.now, tx.store.Zone)
	if tx.now.Sub(slot) >= skillpath.DigestWindow || !tx.store.Mail {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT st.user_id, u.id, u.name, u.email, c.title, cl.expires_at
		FROM group_staff st
		JOIN users su ON su.id = st.user_id AND su.deleted_at IS NULL
		JOIN group_tree gt ON gt.ancestor_id = st.group_id
		JOIN group_members gm ON gm.group_id = gt.descendant_id
		JOIN certificate_learners cl ON cl.user_id = gm.user_id AND cl.user_deleted = FALSE
		JOIN users u ON u.id = cl.user_id
		JOIN certificates c ON c.id = cl.certificate_id
		WHERE st.role IN ('admin', 'coach') AND cl.expires_at > $1 AND cl.expires_at <= $2
		ORDER BY st.user_id, u.name, u.id, c.title, cl.expires_at`, millis(tx.now.Add(-digestBehind)), millis(tx.now.Add(digestAhead)))
	if err != nil {
		return err
	}
	digests := map[skillpath.ID][]skillpath.DigestEntry{}
	var staff []skillpath.ID
	for rows.Next() {
		var to, learner skillpath.ID
		var d skillpath.DigestEntry
		var exp int64
		if err := rows.Scan(&to, &learner, &d.Learner, &d.Email, &d.Certificate, &exp); err != nil {
			rows.Close()
			return err
		}
		d.ExpiresAt = fromMillis(exp)
		d.Expired = !d.ExpiresAt.After(tx.now)
		if _, ok := digests[to]; !ok {
			staff = append(staff, to)
		}
		digests[to] = append(digests[to], d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	week := slot.Format(time.DateOnly)
	for _, to := range staff {
		tx.email(to, "week", week, skillpath.MailData{Reason: skillpath.ReasonDigest, Digest: digests[to]})
	}
	return nil
}

// --- delivery -----------------------------------------------------------

// Notification is one row of the notifications outbox.
type Notification struct {
	ID        int64           `json:"id,string"`
	Channel   string          `json:"channel"`
	Reason    string          `json:"reason"`
	UserID    *skillpath.ID   `json:"user_id"`
	WebhookID *skillpath.ID   `json:"webhook_id"`
	Recipient string          `json:"recipient"`
	State     string          `json:"state"` // pending, sent or failed
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	SentAt    *time.Time      `json:"sent_at"`
	Payload   json.RawMessage `json:"-"`
	// Secret is the webhook's secret, for signing (claims only).
	Secret string `json:"-"`
}

// MarshalJSON answers last_error null when there is none, as sent_at.
func (n Notification) MarshalJSON() ([]byte, error) {
	type plain Notification
	var last *string
	if n.LastError != "" {
		last = &n.LastError
	}
	return json.Marshal(struct {
		plain
		LastError *string `json:"last_error"`
	}{plain(n), last})
}

// NotificationClaim is a batch of due notifications leased to one worker
// until its lease ends; Token fences settling them.
type NotificationClaim struct {
	Token string
	List  []Notification
}

// ClaimNotifications leases up to max due notifications for lease, in one
// short transaction; an empty claim when none is due. On PostgreSQL the
// rows are locked with SKIP LOCKED, so processes claiming at once take
// different rows; if a worker dies, its lease ends and the rows are
// claimed again. Pending rows of users deleted since, and of deleted
// webhooks, fail first: deleted users get nothing.
func (s *Store) ClaimNotifications(ctx context.Context, max int, lease time.Duration) (*NotificationClaim, error) {
	c := &NotificationClaim{Token: uuid.NewString()}
	err := s.write(ctx, func(tx *Tx) error {
		c.List = nil
		now := s.Wall()
		rows, err := tx.QueryContext(ctx, `SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id LIMIT $2`+s.dialect.skipLocked(), millis(now), max)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		in, args := inList(ids, 2)
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET state = 'failed', last_error = $1
			WHERE id IN (`+in+`) AND (EXISTS (SELECT 1 FROM users u WHERE u.id = notifications.user_id AND u.deleted_at IS NOT NULL)
			OR EXISTS (SELECT 1 FROM webhooks w WHERE w.id = notifications.webhook_id AND w.deleted_at IS NOT NULL))`,
			append([]any{"the recipient was deleted: not sent"}, args...)...); err != nil {
			return err
		}
		in, args = inList(ids, 3)
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET claim = $1, next_attempt_at = $2 WHERE state = 'pending' AND id IN (`+in+`)`,
			append([]any{c.Token, millis(now.Add(lease))}, args...)...); err != nil {
			return err
		}
		list, err := tx.listNotifications(ctx, `n.claim = $1 AND n.state = 'pending'`, []any{c.Token}, len(ids), true)
		c.List = list
		return err
	})
	return c, err
}

const notificationColumns = `n.id, n.channel, n.reason, n.user_id, n.webhook_id, n.recipient, n.state, n.attempts, n.last_error, n.created_at, n.sent_at, n.payload`

func (tx *Tx) listNotifications(ctx context.Context, where string, args []any, limit int, secrets bool) ([]Notification, error) {
	cols := notificationColumns
	if secrets {
		cols += `, w.secret`
	} else {
		cols += `, NULL`
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+cols+` FROM notifications n LEFT JOIN webhooks w ON w.id = n.webhook_id
		WHERE `+where+` ORDER BY n.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []Notification{}
	for rows.Next() {
		var n Notification
		var user, hook, sent sql.NullInt64
		var lastErr, secret sql.NullString
		var created int64
		var payload string
		if err := rows.Scan(&n.ID, &n.Channel, &n.Reason, &user, &hook, &n.Recipient, &n.State, &n.Attempts, &lastErr, &created, &sent, &payload, &secret); err != nil {
			return nil, err
		}
		if user.Valid {
			id := skillpath.ID(user.Int64)
			n.UserID = &id
		}
		if hook.Valid {
			id := skillpath.ID(hook.Int64)
			n.WebhookID = &id
		}
		if sent.Valid {
			t := fromMillis(sent.Int64)
			n.SentAt = &t
		}
		n.LastError, n.CreatedAt, n.Payload = lastErr.String, fromMillis(created), json.RawMessage(payload)
		if secret.Valid {
			if n.Secret, err = tx.store.openWebhookSecret(*n.WebhookID, secret.String); err != nil {
				n.Secret = ""
			}
		}
		list = append(list, n)
	}
	slices.SortFunc(list, func(a, b Notification) int { return int(a.ID - b.ID) })
	return list, rows.Err()
}

// NotificationOutcome is what became of one claimed notification: sent,
// failed for good (Failed, with the server's answer), or to retry at
// RetryAt (with Error). The zero value retries at once.
type NotificationOutcome struct {
	Sent    bool
	Failed  string
	RetryAt time.Time
	Error   string
}

// SettleNotification records one claimed notification's outcome, fenced by
// the claim's token: when the lease was taken over, nothing is recorded and
// ErrLeaseLost is returned.
func (s *Store) SettleNotification(ctx context.Context, c *NotificationClaim, id int64, o NotificationOutcome) error {
	return s.write(ctx, func(tx *Tx) error {
		now := millis(s.Wall())
		var res sql.Result
		var err error
		switch {
		case o.Sent:
			res, err = tx.ExecContext(ctx, `UPDATE notifications SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, claim = NULL
				WHERE id = $2 AND claim = $3 AND state = 'pending'`, now, id, c.Token)
		case o.Failed != "":
			res, err = tx.ExecContext(ctx, `UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = $1, claim = NULL
				WHERE id = $2 AND claim = $3 AND state = 'pending'`, o.Failed, id, c.Token)
		default:
			res, err = tx.ExecContext(ctx, `UPDATE notifications SET next_attempt_at = $1, attempts = attempts + 1, last_error = $2, claim = NULL
				WHERE id = $3 AND claim = $4 AND state = 'pending'`, millis(o.RetryAt), o.Error, id, c.Token)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrLeaseLost
		}
		return nil
	})
}

// NotificationCounts is how many notifications are in each state.
type NotificationCounts struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
}

// NotificationStates lists the states a list may be filtered by.
var NotificationStates = []string{"pending", "sent", "failed"}

// Notifications counts the outbox by state and lists its latest rows, of
// one state when state is not "" (newest first, at most limit).
func (s *Store) Notifications(ctx context.Context, state string, limit int) (NotificationCounts, []Notification, error) {
	var c NotificationCounts
	var list []Notification
	err := s.read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT state, COUNT(*) FROM notifications GROUP BY state`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				rows.Close()
				return err
			}
			switch st {
			case "pending":
				c.Pending = n
			case "sent":
				c.Sent = n
			case "failed":
				c.Failed = n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		where, args := "1 = 1", []any{}
		if state != "" {
			where, args = "n.state = $1", []any{state}
		}
		list, err = tx.listNotifications(ctx, where, args, limit, false)
		if err == nil {
			slices.Reverse(list)
		}
		return err
	})
	return c, list, err
}

// RetryNotifications sends failed notifications again: those of ids, or
// every failed one when ids is empty. Returns how many were queued.
func (s *Store) RetryNotifications(ctx context.Context, ids []int64) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *Tx) error {
		where, args := "", []any{millis(s.Wall())}
		if len(ids) > 0 {
			var in string
			in, more := inList(ids, 2)
			where, args = " AND id IN ("+in+")", append(args, more...)
		}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET state = 'pending', next_attempt_at = $1, claim = NULL
			WHERE state = 'failed'`+where, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n > 0 {
		s.signalNotify()
	}
	return int(n), err
}

// --- webhooks -----------------------------------------------------------

// Webhook is a subscription (SPEC §7). Its secret is returned once, when
// it is created.
type Webhook struct {
	ID        skillpath.ID             `json:"id"`
	URL       string                   `json:"url"`
	Events    []skillpath.WebhookEvent `json:"events"`
	CreatedAt time.Time                `json:"created_at"`
	Secret    string                   `json:"secret,omitempty"`
}

// sealedPrefix marks a webhook secret sealed with SKILLPATH_SECRET_KEY.
const sealedPrefix = "sealed:"

func (s *Store) openWebhookSecret(id skillpath.ID, stored string) (string, error) {
	sealed, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	if s.Secrets == nil {
		return "", fmt.Errorf("webhook %s: its secret is sealed and no SKILLPATH_SECRET_KEY is set", id)
	}
	return s.Secrets.Open(sealed, "webhook:"+id.String())
}

// CreateWebhook stores a subscription with the given secret (whsec_…),
// sealed with the platform's key when one is configured. The URL must have
// been checked by the caller (address rules). Returns EINVALID naming
// "url" or "events", and ECONFLICT (field url) when a live subscription
// has the same URL and the same events: every call would be sent twice.
func (s *Store) CreateWebhook(ctx context.Context, w *Webhook, secret string, by skillpath.ID) error {
	if err := skillpath.ValidateWebhookEvents(w.Events); err != nil {
		return err
	}
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	var creator any
	if by != 0 {
		creator = by
	}
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.refuseSameWebhook(ctx, w); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO webhooks (url, events, secret, created_at, created_by) VALUES ($1, $2, '', $3, $4)`,
			w.URL, string(events), millis(tx.now), creator)
		if err != nil {
			return err
		}
		w.ID, w.CreatedAt, w.Secret = skillpath.ID(id), tx.now, secret
		stored := secret
		if s.Secrets != nil {
			stored = sealedPrefix + s.Secrets.Seal(secret, "webhook:"+w.ID.String())
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhooks SET secret = $1 WHERE id = $2`, stored, id)
		return err
	})
}

// Webhooks lists the live subscriptions, without their secrets.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	return s.webhooks(ctx, `deleted_at IS NULL`)
}

// FindWebhook returns one live subscription, without its secret. Returns
// ENOTFOUND if there is none.
func (s *Store) FindWebhook(ctx context.Context, id skillpath.ID) (*Webhook, error) {
	list, err := s.webhooks(ctx, `deleted_at IS NULL AND id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, skillpath.Errorf(skillpath.ENOTFOUND, "webhook %s not found", id)
	}
	return &list[0], nil
}

func (s *Store) webhooks(ctx context.Context, where string, args ...any) ([]Webhook, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, url, events, created_at FROM webhooks WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []Webhook{}
	for rows.Next() {
		var w Webhook
		var events string
		var created int64
		if err := rows.Scan(&w.ID, &w.URL, &events, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
			return nil, err
		}
		w.CreatedAt = fromMillis(created)
		list = append(list, w)
	}
	return list, rows.Err()
}

// DeleteWebhook deletes a subscription: no call is written for it any
// more, and its pending calls are not sent. Returns ENOTFOUND if there is
// none.
func (s *Store) DeleteWebhook(ctx context.Context, id skillpath.ID) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`, millis(tx.now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "webhook %s not found", id)
		}
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET state = 'failed', last_error = 'the webhook was deleted: not sent'
			WHERE webhook_id = $1 AND state = 'pending'`, id)
		return err
	})
}

// --- certificates' reminder days ----------------------------------------

// SetReminderDays sets a certificate's reminder_days (nil: the default).
// Returns ENOTFOUND for an unknown certificate and EINVALID naming
// "reminder_days".
func (s *Store) SetReminderDays(ctx context.Context, id skillpath.ID, days []int) error {
	if err := skillpath.ValidateReminderDays(days); err != nil {
		return err
	}
	var stored any
	if days != nil {
		raw, err := json.Marshal(days)
		if err != nil {
			return err
		}
		stored = string(raw)
	}
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certificates SET reminder_days = $1 WHERE id = $2`, stored, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return skillpath.Errorf(skillpath.ENOTFOUND, "certificate %s not found", id)
		}
		return nil
	})
}

// noteEnrolled tells webhooks of the enrollments just created (one,
// assigned or self-enrolled; or many, by the bulk assignment of SPEC §6,
// which should call it with its new ids): read only when a webhook
// subscribes to enrollment.created.
func (tx *Tx) noteEnrolled(ctx context.Context, ids ...skillpath.ID) error {
	if ok, err := tx.subscribed(ctx, skillpath.EventEnrollmentCreated); err != nil || !ok {
		return err
	}
	list, err := tx.loadEnrollments(ctx, ids) // new, live enrollments
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := tx.noteEnrollmentCreated(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// refuseSameWebhook returns ECONFLICT when a live subscription has w's URL
// and the same set of events.
func (tx *Tx) refuseSameWebhook(ctx context.Context, w *Webhook) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE deleted_at IS NULL AND url = $1`, w.URL)
	if err != nil {
		return err
	}
	defer rows.Close()
	want := slices.Sorted(slices.Values(w.Events))
	for rows.Next() {
		var id skillpath.ID
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return err
		}
		var events []skillpath.WebhookEvent
		if err := json.Unmarshal([]byte(text), &events); err != nil {
			return err
		}
		if slices.Equal(slices.Compact(slices.Sorted(slices.Values(events))), slices.Compact(want)) {
			return &skillpath.Error{Code: skillpath.ECONFLICT, Field: "url",
				Message: fmt.Sprintf("url: webhook %s already sends these events to this URL", id)}
		}
	}
	return rows.Err()
}
