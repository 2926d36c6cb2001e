-- Server-side sessions. The cookie holds a random key; only its SHA-256 is stored here, so a
-- leaked database does not reveal live session keys. `user_id` and `login_id` are copied out of
-- the state so that a user's sessions can be listed and ended. Times are Unix seconds:
-- `expires_at` is the absolute deadline, `last_seen_at` drives the idle timeout.
CREATE TABLE sessions (
    key_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    login_id TEXT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
