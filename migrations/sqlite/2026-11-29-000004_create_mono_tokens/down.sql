DROP TABLE snapshots;
DROP TABLE mono_tokens;
DROP TABLE token_keys;
