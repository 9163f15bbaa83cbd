-- Delivery of xAPI statements to the customer's LRS (SPEC §4).

-- +goose Up
-- The delivery queue of one training's statements: a worker claims it by
-- setting a lease (next_attempt_at in the future, claim = its token) in a
-- short transaction, sends outside any transaction, then settles. The lease
-- keeps one worker per training at a time, so statements go in order; a
-- crashed worker's lease simply expires. Times here are real time in
-- milliseconds, not the business clock: they only schedule retries.
CREATE TABLE lrs_queues (
    training_id BIGINT PRIMARY KEY REFERENCES trainings (id),
    next_attempt_at BIGINT NOT NULL DEFAULT 0,   -- leased or backing off until then
    failures INTEGER NOT NULL DEFAULT 0,         -- consecutive failed deliveries: the back-off's exponent
    claim TEXT,                                  -- token of the claim holding the lease
    last_error TEXT                              -- why the last delivery failed, for admins
);

-- Scheduling is per training, here; lrs_outbox.next_attempt_at keeps the
-- time the statement was written.
ALTER TABLE lrs_outbox ADD COLUMN parked_at BIGINT;

-- The pending statements of one training, in order: the claim's query and
-- its "is anything pending" test read only these, however many statements
-- were delivered before.
CREATE INDEX lrs_outbox_pending ON lrs_outbox (training_id, id) WHERE state = 'pending';
CREATE INDEX lrs_outbox_parked ON lrs_outbox (id) WHERE state = 'parked';
