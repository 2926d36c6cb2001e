-- What Monobank said of a token: when it first answered a call made with it (verified), and when
-- it rejected it (the token was revoked or mistyped). A replaced token starts with neither.
ALTER TABLE mono_tokens ADD COLUMN verified_at BIGINT;
ALTER TABLE mono_tokens ADD COLUMN rejected_at BIGINT;
