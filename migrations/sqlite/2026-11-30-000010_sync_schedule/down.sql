DROP TABLE heartbeats;
DROP TABLE sync_gaps;
ALTER TABLE sync_users DROP COLUMN held_confirmed;
ALTER TABLE sync_users DROP COLUMN held_from;
ALTER TABLE sync_accounts DROP COLUMN reread_at;
ALTER TABLE sync_accounts DROP COLUMN turn;
ALTER TABLE sync_accounts DROP COLUMN recent_cursor;
