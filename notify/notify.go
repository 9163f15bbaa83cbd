// Package notify sends the notifications outbox (SPEC §7): emails through
// package mail, webhook calls signed by package webhook. A Worker claims due
// rows with a lease (store.ClaimNotifications), sends each, and records the
// outcome: sent; retried with exponential back-off and jitter after a
// network error, an SMTP 4xx answer, or an HTTP 5xx, 408 or 429; failed
// (parked for a platform admin to retry) after an SMTP 5xx answer or any
// other HTTP answer, with the server's answer kept. Several workers, in one
// process or many, share the outbox: a row is leased to one at a time.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"skillpath"
	"skillpath/mail"
	"skillpath/netguard"
	"skillpath/store"
	"skillpath/webhook"
)

// Worker sends due notifications until its context ends.
type Worker struct {
	Store *store.Store
	// Mailer sends emails; nil when no SMTP server is configured, and then
	// an email row (written while one was) fails with that reason.
	Mailer *mail.Mailer
	// Guard applies the LRS endpoints' address rules to webhook calls at
	// connect time (SPEC §4, §7).
	Guard netguard.Guard
	Log   *slog.Logger
	// Batch is how many rows one claim takes (default 20); Lease how long
	// they are held (default 2 minutes); Poll how often the outbox is read
	// when no commit of this process signalled (default 5 seconds).
	Batch int
	Lease time.Duration
	Poll  time.Duration
	// Parallel is how many rows of a claim are sent at once (default 4).
	Parallel int

	once   sync.Once
	client *http.Client
}

func (w *Worker) init() {
	w.once.Do(func() {
		if w.Batch == 0 {
			w.Batch = 20
		}
		if w.Lease == 0 {
			w.Lease = 2 * time.Minute
		}
		if w.Poll == 0 {
			w.Poll = 5 * time.Second
		}
		if w.Parallel == 0 {
			w.Parallel = 4
		}
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
		w.client = &http.Client{Transport: w.Guard.Transport(10 * time.Second), Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
}

// Run sends notifications until ctx ends: at once when a commit of this
// process wrote some, else every Poll.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("notifications", "error", err)
		}
		if n > 0 && err == nil {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
			return
		case <-w.Store.NotifyReady():
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce claims one batch of due notifications and sends it; it returns
// how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.init()
	c, err := w.Store.ClaimNotifications(ctx, w.Batch, w.Lease)
	if err != nil || len(c.List) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, w.Parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, n := range c.List {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o := w.send(ctx, n)
			if err := w.Store.SettleNotification(context.WithoutCancel(ctx), c, n.ID, o); err != nil {
				mu.Lock()
				if first == nil && !errors.Is(err, store.ErrLeaseLost) {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(c.List), first
}

// Backoff is the wait before the attempt after attempts failed ones: 30
// seconds doubling to at most an hour, ±20 % jitter.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts, 7)
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (w *Worker) retry(n store.Notification, why string) store.NotificationOutcome {
	return store.NotificationOutcome{RetryAt: w.Store.Wall().Add(Backoff(n.Attempts)), Error: why}
}

// Deliver sends one claimed notification and returns its outcome, for the
// caller to settle.
func (w *Worker) Deliver(ctx context.Context, n store.Notification) store.NotificationOutcome {
	w.init()
	return w.send(ctx, n)
}

func (w *Worker) send(ctx context.Context, n store.Notification) store.NotificationOutcome {
	switch n.Channel {
	case store.ChannelEmail:
		return w.sendEmail(ctx, n)
	case store.ChannelWebhook:
		return w.sendWebhook(ctx, n)
	}
	return store.NotificationOutcome{Failed: "unknown channel " + n.Channel}
}

func (w *Worker) sendEmail(ctx context.Context, n store.Notification) store.NotificationOutcome {
	if w.Mailer == nil {
		return store.NotificationOutcome{Failed: "mail is not configured (SKILLPATH_SMTP_URL): not sent"}
	}
	var data skillpath.MailData
	if err := json.Unmarshal(n.Payload, &data); err != nil {
		return store.NotificationOutcome{Failed: "unreadable email: " + err.Error()}
	}
	err := w.Mailer.Send(ctx, mail.Message{To: n.Recipient, Data: data, ID: n.ID, Created: n.CreatedAt})
	if err == nil {
		return store.NotificationOutcome{Sent: true}
	}
	var me *mail.Error
	if errors.As(err, &me) && me.Permanent {
		w.Log.Warn("email refused", "notification", n.ID, "error", err)
		return store.NotificationOutcome{Failed: err.Error()}
	}
	w.Log.Info("email not sent, retrying", "notification", n.ID, "error", err)
	return w.retry(n, err.Error())
}

// WebhookID is the webhook-id of a notification's call: the same on every
// retry, so a receiver can drop duplicates.
func WebhookID(id int64) string { return "msg_skillpath_" + strconv.FormatInt(id, 10) }

func (w *Worker) sendWebhook(ctx context.Context, n store.Notification) store.NotificationOutcome {
	if n.Secret == "" {
		return w.retry(n, "the webhook's secret cannot be opened (SKILLPATH_SECRET_KEY)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Recipient, bytes.NewReader(n.Payload))
	if err != nil {
		return store.NotificationOutcome{Failed: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "skillpath-webhooks")
	if err := webhook.SetHeaders(req.Header, n.Secret, WebhookID(n.ID), time.Now(), n.Payload); err != nil {
		return store.NotificationOutcome{Failed: err.Error()}
	}
	resp, err := w.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrForbidden) {
			return store.NotificationOutcome{Failed: err.Error()}
		}
		return w.retry(n, err.Error())
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	why := fmt.Sprintf("HTTP %d %s", resp.StatusCode, bytes.TrimSpace(snippet))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return store.NotificationOutcome{Sent: true}
	case c >= 500 || c == http.StatusTooManyRequests || c == http.StatusRequestTimeout:
		return w.retry(n, why)
	default: // redirects (never followed) and other 4xx
		return store.NotificationOutcome{Failed: why}
	}
}
