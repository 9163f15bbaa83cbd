-- Certificate verification (SPEC §8, issue 17): every delivered
-- certificate carries a verification code of 128 random bits, the key of
-- its public page {base-url}/verify/{code}. New certificates get theirs
-- from crypto/rand when they are delivered (store/verification.go); the
-- certificates delivered before this migration get theirs here, from the
-- database's own strong random source: store/dialect.go rewrites
-- RANDOM_CODE into 32 lower-case hex digits for each database.

-- +goose Up
ALTER TABLE awards ADD COLUMN verification_code TEXT;
UPDATE awards SET verification_code = RANDOM_CODE WHERE verification_code IS NULL;
CREATE UNIQUE INDEX awards_verification_code ON awards (verification_code);

-- +goose Down
DROP INDEX awards_verification_code;
ALTER TABLE awards DROP COLUMN verification_code;
