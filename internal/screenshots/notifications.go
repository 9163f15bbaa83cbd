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
// §7), after the other pictures: mail is on, two webhooks are subscribed —
// one answering 204, one 410 — and the sweep of Monday 08:00 writes the
// reminders and the weekly digests; the webhook calls are sent in-process
// (one sent, one parked with its answer), the emails wait for an SMTP
// server that the picture does not need.
func liveNotifications(ctx context.Context, st *store.Store) error {
	wall := st.Wall
	st.Wall = func() time.Time { return now }
	defer func() { st.Wall = wall }()
	st.Mail = true
	defer func() { st.Mail = false }()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer ok.Close()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this endpoint was retired", http.StatusGone)
	}))
	defer gone.Close()
	for _, h := range []*store.Webhook{
		{URL: ok.URL + "/skillpath", Events: []skillpath.WebhookEvent{skillpath.EventCertificateExpiringSoon, skillpath.EventCertificateExpired}},
		{URL: gone.URL + "/old-hook", Events: []skillpath.WebhookEvent{skillpath.EventCertificateExpired}},
	} {
		if err := st.CreateWebhook(ctx, h, webhook.NewSecret(), 0); err != nil {
			return err
		}
	}
	if _, err := st.NotifySweep(ctx); err != nil {
		return err
	}
	w := &notify.Worker{Store: st, Guard: netguard.Guard{AllowPrivate: true}, Batch: 5}
	// Only webhook calls are sent: a worker without a mailer would fail
	// the emails, which the picture shows waiting.
	claim, err := st.ClaimNotifications(ctx, 1000, time.Minute)
	if err != nil {
		return err
	}
	var sent int
	for _, n := range claim.List {
		o := store.NotificationOutcome{RetryAt: now} // back in the queue
		if n.Channel == store.ChannelWebhook && sent < 6 {
			o = w.Deliver(ctx, n)
			sent++
		}
		if err := st.SettleNotification(ctx, claim, n.ID, o); err != nil {
			return err
		}
	}
	return nil
}
