-- The whole schema of skillpath, written once for SQLite and PostgreSQL.
-- Conventions (store/dialect.go rewrites the few words that differ):
--   * "INTEGER PRIMARY KEY" is an auto-assigned id (a BIGINT identity on PostgreSQL);
--     every column referring to an id is BIGINT.
--   * Times are BIGINT milliseconds since the Unix epoch, UTC: exact, portable,
--     and compared as numbers by both databases.
--   * Soft deletion is a deleted_at time; NULL means live.

-- +goose Up
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,          -- lower-cased email: unique ignoring case
    name TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    deleted_at BIGINT,
    platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_registered_at ON users (registered_at);
CREATE INDEX users_name ON users (name, id);

CREATE TABLE user_fields (
    user_id BIGINT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX user_fields_key_value ON user_fields (key, value, user_id);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES groups (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX groups_parent ON groups (parent_id);

-- The closure of the group tree: one row per (ancestor, descendant) pair,
-- a group being its own ancestor at depth 0. "A group includes its
-- subgroups" becomes one indexed join.
CREATE TABLE group_tree (
    ancestor_id BIGINT NOT NULL REFERENCES groups (id),
    descendant_id BIGINT NOT NULL REFERENCES groups (id),
    depth INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX group_tree_descendant ON group_tree (descendant_id, ancestor_id);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE group_staff (
    group_id BIGINT NOT NULL REFERENCES groups (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id, role)
);
CREATE INDEX group_staff_user ON group_staff (user_id, group_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,         -- SHA-256 of the token; the token itself is never stored
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    user_id BIGINT NOT NULL REFERENCES users (id),
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (user_id, failed_at);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    owner_group_id BIGINT NOT NULL REFERENCES groups (id),
    validity_months INTEGER,
    created_at BIGINT NOT NULL
);

CREATE TABLE trainings (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    requires_approval BOOLEAN NOT NULL DEFAULT FALSE,
    price_cents BIGINT,
    passing_score DOUBLE PRECISION,
    mastery_score DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);

CREATE TABLE training_certificates (
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    PRIMARY KEY (training_id, certificate_id)
);
CREATE INDEX training_certificates_certificate ON training_certificates (certificate_id, training_id);

CREATE TABLE training_prerequisites (
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    prerequisite_id BIGINT NOT NULL REFERENCES trainings (id),
    PRIMARY KEY (training_id, prerequisite_id)
);
CREATE INDEX training_prerequisites_prerequisite ON training_prerequisites (prerequisite_id);

CREATE TABLE training_staff (
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,                      -- author or instructor
    PRIMARY KEY (training_id, user_id, role)
);
CREATE INDEX training_staff_user ON training_staff (user_id, training_id);

CREATE TABLE modules (
    id INTEGER PRIMARY KEY,
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    min_score DOUBLE PRECISION,
    max_attempts INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX modules_training ON modules (training_id, position);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    module_id BIGINT NOT NULL REFERENCES modules (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    points DOUBLE PRECISION NOT NULL DEFAULT 0,
    manual_scoring BOOLEAN NOT NULL DEFAULT FALSE,
    choices TEXT,                            -- JSON array of strings
    correct TEXT
);
CREATE INDEX activities_module ON activities (module_id, position);

CREATE TABLE purchases (
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    purchased_at BIGINT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    PRIMARY KEY (training_id, user_id)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    name TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    auto_reenroll BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at BIGINT,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sessions_training ON sessions (training_id);

-- One learner in one session. status and score are the training status
-- of SPEC §1 as last computed from the facts (store/recompute.go), kept
-- for fast filtering; "expired" is not stored but derived at read time
-- from the awards and the clock.
CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    enrolled_at BIGINT NOT NULL,
    enrolled_by BIGINT REFERENCES users (id),
    self_enrolled BOOLEAN NOT NULL DEFAULT FALSE,
    approved_at BIGINT,
    approved_by BIGINT REFERENCES users (id),
    auto_reenrolled BOOLEAN NOT NULL DEFAULT FALSE,
    reenrolled_from BIGINT UNIQUE REFERENCES enrollments (id),
    deleted_at BIGINT,
    attempt_uuid TEXT UNIQUE,                -- the training attempt: xAPI context.registration
    started_at BIGINT,
    status TEXT NOT NULL,
    score DOUBLE PRECISION,
    completed_at BIGINT,
    mastered_at BIGINT
);
CREATE INDEX enrollments_user ON enrollments (user_id, training_id);
CREATE INDEX enrollments_session ON enrollments (session_id, user_id);
CREATE INDEX enrollments_training_status ON enrollments (training_id, status);
-- At most one live enrollment per learner and session, except automatic
-- re-enrollments, which are unique through reenrolled_from.
CREATE UNIQUE INDEX enrollments_one_live ON enrollments (session_id, user_id)
    WHERE deleted_at IS NULL AND auto_reenrolled = FALSE;

CREATE TABLE module_attempts (
    id INTEGER PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    module_id BIGINT NOT NULL REFERENCES modules (id),
    number INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    UNIQUE (enrollment_id, module_id, number)
);
CREATE INDEX module_attempts_module ON module_attempts (module_id);

-- An answer to a question, or the view of a content page (response NULL).
CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    module_attempt_id BIGINT NOT NULL REFERENCES module_attempts (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    response TEXT,
    answered_at BIGINT NOT NULL,
    score DOUBLE PRECISION,
    scored_at BIGINT,
    scored_by BIGINT REFERENCES users (id),
    UNIQUE (module_attempt_id, activity_id)
);
CREATE INDEX answers_activity ON answers (activity_id);

-- A certificate delivered in an enrollment (SPEC §2).
CREATE TABLE awards (
    id INTEGER PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    delivered_at BIGINT NOT NULL,
    expires_at BIGINT,
    UNIQUE (enrollment_id, certificate_id)
);
CREATE INDEX awards_certificate_user ON awards (certificate_id, user_id, delivered_at);
CREATE INDEX awards_user ON awards (user_id);

-- Results tracking settings of a training (SPEC §4): the draft an admin
-- edits and the live copy that publishing makes. Passwords are encrypted.
CREATE TABLE lrs_settings (
    training_id BIGINT PRIMARY KEY REFERENCES trainings (id),
    draft_endpoint TEXT NOT NULL,
    draft_login TEXT NOT NULL DEFAULT '',
    draft_password TEXT NOT NULL DEFAULT '',
    draft_verbs TEXT NOT NULL,
    live_endpoint TEXT,
    live_login TEXT,
    live_password TEXT,
    live_verbs TEXT,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);

-- Statements waiting for, or done with, delivery to the LRS. Written in the
-- same transaction as the learning event that causes them.
CREATE TABLE lrs_outbox (
    id INTEGER PRIMARY KEY,
    statement_id TEXT NOT NULL UNIQUE,
    training_id BIGINT NOT NULL REFERENCES trainings (id),
    verb TEXT NOT NULL,
    statement TEXT NOT NULL,
    state TEXT NOT NULL,                     -- pending, delivered or parked
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX lrs_outbox_state ON lrs_outbox (state, next_attempt_at);
CREATE INDEX lrs_outbox_training ON lrs_outbox (training_id, id);
