DROP INDEX sessions_expires_at;
DROP INDEX sessions_user_id;
DROP TABLE sessions;
