-- What a stored credential is: 'personal' (a personal token) or 'provider' (the request id a
-- user accepted for this server's provider key). Both are sealed alike; a provider credential
-- has no last four characters to show.
ALTER TABLE mono_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'personal';

-- Access requests waiting for the user to accept them in the Monobank app, one per user. The
-- request id and the accept link (which carries it) are sealed like tokens (bound to the user);
-- the callback URL's secret is kept as a hash. Once accepted the request id moves to
-- mono_tokens; an expired request is forgotten.
CREATE TABLE provider_requests (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ciphertext BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    key_id INTEGER NOT NULL REFERENCES token_keys (id),
    callback_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    checked_at BIGINT NOT NULL
);
