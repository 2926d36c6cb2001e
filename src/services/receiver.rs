//! monoweb's own webhook receiver as the services see it: the URL it is registered under and
//! how its secrets are stored (hashed, like every secret in a URL).

use sha2::{Digest, Sha256};

use super::Context;

/// The URL prefix of monoweb's own receiver (the secret follows it).
pub fn own_prefix(ctx: &Context) -> String {
    own_prefix_of(&ctx.public_url)
}

/// monoweb's own receiver under `public_url` (the CLI has no [`Context`]).
pub fn own_prefix_of(public_url: &url::Url) -> String {
    format!(
        "{}{}",
        public_url.as_str().trim_end_matches('/'),
        crate::domain::RECEIVER_PATH
    )
}

/// The stored hash of a receiver secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
