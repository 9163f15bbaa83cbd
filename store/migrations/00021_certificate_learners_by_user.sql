-- certificate_learners keyed by user on SQLite (issue 12): the table is
-- rebuilt WITHOUT ROWID with the primary key (user_id, certificate_id),
-- the order of certificate_learners_user, which it replaces, so its rows
-- are stored in that key's B-tree: one B-tree where there were three (the
-- rows by rowid, the primary key's index and certificate_learners_user),
-- and the other indexes end in the key's columns, which they hold already,
-- instead of a rowid. certificate_learners_expires (the chart's
-- expirations, by certificate and date) goes: the chart reads
-- certificate_learners_expiry, whose key is the expiration date for every
-- learner holding a certificate that expires (store/stats_learners.go,
-- expiryKey). A load writes and sorts three B-trees fewer for this table
-- (docs/PERFORMANCE.md).
-- PostgreSQL, whose rows are in a heap apart from every index, keeps the
-- table as it is (docs/DECISIONS.md).
--
-- Lines between "-- dialect: sqlite" or "-- dialect: postgres" and
-- "-- dialect: both" run on that database only (store/dialect.go).

-- +goose Up
-- dialect: sqlite
CREATE TABLE certificate_learners_by_user (
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    user_deleted BOOLEAN NOT NULL,
    enrolled BOOLEAN NOT NULL,
    delivered_at BIGINT,
    expires_at BIGINT,
    user_email TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, certificate_id)
) WITHOUT ROWID;
INSERT INTO certificate_learners_by_user (certificate_id, user_id, user_name, user_deleted, enrolled, delivered_at, expires_at, user_email)
    SELECT certificate_id, user_id, user_name, user_deleted, enrolled, delivered_at, expires_at, user_email FROM certificate_learners;
DROP TABLE certificate_learners;
ALTER TABLE certificate_learners_by_user RENAME TO certificate_learners;
CREATE INDEX certificate_learners_name ON certificate_learners (certificate_id, user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_email ON certificate_learners (certificate_id, user_email, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_expiry ON certificate_learners (certificate_id,
    (CASE WHEN delivered_at IS NULL THEN 9000000000000001 ELSE COALESCE(expires_at, 9000000000000000) END),
    user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_delivered ON certificate_learners (certificate_id,
    (COALESCE(delivered_at, 9000000000000000)), user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_counts ON certificate_learners (certificate_id, user_deleted, enrolled, delivered_at, expires_at, user_id);
CREATE INDEX certificate_learners_deleted ON certificate_learners (certificate_id, enrolled, delivered_at, expires_at, user_id) WHERE user_deleted = TRUE;
-- the notification sweep's window by date, covering its rows: the row of a
-- WITHOUT ROWID table is sought for every index entry read that lacks a
-- column (here delivered_at), a dearer seek than by rowid
CREATE INDEX certificate_learners_expiring ON certificate_learners (expires_at, certificate_id, user_id, delivered_at) WHERE user_deleted = FALSE;
-- the planner's statistics of the table, which DROP TABLE removed; none
-- of an empty table, whose figures (a partial index of no rows) would
-- mislead the planner once rows come
ANALYZE certificate_learners;
DELETE FROM sqlite_stat1 WHERE tbl = 'certificate_learners' AND NOT EXISTS (SELECT 1 FROM certificate_learners);
DELETE FROM sqlite_stat4 WHERE tbl = 'certificate_learners' AND NOT EXISTS (SELECT 1 FROM certificate_learners);
-- dialect: both

-- +goose Down
-- dialect: sqlite
CREATE TABLE certificate_learners_by_certificate (
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    user_deleted BOOLEAN NOT NULL,
    enrolled BOOLEAN NOT NULL,
    delivered_at BIGINT,
    expires_at BIGINT,
    user_email TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (certificate_id, user_id)
);
INSERT INTO certificate_learners_by_certificate (certificate_id, user_id, user_name, user_deleted, enrolled, delivered_at, expires_at, user_email)
    SELECT certificate_id, user_id, user_name, user_deleted, enrolled, delivered_at, expires_at, user_email FROM certificate_learners;
DROP TABLE certificate_learners;
ALTER TABLE certificate_learners_by_certificate RENAME TO certificate_learners;
CREATE INDEX certificate_learners_name ON certificate_learners (certificate_id, user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_email ON certificate_learners (certificate_id, user_email, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_expiry ON certificate_learners (certificate_id,
    (CASE WHEN delivered_at IS NULL THEN 9000000000000001 ELSE COALESCE(expires_at, 9000000000000000) END),
    user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_delivered ON certificate_learners (certificate_id,
    (COALESCE(delivered_at, 9000000000000000)), user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_counts ON certificate_learners (certificate_id, user_deleted, enrolled, delivered_at, expires_at, user_id);
CREATE INDEX certificate_learners_deleted ON certificate_learners (certificate_id, enrolled, delivered_at, expires_at, user_id) WHERE user_deleted = TRUE;
ANALYZE certificate_learners;
DELETE FROM sqlite_stat1 WHERE tbl = 'certificate_learners' AND NOT EXISTS (SELECT 1 FROM certificate_learners);
DELETE FROM sqlite_stat4 WHERE tbl = 'certificate_learners' AND NOT EXISTS (SELECT 1 FROM certificate_learners);
CREATE INDEX certificate_learners_user ON certificate_learners (user_id, certificate_id);
CREATE INDEX certificate_learners_expires ON certificate_learners (certificate_id, expires_at, user_deleted, user_id);
CREATE INDEX certificate_learners_expiring ON certificate_learners (expires_at, certificate_id, user_id) WHERE user_deleted = FALSE;
-- dialect: both
