-- Issue 13: recertification rules per certificate (SPEC §9) and the manual
-- actions of administrators on delivered certificates. Numbered after the
-- branch's slot so that parallel branches do not collide.

-- +goose Up

-- The rules of a certificate. reenroll_days_before NULL: the server's
-- default lead (--reenroll-lead-days), capped below the validity
-- (status.ReenrollLead). expiry_base: delivery, previous_expiry or fixed
-- (with fixed_month and fixed_day).
ALTER TABLE certificates ADD COLUMN reenroll_days_before INTEGER;
ALTER TABLE certificates ADD COLUMN expiry_base TEXT NOT NULL DEFAULT 'delivery';
ALTER TABLE certificates ADD COLUMN fixed_month INTEGER;
ALTER TABLE certificates ADD COLUMN fixed_day INTEGER;

-- What each delivered certificate was computed from, and what
-- administrators did to it. previous_award_id: the learner's certificate
-- this one renewed (the newest earlier delivery of the same certificate),
-- which the previous_expiry base extends. awarded_by and reason: a learner
-- certified by hand. extended_*: an expiry set by hand. revoked_*: a
-- certificate that no longer counts anywhere; the row stays for the
-- learner's history and the audit.
ALTER TABLE awards ADD COLUMN previous_award_id BIGINT;
ALTER TABLE awards ADD COLUMN awarded_by BIGINT REFERENCES users (id);
ALTER TABLE awards ADD COLUMN reason TEXT;
ALTER TABLE awards ADD COLUMN extended_at BIGINT;
ALTER TABLE awards ADD COLUMN extended_by BIGINT REFERENCES users (id);
ALTER TABLE awards ADD COLUMN extend_reason TEXT;
ALTER TABLE awards ADD COLUMN revoked_at BIGINT;
ALTER TABLE awards ADD COLUMN revoked_by BIGINT REFERENCES users (id);
ALTER TABLE awards ADD COLUMN revoke_reason TEXT;
-- Revoked certificates are few: queries leave them out through this
-- index, as they do deleted enrollments, and keep their covering indexes.
CREATE INDEX awards_revoked ON awards (id) WHERE revoked_at IS NOT NULL;
UPDATE awards SET previous_award_id = (SELECT p.id FROM awards p
    WHERE p.certificate_id = awards.certificate_id AND p.user_id = awards.user_id
    AND (p.delivered_at < awards.delivered_at OR (p.delivered_at = awards.delivered_at AND p.id < awards.id))
    ORDER BY p.delivered_at DESC, p.id DESC LIMIT 1);

-- A learner may be enrolled again by an administrator in a session where
-- their earlier enrollment has passed (issue 13, fault 3): one open
-- enrollment per learner and session, not one for ever.
DROP INDEX enrollments_one_live;
CREATE UNIQUE INDEX enrollments_one_live ON enrollments (session_id, user_id)
    WHERE deleted_at IS NULL AND auto_reenrolled = FALSE AND passed_at IS NULL;

-- +goose Down
DROP INDEX enrollments_one_live;
CREATE UNIQUE INDEX enrollments_one_live ON enrollments (session_id, user_id)
    WHERE deleted_at IS NULL AND auto_reenrolled = FALSE;
DROP INDEX awards_revoked;
ALTER TABLE awards DROP COLUMN revoke_reason;
ALTER TABLE awards DROP COLUMN revoked_by;
ALTER TABLE awards DROP COLUMN revoked_at;
ALTER TABLE awards DROP COLUMN extend_reason;
ALTER TABLE awards DROP COLUMN extended_by;
ALTER TABLE awards DROP COLUMN extended_at;
ALTER TABLE awards DROP COLUMN reason;
ALTER TABLE awards DROP COLUMN awarded_by;
ALTER TABLE awards DROP COLUMN previous_award_id;
ALTER TABLE certificates DROP COLUMN fixed_day;
ALTER TABLE certificates DROP COLUMN fixed_month;
ALTER TABLE certificates DROP COLUMN expiry_base;
ALTER TABLE certificates DROP COLUMN reenroll_days_before;
