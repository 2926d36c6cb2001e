ALTER TABLE mono_tokens DROP COLUMN rejected_at;
ALTER TABLE mono_tokens DROP COLUMN verified_at;
