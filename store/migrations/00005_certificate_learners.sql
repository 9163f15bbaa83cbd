-- The learners of each certificate (SPEC §3): one row per certificate and
-- user linked to it — enrolled in a live enrollment of a path granting it
-- (any session, archived included) or holding it from a live enrollment.
-- It is derived from enrollments, sessions, awards and users, and kept in
-- step with them by store/certificate_learners.go in the transaction that
-- changes them, so the certificate list counts one row per learner instead
-- of joining every enrollment of the platform (docs/PERFORMANCE.md).
-- Numbered after its issue (5) so branches adding migrations do not collide.

-- +goose Up
CREATE TABLE certificate_learners (
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,                 -- users.name: the learners table's order
    user_deleted BOOLEAN NOT NULL,           -- users.deleted_at IS NOT NULL: the user status filter
    enrolled BOOLEAN NOT NULL,               -- in a live enrollment of a granting path whose session is not archived
    delivered_at BIGINT,                     -- the certificate most recently delivered in a live enrollment;
    expires_at BIGINT,                       --   NULL when the user does not hold it
    PRIMARY KEY (certificate_id, user_id)
);
-- filters select users: from them to their rows
CREATE INDEX certificate_learners_user ON certificate_learners (user_id, certificate_id);
-- a learners table in its order, covering all but the email: a page reads its rows only
CREATE INDEX certificate_learners_name ON certificate_learners (certificate_id, user_name, user_id, user_deleted, delivered_at, expires_at);
-- the list's counts, covered, in certificate order; deleted users apart, being few
CREATE INDEX certificate_learners_counts ON certificate_learners (certificate_id, user_deleted, enrolled, delivered_at, user_id);
CREATE INDEX certificate_learners_deleted ON certificate_learners (certificate_id, enrolled, delivered_at, user_id) WHERE user_deleted = TRUE;

-- backfill: the same rows as rebuildCertificateLearners in store/certificate_learners.go
INSERT INTO certificate_learners (certificate_id, user_id, user_name, user_deleted, enrolled, delivered_at, expires_at)
SELECT p.certificate_id, p.user_id, u.name, u.deleted_at IS NOT NULL,
    EXISTS (SELECT 1 FROM training_certificates tc JOIN enrollments e ON e.training_id = tc.training_id
        JOIN sessions s ON s.id = e.session_id
        WHERE tc.certificate_id = p.certificate_id AND e.user_id = p.user_id AND e.deleted_at IS NULL AND s.archived_at IS NULL),
    la.delivered_at, la.expires_at
FROM (SELECT tc.certificate_id, e.user_id FROM enrollments e JOIN training_certificates tc ON tc.training_id = e.training_id
        WHERE e.deleted_at IS NULL
    UNION
    SELECT a.certificate_id, a.user_id FROM awards a JOIN enrollments e ON e.id = a.enrollment_id
        WHERE e.deleted_at IS NULL) p
JOIN users u ON u.id = p.user_id
LEFT JOIN awards la ON la.id = (SELECT a.id FROM awards a JOIN enrollments ae ON ae.id = a.enrollment_id
    WHERE a.certificate_id = p.certificate_id AND a.user_id = p.user_id AND ae.deleted_at IS NULL
    ORDER BY a.delivered_at DESC, a.id DESC LIMIT 1);
-- end backfill

-- +goose Down
DROP TABLE certificate_learners;
