// @generated shape, kept by hand for both backends; `tests/it/schema.rs` checks it against the
// migrations of SQLite and PostgreSQL.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        is_active -> Bool,
        created_at -> BigInt,
        last_login_at -> Nullable<BigInt>,
        failed_logins -> Integer,
        locked_until -> Nullable<BigInt>,
        security_stamp -> Text,
        amount_style -> Text,
        fresh_locked_until -> Nullable<BigInt>,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scope -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    login_failures (user_id, client) {
        user_id -> BigInt,
        client -> Text,
        failures -> Integer,
        locked_until -> Nullable<BigInt>,
        trusted_until -> Nullable<BigInt>,
        seen_at -> BigInt,
    }
}

diesel::table! {
    rate_lanes (token_fingerprint, endpoint) {
        token_fingerprint -> Text,
        endpoint -> Text,
        next_at -> BigInt,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Text,
        user_id -> Nullable<BigInt>,
        login_id -> Nullable<Text>,
        state -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
        remembered -> Bool,
    }
}

diesel::table! {
    token_keys (id) {
        id -> Integer,
        created_at -> BigInt,
    }
}

diesel::table! {
    mono_tokens (user_id) {
        user_id -> BigInt,
        ciphertext -> Binary,
        nonce -> Binary,
        key_id -> Integer,
        fingerprint -> Text,
        last4 -> Text,
        webhook_url -> Nullable<Text>,
        webhook_secret_hash -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        verified_at -> Nullable<BigInt>,
        rejected_at -> Nullable<BigInt>,
        kind -> Text,
        webhook_reset_at -> Nullable<BigInt>,
        webhook_reset_cause -> Nullable<Text>,
        webhook_reset_from -> Nullable<Text>,
        webhook_reset_to -> Nullable<Text>,
    }
}

diesel::table! {
    provider_requests (user_id) {
        user_id -> BigInt,
        ciphertext -> Binary,
        nonce -> Binary,
        key_id -> Integer,
        callback_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        checked_at -> BigInt,
    }
}

diesel::table! {
    snapshots (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        json -> Text,
        fetched_at -> BigInt,
    }
}

diesel::table! {
    transactions (user_id, id) {
        user_id -> BigInt,
        id -> Text,
        account -> Text,
        time -> BigInt,
        description -> Text,
        mcc -> Integer,
        original_mcc -> Integer,
        amount -> BigInt,
        operation_amount -> BigInt,
        currency_code -> Integer,
        commission_rate -> BigInt,
        cashback_amount -> BigInt,
        balance -> BigInt,
        hold -> Bool,
        comment -> Nullable<Text>,
        receipt_id -> Nullable<Text>,
        invoice_id -> Nullable<Text>,
        counter_edrpou -> Nullable<Text>,
        counter_iban -> Nullable<Text>,
        counter_name -> Nullable<Text>,
        source -> Text,
        received_at -> BigInt,
        cancelled -> Bool,
        superseded_by -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        user_id -> BigInt,
        transaction_id -> Text,
        body -> Text,
        signed -> Bool,
        received_at -> BigInt,
    }
}

diesel::table! {
    sync_accounts (user_id, account) {
        user_id -> BigInt,
        account -> Text,
        history_from -> BigInt,
        synced_from -> BigInt,
        synced_to -> BigInt,
        cursor -> Nullable<Text>,
        updated_at -> BigInt,
        failures -> Integer,
        retry_at -> BigInt,
        last_error -> Nullable<Text>,
        closed -> Bool,
        recent_cursor -> Nullable<Text>,
        turn -> BigInt,
        reread_at -> BigInt,
    }
}

diesel::table! {
    sync_users (user_id) {
        user_id -> BigInt,
        lease_owner -> Nullable<Text>,
        lease_until -> BigInt,
        last_event_at -> Nullable<BigInt>,
        webhook_checked_at -> BigInt,
        held_from -> Nullable<BigInt>,
        held_confirmed -> Bool,
    }
}

diesel::table! {
    sync_gaps (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        gap_from -> BigInt,
        gap_to -> BigInt,
        recorded_at -> BigInt,
    }
}

diesel::table! {
    heartbeats (instance) {
        instance -> Text,
        beat_at -> BigInt,
    }
}

diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(login_failures -> users (user_id));
diesel::joinable!(mono_tokens -> token_keys (key_id));
diesel::joinable!(mono_tokens -> users (user_id));
diesel::joinable!(provider_requests -> token_keys (key_id));
diesel::joinable!(provider_requests -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(snapshots -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    heartbeats,
    login_failures,
    mono_tokens,
    provider_requests,
    rate_lanes,
    sessions,
    snapshots,
    sync_accounts,
    sync_gaps,
    sync_users,
    token_keys,
    transactions,
    users,
    webhook_events,
);
