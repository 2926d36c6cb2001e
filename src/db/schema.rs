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

diesel::joinable!(mono_tokens -> token_keys (key_id));
diesel::joinable!(mono_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(snapshots -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    mono_tokens,
    rate_lanes,
    sessions,
    snapshots,
    token_keys,
    users,
);
