-- The chart of a certificate's page (issue 7, SPEC §3): its deliveries
-- and its learners' expirations, counted month by month over two years.
-- Deliveries are read from awards by certificate and date, and their
-- enrollments checked against the few deleted ones; expirations from
-- certificate_learners by certificate and date: each from an index alone
-- (docs/PERFORMANCE.md, "The certificate page").

-- +goose Up
CREATE INDEX awards_certificate_delivered ON awards (certificate_id, delivered_at, enrollment_id, user_id);
CREATE INDEX certificate_learners_expires ON certificate_learners (certificate_id, expires_at, user_deleted, user_id);
CREATE INDEX enrollments_deleted ON enrollments (id) WHERE deleted_at IS NOT NULL;

-- +goose Down
DROP INDEX enrollments_deleted;
DROP INDEX certificate_learners_expires;
DROP INDEX awards_certificate_delivered;
