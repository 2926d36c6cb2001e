-- A failed statement call is not data: the span stays unfetched and the account is retried
-- after a growing pause (`retry_at`), with the last error shown in the sync status. Only
-- Monobank's "invalid account" (a closed card or jar) ends an account's sync (`closed`).
ALTER TABLE sync_accounts ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_accounts ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_accounts ADD COLUMN last_error TEXT;
ALTER TABLE sync_accounts ADD COLUMN closed BOOLEAN NOT NULL DEFAULT FALSE;
