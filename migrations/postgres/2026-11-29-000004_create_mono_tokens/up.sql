-- Keys that encrypt Monobank tokens. The key material is never stored: each key is derived from
-- the master secret file with HKDF and the key's id. The newest key encrypts; older ones decrypt
-- until `monoweb keys rotate` has re-encrypted every token.
CREATE TABLE token_keys (
    id INTEGER PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);

-- One Monobank token per user, encrypted (XChaCha20-Poly1305, associated data = user id + key
-- id). `fingerprint` is a keyed hash (HMAC) of the token: unique, so one token cannot be
-- attached twice, and usable as the rate-lane key without the token itself.
CREATE TABLE mono_tokens (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ciphertext BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    key_id INTEGER NOT NULL REFERENCES token_keys (id),
    fingerprint TEXT NOT NULL UNIQUE,
    last4 TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The last successful answers from Monobank per user (client-info, statements), served when
-- Monobank may not be asked again yet or is failing.
CREATE TABLE snapshots (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    json TEXT NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
