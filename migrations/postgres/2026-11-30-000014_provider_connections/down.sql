DROP TABLE provider_requests;
-- Without the column a provider connection would read as a personal token: it goes first.
DELETE FROM mono_tokens WHERE kind = 'provider';
ALTER TABLE mono_tokens DROP COLUMN kind;
