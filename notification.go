package skillpath

import (
	"fmt"
	"slices"
	"time"
)

// Reason is why a person is emailed (SPEC §7). With the person, the subject
// (a certificate, an enrollment) and the due date it makes a notification's
// unique key.
type Reason string

// The reasons for an email.
const (
	ReasonReminder   Reason = "reminder"   // a certificate expires in DaysBefore days
	ReasonExpired    Reason = "expired"    // a certificate expires today
	ReasonReenrolled Reason = "reenrolled" // the learner was enrolled again automatically
	ReasonApproved   Reason = "approved"   // an administrator approved a self-enrollment
	ReasonRefused    Reason = "refused"    // an administrator refused a self-enrollment
	ReasonDelivered  Reason = "delivered"  // a certificate was delivered
	ReasonScoring    Reason = "scoring"    // answers await the instructor's scoring
	ReasonDigest     Reason = "digest"     // the weekly digest to group staff
)

// WebhookEvent is an event type a webhook subscribes to (SPEC §7).
type WebhookEvent string

// The webhook events.
const (
	EventEnrollmentCreated       WebhookEvent = "enrollment.created"
	EventEnrollmentStatusChanged WebhookEvent = "enrollment.status_changed"
	EventCertificateDelivered    WebhookEvent = "certificate.delivered"
	EventCertificateExpiringSoon WebhookEvent = "certificate.expiring_soon"
	EventCertificateExpired      WebhookEvent = "certificate.expired"
)

// WebhookEvents lists every event type, in the order of SPEC §7.
var WebhookEvents = []WebhookEvent{EventEnrollmentCreated, EventEnrollmentStatusChanged,
	EventCertificateDelivered, EventCertificateExpiringSoon, EventCertificateExpired}

// ValidateWebhookEvents checks a subscription's events: at least one, each
// known, none twice. Errors name the field "events".
func ValidateWebhookEvents(events []WebhookEvent) error {
	if len(events) == 0 {
		return Invalid("events", "must list at least one of %v", WebhookEvents)
	}
	for i, e := range events {
		if !slices.Contains(WebhookEvents, e) {
			return Invalid("events", "%q is not an event; the events are %v", e, WebhookEvents)
		}
		if slices.Contains(events[:i], e) {
			return Invalid("events", "%q is listed twice", e)
		}
	}
	return nil
}

// DefaultReminderDays is a certificate's reminder_days when none is set:
// the learner is emailed 30 and 7 days before expiry (and on the day).
var DefaultReminderDays = []int{30, 7}

// MaxReminderDay bounds one reminder (a year and a day).
const MaxReminderDay = 366

// ValidateReminderDays checks a certificate's reminder_days: at most 10
// distinct whole days between 1 and 366 (the day of expiry is always
// told, so 0 is not listed). An empty list sends no reminder before the
// day of expiry.
func ValidateReminderDays(days []int) error {
	if len(days) > 10 {
		return Invalid("reminder_days", "lists %d days; at most 10", len(days))
	}
	for i, d := range days {
		if d < 1 || d > MaxReminderDay {
			return Invalid("reminder_days", "%d: each day must be between 1 and %d (the day of expiry is always told)", d, MaxReminderDay)
		}
		if slices.Contains(days[:i], d) {
			return Invalid("reminder_days", "%d is listed twice", d)
		}
	}
	return nil
}

// ExpiryNoticeGrace is how long after a certificate's day of expiry the
// notice of that day is still sent, when the server was down on the day;
// after it the notice is dropped rather than sent late.
const ExpiryNoticeGrace = 7

// DueReminder decides which reminder of a certificate delivered at
// delivered and expiring at expires is due at now, with the certificate's
// reminder days, dates taken in zone: the reminder whose day is the latest
// of those reached — so a server down on the 30-day date sends only the
// 7-day reminder when it comes back — or the notice of the day of expiry
// (daysLeft 0) from that day until ExpiryNoticeGrace days after. A
// reminder whose day came before the delivery is not due (a one-month
// certificate gets no 30-day reminder). ok is false when nothing is due.
// due is the reminder's date (midnight in zone): with the learner, the
// reason and the certificate it keys the notification, so each is sent
// once. daysLeft is the number of days from now's date to the expiry date,
// which the email tells (the reminder's own number when sent on its day).
func DueReminder(delivered, expires, now time.Time, days []int, zone *time.Location) (daysLeft int, due time.Time, ok bool) {
	today := civil(now, zone)
	expiry := civil(expires, zone)
	if !today.Before(expiry) {
		if today.After(expiry.AddDate(0, 0, ExpiryNoticeGrace)) {
			return 0, time.Time{}, false
		}
		return 0, expiry, true
	}
	first := civil(delivered, zone)
	best := -1
	for _, d := range days {
		day := expiry.AddDate(0, 0, -d)
		if !day.After(today) && !day.Before(first) && (best < 0 || d < best) {
			best = d
		}
	}
	if best < 0 {
		return 0, time.Time{}, false
	}
	return daysBetween(today, expiry), expiry.AddDate(0, 0, -best), true
}

// daysBetween counts the calendar days from a to b, both midnights in one
// zone (a day of a DST change is one day).
func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// civil is t's date at midnight in zone.
func civil(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone)
}

// DigestSlot is the weekly digest's time at or before now: Monday 08:00 in
// zone (SPEC §7). The digest of a week is sent by the first sweep within a
// day of its slot; a server down all that Monday skips that week's.
func DigestSlot(now time.Time, zone *time.Location) time.Time {
	day := civil(now, zone)
	back := (int(day.Weekday()) + 6) % 7 // days since Monday
	slot := time.Date(day.Year(), day.Month(), day.Day()-back, 8, 0, 0, 0, zone)
	if slot.After(now) {
		slot = slot.AddDate(0, 0, -7)
	}
	return slot
}

// DigestWindow is how long after its slot a weekly digest is still sent.
const DigestWindow = 24 * time.Hour

// MailData is what one email says: its reason and the facts its templates
// show. Times are UTC; the templates show them in the platform's zone.
type MailData struct {
	Reason       Reason        `json:"reason"`
	Name         string        `json:"name"` // the recipient's
	Certificate  string        `json:"certificate,omitempty"`
	Training     string        `json:"training,omitempty"`
	Session      string        `json:"session,omitempty"`
	EnrollmentID ID            `json:"enrollment_id,omitempty"`
	DeliveredAt  *time.Time    `json:"delivered_at,omitempty"`
	ExpiresAt    *time.Time    `json:"expires_at,omitempty"`
	DaysBefore   int           `json:"days_before,omitempty"`
	Digest       []DigestEntry `json:"digest,omitempty"`
}

// DigestEntry is one learner's certificate in a weekly digest.
type DigestEntry struct {
	Learner     string    `json:"learner"`
	Email       string    `json:"email"`
	Certificate string    `json:"certificate"`
	ExpiresAt   time.Time `json:"expires_at"`
	Expired     bool      `json:"expired"`
}

// NotificationKey is a notification's unique key: recipient, reason,
// subject and due date (a day, an hour, or "" for one-off events).
func NotificationKey(recipient string, reason string, subject string, due string) string {
	return fmt.Sprintf("%s|%s|%s|%s", recipient, reason, subject, due)
}
