-- Every transaction of every account and jar of a user, as Monobank sent it (webhook or
-- statement), kept so that any range can be shown without asking Monobank again. One row per
-- (user, Monobank transaction id): a repeated delivery updates the row, never adds one.
-- `source` is `webhook` or `statement`; `cancelled` marks a hold that disappeared from a later
-- statement of its time (Monobank drops cancelled holds); a hold settled under another id is
-- replaced by the settled row (see src/db/transactions.rs for the matching rule).
CREATE TABLE transactions (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    account TEXT NOT NULL,
    time BIGINT NOT NULL,
    description TEXT NOT NULL,
    mcc INTEGER NOT NULL,
    original_mcc INTEGER NOT NULL,
    amount BIGINT NOT NULL,
    operation_amount BIGINT NOT NULL,
    currency_code INTEGER NOT NULL,
    commission_rate BIGINT NOT NULL,
    cashback_amount BIGINT NOT NULL,
    balance BIGINT NOT NULL,
    hold BOOLEAN NOT NULL,
    comment TEXT,
    receipt_id TEXT,
    invoice_id TEXT,
    counter_edrpou TEXT,
    counter_iban TEXT,
    counter_name TEXT,
    source TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX transactions_account_time ON transactions (user_id, account, time);

-- Webhook events as received (the raw body), for audit and replay; one per (user, transaction).
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL,
    body TEXT NOT NULL,
    signed BOOLEAN NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (user_id, transaction_id)
);

-- Per account: the span of time whose transactions are all in the store
-- ([synced_from, synced_to], Unix s; empty while synced_from > synced_to), how far back the
-- history should go, and the statement fetch in progress (a JSON cursor, resumable by any
-- instance after a restart).
CREATE TABLE sync_accounts (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account TEXT NOT NULL,
    history_from BIGINT NOT NULL,
    synced_from BIGINT NOT NULL,
    synced_to BIGINT NOT NULL,
    cursor TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, account)
);

-- Per user: which instance syncs this token now (a lease that expires, so a dead instance's work
-- is taken over), when the last webhook event came, and when the webhook was last checked.
CREATE TABLE sync_users (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_event_at BIGINT,
    webhook_checked_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mono_tokens_webhook_secret_hash ON mono_tokens (webhook_secret_hash);
