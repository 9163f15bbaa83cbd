-- Issue 10: what statements say must not change meaning when a training is
-- edited. Numbered after the issue so that parallel branches do not collide.

-- +goose Up

-- Stable choice ids (xAPI interaction components): choice_ids is a JSON
-- array beside choices, in the same order; choice_seq is the highest n of
-- the choice-n ids the activity ever used, so a removed choice's id is
-- never given to another. Existing choices get the ids they were always
-- sent with, choice-1, choice-2… by position; the number of choices is
-- counted from the compact JSON array, where "," only separates elements.
ALTER TABLE activities ADD COLUMN choice_ids TEXT;
ALTER TABLE activities ADD COLUMN choice_seq INTEGER NOT NULL DEFAULT 0;
UPDATE activities SET choice_seq = (LENGTH(choices) - LENGTH(REPLACE(choices, '","', ''))) / 3 + 1
WHERE choices IS NOT NULL;
UPDATE activities SET choice_ids = (
    WITH RECURSIVE n (i, ids) AS (
        SELECT 1, CAST('"choice-1"' AS TEXT)
        UNION ALL
        SELECT i + 1, ids || ',"choice-' || CAST(i + 1 AS TEXT) || '"' FROM n WHERE i < activities.choice_seq)
    SELECT '[' || ids || ']' FROM n WHERE i = activities.choice_seq)
WHERE choices IS NOT NULL;

-- When a training attempt was first passed: a registration reported passed
-- to the LRS is never reported failed afterwards (docs/DECISIONS.md).
ALTER TABLE enrollments ADD COLUMN passed_at BIGINT;
UPDATE enrollments SET passed_at = completed_at WHERE status = 'passed';
