ALTER TABLE sync_accounts DROP COLUMN closed;
ALTER TABLE sync_accounts DROP COLUMN last_error;
ALTER TABLE sync_accounts DROP COLUMN retry_at;
ALTER TABLE sync_accounts DROP COLUMN failures;
