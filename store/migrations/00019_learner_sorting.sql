-- Issue 18 (SPEC §3, "finding who needs action"): the learners table of a
-- certificate filters by latest status and expiration date and sorts by
-- name, email, latest status, delivery or expiration date; the list counts
-- expired and expiring learners. Each order has an index that a page reads
-- in order, covering its rows but the email's join; the filters on status
-- and expiration are ranges of the expiry key of one of them.
--
-- The expiry key orders by urgency: the expiration moment (expired ones
-- first), then the valid certificates that never expire (9e15), then the
-- learners who do not hold one (9e15 + 1). store/stats_learners.go writes
-- the same expressions, letter for letter, so the planners match them.

-- +goose Up
-- users.email, which never changes: the order by email without a join
ALTER TABLE certificate_learners ADD COLUMN user_email TEXT NOT NULL DEFAULT '';
-- backfill: what 00005's backfill leaves empty
UPDATE certificate_learners SET user_email = (SELECT u.email FROM users u WHERE u.id = certificate_learners.user_id);
-- end backfill

CREATE INDEX certificate_learners_email ON certificate_learners (certificate_id, user_email, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_expiry ON certificate_learners (certificate_id,
    (CASE WHEN delivered_at IS NULL THEN 9000000000000001 ELSE COALESCE(expires_at, 9000000000000000) END),
    user_name, user_id, user_deleted, delivered_at, expires_at);
CREATE INDEX certificate_learners_delivered ON certificate_learners (certificate_id,
    (COALESCE(delivered_at, 9000000000000000)), user_name, user_id, user_deleted, delivered_at, expires_at);

-- the list's counts, covered: expires_at too, for the expired and expiring
DROP INDEX certificate_learners_counts;
DROP INDEX certificate_learners_deleted;
CREATE INDEX certificate_learners_counts ON certificate_learners (certificate_id, user_deleted, enrolled, delivered_at, expires_at, user_id);
CREATE INDEX certificate_learners_deleted ON certificate_learners (certificate_id, enrolled, delivered_at, expires_at, user_id) WHERE user_deleted = TRUE;

-- +goose Down
DROP INDEX certificate_learners_deleted;
DROP INDEX certificate_learners_counts;
CREATE INDEX certificate_learners_counts ON certificate_learners (certificate_id, user_deleted, enrolled, delivered_at, user_id);
CREATE INDEX certificate_learners_deleted ON certificate_learners (certificate_id, enrolled, delivered_at, user_id) WHERE user_deleted = TRUE;
DROP INDEX certificate_learners_delivered;
DROP INDEX certificate_learners_expiry;
DROP INDEX certificate_learners_email;
ALTER TABLE certificate_learners DROP COLUMN user_email;
