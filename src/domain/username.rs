//! `Username`: the only way to name a user past the edge of the program.

use std::fmt;

/// A valid username: 3 to 32 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or
/// digit. ASCII keeps case-insensitive uniqueness exact on both backends (`lower()` folds it
/// completely) and rules out look-alike Unicode names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

/// Why a username was refused; the text is shown to the user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct UsernameError(&'static str);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    /// Checks `raw` (surrounding spaces are not trimmed: they are an error).
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        if raw.len() < Self::MIN_LEN {
            return Err(UsernameError("username must be at least 3 characters"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(UsernameError("username must be at most 32 characters"));
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(UsernameError(
                "username may contain only letters a-z, digits, '.', '_' and '-'",
            ));
        }
        if !raw.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(UsernameError("username must start with a letter or digit"));
        }
        Ok(Username(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for lookups and the unique index.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["alice", "Bob_1", "a.b-c", "007", &"x".repeat(32)] {
            assert!(Username::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn rejects_bad_names() {
        for name in [
            "",
            "ab",
            " alice",
            "alice ",
            "al ice",
            "ålice",
            "-alice",
            ".x1",
            "a/b",
            "a@b",
            &"x".repeat(33),
            "<script>",
        ] {
            assert!(Username::parse(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn key_folds_case() {
        assert_eq!(
            Username::parse("AliCE").map(|u| u.key()),
            Ok("alice".to_owned())
        );
    }
}
