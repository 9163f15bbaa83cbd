-- Issue 11: a revoked API token is marked, not deleted, so that its id is
-- never given to another token (SQLite reuses the highest rowid once its
-- row is gone), and the audit log's "tokens/N" names one token for ever.

-- +goose Up
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN revoked_at;
