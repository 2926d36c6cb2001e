//! Domain types that many layers share: user ids, usernames, merchant
//! categories, Kyiv days and times, and the receiver's path. Everything
//! here is plain data and rules, with no database, HTTP or Monobank call.

pub mod amount_style;
pub mod kyiv;
pub mod mcc;
pub mod username;

pub use username::Username;

/// A user's id; cannot be confused with any other id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// The path prefix of monoweb's webhook receiver; the receiver's secret follows it. Cross-site
/// POSTs may reach it (Monobank delivers there) and logs never show what follows it.
pub const RECEIVER_PATH: &str = "/hooks/mono/";

/// The path prefix of the provider webhook and the provider callback; secrets follow it, as
/// under [`RECEIVER_PATH`].
pub const PROVIDER_HOOKS_PATH: &str = "/hooks/provider/";

/// A request path as logs may show it: under [`RECEIVER_PATH`] or [`PROVIDER_HOOKS_PATH`]
/// whatever follows (a secret) is `…`, and the route it names is answered too (`None` for any
/// other path, which is logged as it is).
pub fn hidden_hook_path(path: &str) -> Option<(&'static str, &'static str)> {
    if path.starts_with(RECEIVER_PATH) {
        Some(("/hooks/mono/{secret}", "/hooks/mono/…"))
    } else if path.starts_with(PROVIDER_HOOKS_PATH) {
        Some(("/hooks/provider/{secret}", "/hooks/provider/…"))
    } else {
        None
    }
}

/// `path` with a hook's secret replaced by `…` (see [`hidden_hook_path`]).
pub fn loggable_path(path: &str) -> &str {
    hidden_hook_path(path).map_or(path, |(_, shown)| shown)
}

/// A request target as logs may show it: [`loggable_path`], and of the query only the names of
/// its parameters, each value shown as `…` (a search is the user's words, a date range is what
/// they looked at: neither belongs in a log).
pub fn loggable_target(path: &str, query: &str) -> String {
    let path = loggable_path(path);
    if query.is_empty() {
        return path.to_owned();
    }
    let names: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            let name: String = name.chars().take(32).collect();
            format!("{name}=…")
        })
        .collect();
    format!("{path}?{}", names.join("&"))
}

/// Whether `text` has the shape of a receiver secret as monoweb makes them: 43 characters of
/// base64url (32 random bytes).
pub fn is_receiver_secret(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `url` with the secret of monoweb's own receiver replaced by `…` (`https://host/hooks/mono/…`),
/// so that no snapshot, answer, page or log holds it; any other URL as it is.
pub fn redact_receiver_secret(url: &str) -> std::borrow::Cow<'_, str> {
    match url.rfind(RECEIVER_PATH) {
        Some(at) if is_receiver_secret(&url[at + RECEIVER_PATH.len()..]) => {
            format!("{}…", &url[..at + RECEIVER_PATH.len()]).into()
        }
        _ => url.into(),
    }
}

/// Field name → messages, as DRF serializers report them: what a check of user input answers,
/// in every layer.
pub type FieldErrors = std::collections::BTreeMap<String, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_target_keeps_parameter_names_but_no_value_nor_a_hook_secret() {
        assert_eq!(
            loggable_target("/statement", "q=pharmacy+near+home&from=2026-01-01&flag"),
            "/statement?q=…&from=…&flag=…"
        );
        assert_eq!(loggable_target("/healthz", ""), "/healthz");
        assert_eq!(
            loggable_target("/hooks/mono/s3cret", "x=1"),
            "/hooks/mono/…?x=…"
        );
    }

    #[test]
    fn the_receiver_secret_is_redacted_and_other_urls_are_kept() {
        let secret = "a".repeat(43);
        assert_eq!(
            redact_receiver_secret(&format!("https://m.example/hooks/mono/{secret}")),
            "https://m.example/hooks/mono/…"
        );
        for kept in [
            "https://mine.example/webhook".to_owned(),
            format!("https://m.example/hooks/mono/{secret}x"),
            "https://m.example/hooks/mono/short".to_owned(),
            String::new(),
        ] {
            assert_eq!(redact_receiver_secret(&kept), kept.as_str());
        }
    }
}
