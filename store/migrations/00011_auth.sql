-- Sign-in throttling, token expiry and use, and the audit log (issue 11).
--
-- login_throttle counts failed sign-ins per key: the SHA-256 of an email
-- and a client address, or of an address alone (the email typed is not
-- kept). An attempt is counted before its password is checked, so that
-- parallel attempts cannot pass the limit (skillpath.LoginThrottle).
-- audit_log records who did which action on which object (docs/API.md,
-- "Audit"), written in the transaction of the action.

-- +goose Up
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_at BIGINT NOT NULL                  -- real time of the last attempt
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
DROP TABLE login_failures;

ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,                    -- the route: "PATCH /api/v1/users/{id}"
    object TEXT NOT NULL,                    -- "users/42", or "" when the action names none
    path TEXT NOT NULL                       -- the request's path, all its ids included
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_object ON audit_log (object, id);

-- +goose Down
DROP TABLE audit_log;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens DROP COLUMN expires_at;
CREATE TABLE login_failures (
    user_id BIGINT NOT NULL REFERENCES users (id),
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (user_id, failed_at);
DROP TABLE login_throttle;
