-- Issue 15: approvals. A refused self-enrollment is deleted like any
-- enrollment (it vanishes everywhere) and marked refused, with who refused
-- it, so the audit can tell a refusal from a removal. The pending ones are
-- found through a small partial index: the navigation counts them on every
-- page an approver opens.

-- +goose Up
ALTER TABLE enrollments ADD COLUMN refused_at BIGINT;
ALTER TABLE enrollments ADD COLUMN refused_by BIGINT;
CREATE INDEX enrollments_awaiting_approval ON enrollments (id)
    WHERE self_enrolled = TRUE AND approved_at IS NULL AND deleted_at IS NULL;

-- +goose Down
DROP INDEX enrollments_awaiting_approval;
ALTER TABLE enrollments DROP COLUMN refused_by;
ALTER TABLE enrollments DROP COLUMN refused_at;
