-- A training's version goes up with every change to its tree, links or
-- publication, in the same transaction: processes cache training trees by
-- version and read the version in each transaction (store/trees.go).

-- +goose Up
ALTER TABLE trainings ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE trainings DROP COLUMN version;
