package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"skillpath"
	"skillpath/store"
	"skillpath/webhook"
)

// apiNotifications registers SPEC §7: the notifications outbox, webhooks,
// and a certificate's reminder days.
func (s *Server) apiNotifications() {
	s.handle("GET /api/v1/notifications", s.getNotifications)
	s.handle("POST /api/v1/notifications/retry", s.retryNotifications)
	s.handle("POST /api/v1/webhooks", s.createWebhook)
	s.handle("GET /api/v1/webhooks", s.listWebhooks)
	s.handle("GET /api/v1/webhooks/{id}", s.getWebhook)
	s.handle("DELETE /api/v1/webhooks/{id}", s.deleteWebhook)
}

// notificationsAnswer is GET /api/v1/notifications (SPEC §7).
type notificationsAnswer struct {
	store.NotificationCounts
	// MailConfigured is false when SKILLPATH_SMTP_URL is unset: no email
	// is written or sent.
	MailConfigured bool                 `json:"mail_configured"`
	Rows           []store.Notification `json:"rows"`
}

// getNotifications answers the counts by state and the newest rows (of one
// state with ?state=pending|sent|failed; ?limit=1–1000, default 100).
func (s *Server) getNotifications(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state != "" && !slices.Contains(store.NotificationStates, state) {
		return skillpath.Invalid("state", "must be one of pending, sent, failed")
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return skillpath.Invalid("limit", "must be a whole number between 1 and 1000")
		}
		limit = n
	}
	var out notificationsAnswer
	var err error
	out.NotificationCounts, out.Rows, err = s.Store.Notifications(r.Context(), state, limit)
	if err != nil {
		return err
	}
	out.MailConfigured = s.Store.Mail
	writeJSON(w, http.StatusOK, out)
	return nil
}

// retryNotifications sends failed notifications again: those of ids, or
// every failed one when the body is empty or {}.
func (s *Server) retryNotifications(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in struct {
		IDs []string `json:"ids"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	if len(in.IDs) > maxRetryIDs {
		return skillpath.Invalid("ids", "at most %d ids at a time", maxRetryIDs)
	}
	ids := make([]int64, len(in.IDs))
	for i, v := range in.IDs {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return skillpath.Invalid("ids["+strconv.Itoa(i)+"]", "%q is not a notification id", v)
		}
		ids[i] = n
	}
	n, err := s.Store.RetryNotifications(r.Context(), ids)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"requeued": n})
	return nil
}

// maxWebhookURL bounds a webhook's URL.
const maxWebhookURL = 2000

// checkWebhookURL applies the LRS endpoints' rules to a webhook URL (SPEC
// §4, §7): an absolute http(s) URL without credentials, not inside the
// server's own network unless the operator allows it. Errors name "url".
func (s *Server) checkWebhookURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", skillpath.Invalid("url", "is required")
	}
	if len(raw) > maxWebhookURL {
		return "", skillpath.Invalid("url", "is longer than %d characters", maxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" {
		return "", skillpath.Invalid("url", "must be an absolute http:// or https:// URL")
	}
	if !skillpath.ValidURLPort(u) {
		return "", skillpath.Invalid("url", "the port %q is not a port number (1 to 65535)", u.Port())
	}
	if u.User != nil {
		return "", skillpath.Invalid("url", "must not carry a login and password: calls are signed with the webhook's secret")
	}
	if u.Fragment != "" {
		return "", skillpath.Invalid("url", "must not have a #fragment")
	}
	if err := s.checkHost(ctx, "url", u.Hostname()); err != nil {
		return "", err
	}
	return u.String(), nil
}

// createWebhook subscribes a URL to events and answers its secret, once.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	var in struct {
		URL    string                   `json:"url"`
		Events []skillpath.WebhookEvent `json:"events"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	hook, err := s.newWebhook(r.Context(), in.URL, in.Events, caller)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, hook)
	return nil
}

func (s *Server) newWebhook(ctx context.Context, rawURL string, events []skillpath.WebhookEvent, caller *skillpath.User) (*store.Webhook, error) {
	u, err := s.checkWebhookURL(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	hook := &store.Webhook{URL: u, Events: events}
	if err := s.Store.CreateWebhook(ctx, hook, webhook.NewSecret(), caller.ID); err != nil {
		return nil, err
	}
	return hook, nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	list, err := s.Store.Webhooks(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	hook, err := s.Store.FindWebhook(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hook)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, caller *skillpath.User) error {
	if err := requirePlatformAdmin(caller); err != nil {
		return err
	}
	id, err := pathID(r, "id", "webhook")
	if err != nil {
		return err
	}
	if err := s.Store.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
