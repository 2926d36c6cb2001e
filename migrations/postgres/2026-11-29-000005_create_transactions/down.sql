DROP INDEX mono_tokens_webhook_secret_hash;
DROP TABLE sync_users;
DROP TABLE sync_accounts;
DROP TABLE webhook_events;
DROP TABLE transactions;
