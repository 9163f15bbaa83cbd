-- Counting one training's statements by state (SPEC §4: the outbox's
-- pending, delivered and parked statements, shown on the training's tracking
-- page, issue 7) from the index alone, without visiting every delivered row.
-- Numbered after the issue so that parallel branches do not collide.

-- +goose Up
CREATE INDEX lrs_outbox_training_state ON lrs_outbox (training_id, state);
