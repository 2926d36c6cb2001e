ALTER TABLE users DROP COLUMN fresh_locked_until;
