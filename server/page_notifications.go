package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"skillpath"
	"skillpath/store"
)

// pagesNotifications registers the platform admins' pages of SPEC §7: the
// notifications outbox (what was sent, waits, failed; retry) and webhooks.
func (s *Server) pagesNotifications() {
	s.page("GET /notifications", s.pageNotifications)
	s.page("POST /notifications/retry", s.pageNotificationsRetry)
	s.page("GET /webhooks", s.pageWebhooks)
	s.page("POST /webhooks", s.pageWebhookCreate)
	s.page("POST /webhooks/{id}/delete", s.pageWebhookDelete)
}

type notificationsPage struct {
	MailConfigured bool
	Counts         store.NotificationCounts
	State          string // the filter: "" or a state
	States         []string
	Rows           []store.Notification
}

func (s *Server) pageNotifications(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Notifications are followed by platform admins.")
	}
	state := r.URL.Query().Get("state")
	if !slices.Contains(store.NotificationStates, state) {
		state = ""
	}
	p := notificationsPage{MailConfigured: s.Store.Mail, State: state, States: store.NotificationStates}
	var err error
	if p.Counts, p.Rows, err = s.Store.Notifications(r.Context(), state, 200); err != nil {
		return err
	}
	v.Title, v.Data = "Notifications", p
	return s.render(w, r, v, "notifications.html")
}

func (s *Server) pageNotificationsRetry(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Only platform admins may retry notifications.")
	}
	var ids []int64
	if id := r.PostFormValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 1 {
			return skillpath.Invalid("id", "%q is not a notification id", id)
		}
		ids = append(ids, n)
	}
	n, err := s.Store.RetryNotifications(r.Context(), ids)
	if err != nil {
		return err
	}
	switch n {
	case 0:
		s.flash(w, r, "No notification had failed: nothing to retry.")
	case 1:
		s.flash(w, r, "1 failed notification is queued again.")
	default:
		s.flash(w, r, strconv.Itoa(n)+" failed notifications are queued again.")
	}
	return redirect(w, r, "/notifications")
}

type webhooksPage struct {
	Hooks   []store.Webhook
	Events  []skillpath.WebhookEvent
	Created *store.Webhook // just created: its secret is shown once
	// The form's values and its error, next to the field.
	URL        string
	Chosen     map[skillpath.WebhookEvent]bool
	FieldError map[string]string
}

func (s *Server) webhooksPage(r *http.Request, v *view, p webhooksPage) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Webhooks are managed by platform admins.")
	}
	var err error
	if p.Hooks, err = s.Store.Webhooks(r.Context()); err != nil {
		return err
	}
	p.Events = skillpath.WebhookEvents
	if p.Chosen == nil {
		p.Chosen = map[skillpath.WebhookEvent]bool{}
	}
	v.Title, v.Data = "Webhooks", p
	return nil
}

func (s *Server) pageWebhooks(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := s.webhooksPage(r, v, webhooksPage{}); err != nil {
		return err
	}
	return s.render(w, r, v, "webhooks.html")
}

func (s *Server) pageWebhookCreate(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Webhooks are managed by platform admins.")
	}
	p := webhooksPage{URL: r.PostFormValue("url"), Chosen: map[skillpath.WebhookEvent]bool{}}
	var events []skillpath.WebhookEvent
	for _, e := range r.PostForm["events"] {
		events = append(events, skillpath.WebhookEvent(e))
		p.Chosen[skillpath.WebhookEvent(e)] = true
	}
	hook, err := s.newWebhook(r.Context(), p.URL, events, v.User)
	if err != nil {
		var se *skillpath.Error
		if !errors.As(err, &se) || se.Code != skillpath.EINVALID {
			return err
		}
		p.FieldError = map[string]string{se.Field: se.Message}
		v.Error, v.ErrorFor, v.Status = "The webhook was not added: "+se.Message, "webhook-"+se.Field, http.StatusBadRequest
	} else {
		p.Created, p.URL, p.Chosen = hook, "", nil
		v.Flash = "Webhook added. Copy its secret now: it is not shown again."
	}
	if err := s.webhooksPage(r, v, p); err != nil {
		return err
	}
	return s.render(w, r, v, "webhooks.html")
}

func (s *Server) pageWebhookDelete(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := requirePlatformAdmin(v.User); err != nil {
		return skillpath.Errorf(skillpath.EFORBIDDEN, "Webhooks are managed by platform admins.")
	}
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if err := s.Store.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	s.flash(w, r, "Webhook deleted: nothing more is sent to it.")
	return redirect(w, r, "/webhooks")
}
