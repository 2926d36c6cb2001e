-- Users of monoweb. Times are Unix seconds (UTC). Usernames are ASCII, so lower() folds them
-- completely and the expression index makes them unique regardless of case.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    security_stamp TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
