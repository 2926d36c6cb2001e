-- A session started with "stay signed in on this device": it is not ended for being idle, only
-- at its absolute deadline (30 days after login), by logout, password change, disable or
-- "log out other sessions".
ALTER TABLE sessions ADD COLUMN remembered BOOLEAN NOT NULL DEFAULT 0;
