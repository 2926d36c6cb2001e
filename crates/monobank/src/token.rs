//! `MonoToken`: a Monobank personal API token. It is a secret: Debug prints `[redacted]`, there
//! is no Display, and the text is exposed only where the `X-Token` header is built.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Length of a personal token.
pub const TOKEN_LEN: usize = 44;

/// A syntactically valid personal token: 44 characters of `[A-Za-z0-9_-]`.
#[derive(Clone)]
pub struct MonoToken(SecretString);

/// Why a token was refused. The message never repeats the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a Monobank token is 44 characters of letters, digits, '_' and '-'")]
pub struct TokenFormatError;

impl MonoToken {
    /// Accepts exactly 44 characters of `[A-Za-z0-9_-]` (nothing is trimmed) and keeps them as a
    /// secret; the error never repeats the input.
    pub fn parse(raw: &str) -> Result<Self, TokenFormatError> {
        let valid = raw.len() == TOKEN_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(MonoToken(SecretString::from(raw.to_owned())))
        } else {
            Err(TokenFormatError)
        }
    }

    /// The token itself; call only to build the request header or to encrypt it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The last four characters, the only part ever shown.
    pub fn last4(&self) -> String {
        let text = self.expose();
        text[text.len().saturating_sub(4)..].to_owned()
    }
}

impl fmt::Debug for MonoToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MonoToken([redacted])")
    }
}

impl PartialEq for MonoToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "uABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn_-9";

    #[test]
    fn parses_44_url_safe_characters() {
        assert_eq!(GOOD.len(), 44);
        let token = MonoToken::parse(GOOD).unwrap_or_else(|_| panic!("valid"));
        assert_eq!(token.last4(), "n_-9");
        assert_eq!(format!("{token:?}"), "MonoToken([redacted])");
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            &GOOD[..43],
            &format!("{GOOD}x"),
            &GOOD.replace('u', "+"),
            &GOOD.replace('u', " "),
            "",
            &"é".repeat(22),
        ] {
            assert!(MonoToken::parse(bad).is_err(), "{bad:?}");
        }
    }
}
