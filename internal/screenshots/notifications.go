package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"

	"skillpath"
	"skillpath/netguard"
	"skillpath/notify"
	"skillpath/store"
	"skillpath/webhook"
)

// liveNotifications fills the notifications outbox for its pictures (SPEC
// §7), after the other pictures: two webhooks are subscribed — one
// answering 204, one 410 — and the sweep of Monday 08:00 writes their
// calls, sent in-process (sent; parked with the answer), then, mail on,
// the reminders and the weekly digests, which wait for an SMTP server the
// picture does not need. Mail stays on for the pictures.
func liveNotifications(ctx context.Context, st *store.Store) error {
	wall := st.Wall
	st.Wall = func() time.Time { return now }
	defer func() { st.Wall = wall }()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer ok.Close()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this endpoint was retired", http.StatusGone)
	}))
	defer gone.Close()
	for _, h := range []*store.Webhook{
		{URL: ok.URL + "/skillpath", Events: []skillpath.WebhookEvent{skillpath.EventCertificateExpiringSoon, skillpath.EventCertificateExpired}},
		{URL: gone.URL + "/old-hook", Events: []skillpath.WebhookEvent{skillpath.EventCertificateExpiringSoon}},
	} {
		if err := st.CreateWebhook(ctx, h, webhook.NewSecret(), 0); err != nil {
			return err
		}
	}
	// Webhook calls first, sent in-process: one subscription answers 204,
	// the other 410 (parked with its answer).
	st.Mail = false
	if _, err := st.NotifySweep(ctx); err != nil {
		return err
	}
	w := &notify.Worker{Store: st, Guard: netguard.Guard{AllowPrivate: true}}
	for {
		n, err := w.RunOnce(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	// Then the emails of the same sweep, waiting for the SMTP server.
	st.Mail = true
	_, err := st.NotifySweep(ctx)
	return err
}
