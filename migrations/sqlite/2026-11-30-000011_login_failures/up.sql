-- Logins per (account, client address). Five failures in a row from one address lock that
-- address out of that account, with a growing lock, while the owner still logs in from elsewhere.
-- The account's own count (`users.failed_logins`, every address together) no longer locks: past a
-- threshold it only slows the account down, `users.locked_until` being the time before which the
-- account takes no next attempt, except from an address the right password came from lately
-- (`trusted_until`). `seen_at` is the last attempt from the address.
CREATE TABLE login_failures (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until BIGINT,
    trusted_until BIGINT,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client)
);
CREATE INDEX login_failures_seen_at ON login_failures (seen_at);
-- The locks of the previous rule held against every address; they are lifted.
UPDATE users SET failed_logins = 0, locked_until = NULL;
