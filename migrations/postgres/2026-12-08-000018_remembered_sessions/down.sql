ALTER TABLE sessions DROP COLUMN remembered;
