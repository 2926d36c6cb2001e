ALTER TABLE transactions DROP COLUMN superseded_by;
