-- The account's slowing down has two lanes: `locked_until` for attempts from addresses that
-- already failed at this account, and this one for addresses that never did (a new address of
-- the owner's), so guesses from a few rotating addresses cannot keep the owner out.
ALTER TABLE users ADD COLUMN fresh_locked_until BIGINT;
