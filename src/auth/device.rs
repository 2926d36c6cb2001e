//! A short, readable name for the client a session was started from ("Firefox on Linux"), from
//! its User-Agent header: enough for the owner to tell their sessions apart, never the raw header
//! (which the client chooses, and which may be long or hold control characters).

/// The longest summary kept of an unknown client.
const MAX_CHARS: usize = 40;

/// "Browser on system" for the common browsers, the client's own name for scripts ("curl"),
/// else the header's first printable characters; "Unknown client" for none.
pub fn summary(agent: &str) -> String {
    let has = |needle: &str| agent.contains(needle);
    let browser = if has("Edg/") {
        Some("Edge")
    } else if has("OPR/") {
        Some("Opera")
    } else if has("Firefox/") {
        Some("Firefox")
    } else if has("Chrome/") || has("Chromium/") || has("CriOS/") {
        Some("Chrome")
    } else if has("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if has("iPhone") {
        Some("iPhone")
    } else if has("iPad") {
        Some("iPad")
    } else if has("Android") {
        Some("Android")
    } else if has("Windows") {
        Some("Windows")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, _) => {
            // A script's name is its first word ("curl/8.5.0" → "curl").
            let name: String = agent
                .split(['/', ' '])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_CHARS)
                .collect();
            if name.trim().is_empty() {
                "Unknown client".to_owned()
            } else {
                name
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_systems_and_scripts_get_short_names() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.5.0", "curl"),
            ("python-requests/2.32", "python-requests"),
            ("", "Unknown client"),
            ("\u{1b}[31m", "[31m"),
        ];
        for (agent, expected) in cases {
            assert_eq!(summary(agent), expected, "{agent}");
        }
        assert!(summary(&"x".repeat(5_000)).chars().count() <= MAX_CHARS);
    }
}
