//! Personal API keys (`docs/security.md`, S28g): `Authorization: Bearer mwk_…` on `/api` instead of
//! a session cookie. A key is 32 random bytes; only its SHA-256 is stored, and the key itself is
//! shown once, when it is made. A `read` key may call every view that only reads; a `write` key
//! may also attach or remove the token, register the webhook and ask for history. No key may
//! change the password or manage keys: those need a logged-in session, so a leaked key cannot
//! take the account over or outlive its revocation.

use base64::Engine as _;
use rand::Rng;
use sha2::{Digest, Sha256};

/// What every key starts with, so that secret scanners (and people) can recognise one.
pub const KEY_PREFIX: &str = "mwk_";
/// Characters of a key shown in lists: the prefix and the first eight of the random part.
const SHOWN: usize = KEY_PREFIX.len() + 8;

/// What a key may do.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    /// The scope stored as `text`; an unknown text gives the narrower one.
    pub fn from_stored(text: &str) -> Scope {
        match text {
            "write" => Scope::Write,
            _ => Scope::Read,
        }
    }
}

/// A key just made: the text shown once, and what is stored of it.
pub struct MadeKey {
    pub key: String,
    pub prefix: String,
    pub hash: String,
}

/// Makes a new random key.
pub fn make() -> MadeKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    MadeKey {
        prefix: key[..SHOWN].to_owned(),
        hash: hash(&key),
        key,
    }
}

/// What is stored of a key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_long_random_and_stored_only_as_its_hash() {
        let one = make();
        let two = make();
        assert_ne!(one.key, two.key);
        assert!(one.key.starts_with(KEY_PREFIX));
        assert_eq!(
            one.key.len(),
            KEY_PREFIX.len() + 43,
            "32 bytes in base64url"
        );
        assert!(one.key.starts_with(&one.prefix));
        assert_eq!(one.hash, hash(&one.key));
        assert!(!one.hash.contains(&one.key[KEY_PREFIX.len()..]));
    }
}
