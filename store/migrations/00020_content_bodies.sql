-- Issue 18: a content activity has something to read. body is Markdown
-- (rendered and sanitised when shown), url a video or external page;
-- attachments are images and PDFs an author uploads to a training and
-- links from a body, served only to those who may see the training.

-- +goose Up
ALTER TABLE activities ADD COLUMN body TEXT;
ALTER TABLE activities ADD COLUMN url TEXT;

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_training ON attachments (training_id);

-- +goose Down
DROP TABLE attachments;
ALTER TABLE activities DROP COLUMN url;
ALTER TABLE activities DROP COLUMN body;
