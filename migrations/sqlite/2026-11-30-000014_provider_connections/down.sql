DROP TABLE provider_requests;
ALTER TABLE mono_tokens DROP COLUMN kind;
