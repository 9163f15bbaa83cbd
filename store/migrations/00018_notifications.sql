-- Notifications and webhooks (SPEC §7, issue 16).

-- +goose Up
-- Days before expiry each learner is reminded, a JSON array of whole days;
-- NULL is the default [30, 7]. The day of expiry is always told.
ALTER TABLE certificates ADD COLUMN reminder_days TEXT;

-- Webhook subscriptions. secret is the whsec_ secret, sealed with
-- SKILLPATH_SECRET_KEY when one is configured ("sealed:" prefix).
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,                    -- JSON array of event types
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    deleted_at BIGINT
);

-- The notifications outbox: one row per email or webhook call to make,
-- written in the transaction of the event that causes it. dedupe_key is
-- (recipient, reason, subject, due date): a second sweep, a second process
-- or a replayed event writes nothing twice.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,                   -- email or webhook
    reason TEXT NOT NULL,                    -- reminder, expired, delivered, … or the webhook event type
    user_id BIGINT REFERENCES users (id),    -- email: the recipient
    webhook_id BIGINT REFERENCES webhooks (id),
    recipient TEXT NOT NULL,                 -- the email address or the webhook URL
    payload TEXT NOT NULL,                   -- JSON: the email's data, or the webhook's body
    state TEXT NOT NULL,                     -- pending, sent, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,         -- real time: due, leased or backing off until then
    claim TEXT,                              -- token of the lease holding the row
    last_error TEXT,                         -- the server's answer to the last attempt
    created_at BIGINT NOT NULL,              -- business time of the event
    sent_at BIGINT
);
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX notifications_state ON notifications (state, id);
CREATE INDEX notifications_user_reason ON notifications (user_id, reason, created_at);

-- The reminder sweep and the weekly digest read the learners whose newest
-- certificate expires within a window.
CREATE INDEX certificate_learners_expiring ON certificate_learners (expires_at, certificate_id, user_id) WHERE user_deleted = FALSE;

-- +goose Down
DROP INDEX certificate_learners_expiring;
DROP TABLE notifications;
DROP TABLE webhooks;
ALTER TABLE certificates DROP COLUMN reminder_days;
