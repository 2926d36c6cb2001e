-- A hold that a settled transaction under a new id replaced is kept and marked with that
-- transaction's id (never deleted): a later statement that still lists the hold brings it back.
ALTER TABLE transactions ADD COLUMN superseded_by TEXT;
