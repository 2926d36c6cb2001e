-- Personal API keys: a script sends `Authorization: Bearer <key>` instead of a session cookie.
-- Only the SHA-256 of a key is stored (a key is 256 random bits, so a plain hash cannot be
-- reversed); `prefix` is its first characters, shown so the owner can tell keys apart.
-- `scope` is `read` or `write`. A revoked key's row is deleted.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id, id);
