-- The sync's schedule: besides the older-history fetch in progress (`cursor`), an account has
-- a fetch of its recent days (`recent_cursor`: the newest month, a catch-up after a gap, a
-- re-read of open holds); `turn` orders accounts round robin and `reread_at` says when open
-- holds were last re-read. Cursors of the previous single-track schedule are dropped (their
-- span is fetched again; the store keeps what they brought).
ALTER TABLE sync_accounts ADD COLUMN recent_cursor TEXT;
ALTER TABLE sync_accounts ADD COLUMN turn BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_accounts ADD COLUMN reread_at BIGINT NOT NULL DEFAULT 0;
UPDATE sync_accounts SET cursor = NULL;
-- The previous schedule's fetches asked up to the second they were made; this one counts a fetch
-- as covering only the seconds before it (an operation of that very second may come later).
UPDATE sync_accounts SET synced_to = synced_to - 1 WHERE synced_from < synced_to;
-- Webhook coverage: since `held_from` every operation arrives by webhook (monoweb's receiver
-- registered, the app up, no known gap); `held_confirmed` is false until client-info confirms
-- the receiver after a start.
ALTER TABLE sync_users ADD COLUMN held_from BIGINT;
ALTER TABLE sync_users ADD COLUMN held_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
-- Known gaps in webhook coverage, kept for the sync status.
CREATE TABLE sync_gaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    gap_from BIGINT NOT NULL,
    gap_to BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX sync_gaps_user ON sync_gaps (user_id, id);
-- Each instance's last sign of life: a start after every instance fell silent is downtime.
CREATE TABLE heartbeats (
    instance TEXT PRIMARY KEY NOT NULL,
    beat_at BIGINT NOT NULL
);
