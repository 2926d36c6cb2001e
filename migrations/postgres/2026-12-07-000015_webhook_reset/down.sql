ALTER TABLE mono_tokens DROP COLUMN webhook_reset_to;
ALTER TABLE mono_tokens DROP COLUMN webhook_reset_from;
ALTER TABLE mono_tokens DROP COLUMN webhook_reset_cause;
ALTER TABLE mono_tokens DROP COLUMN webhook_reset_at;
