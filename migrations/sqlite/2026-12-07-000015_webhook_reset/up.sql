-- When monoweb took the token's webhook back from another URL (a password change, "log out
-- other sessions" or an admin's disable may follow a stolen session that pointed it elsewhere):
-- when, why ('password', 'sessions', 'disabled'), the URL it replaced, and where it points now
-- ('own': monoweb's receiver, 'removed': none). Shown on /webhook until a webhook is registered
-- again.
ALTER TABLE mono_tokens ADD COLUMN webhook_reset_at BIGINT;
ALTER TABLE mono_tokens ADD COLUMN webhook_reset_cause TEXT;
ALTER TABLE mono_tokens ADD COLUMN webhook_reset_from TEXT;
ALTER TABLE mono_tokens ADD COLUMN webhook_reset_to TEXT;
