//! Logging: `tracing` to stderr, as text or JSON lines, filtered by `MONOWEB_LOG`. Request spans
//! (with a request id) come from `tracing-actix-web` in `startup`.
//!
//! Every text event is written through [`SafeLines`]: one event, one line. Control characters
//! inside it (a newline or an escape sequence in text a user typed) are written escaped, so no
//! input can forge a log line or drive a terminal, and a line longer than [`MAX_LINE`] bytes loses
//! its middle, so no input can flood the log or push the event's own words out of it
//! (`docs/security.md`, S28c). JSON lines are escaped by the JSON encoder and left whole (a cut
//! would make them unreadable); what a client sends is bounded by the server's header limits.

use std::io::Write;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The longest log line written; the rest of a longer one is cut.
pub const MAX_LINE: usize = 8 * 1024;

/// A `MakeWriter` whose writers keep each event to one safe line (see the module's text).
#[derive(Clone, Debug)]
pub struct SafeLines<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for SafeLines<M> {
    type Writer = OneLine<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        OneLine(self.0.make_writer())
    }
}

/// Writes the event it is given as one line (`tracing-subscriber` formats an event whole, then
/// writes it with one `write_all` to a writer made for it).
pub struct OneLine<W>(W);

/// `text` with its control characters escaped (the final newline aside). A line longer than
/// [`MAX_LINE`] loses its middle, not its end: the event's own message and fields come last, after
/// the request's span (whose user agent and path a client chooses).
pub fn one_line(text: &str) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut line = String::with_capacity(body.len().min(MAX_LINE) + 32);
    for c in body.chars() {
        match c {
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push(' '),
            c if c.is_control() => line.push_str(&c.escape_unicode().to_string()),
            c => line.push(c),
        }
    }
    if line.len() > MAX_LINE {
        let half = MAX_LINE / 2;
        let head = floor_boundary(&line, half);
        let tail = ceil_boundary(&line, line.len() - half);
        let cut = tail - head;
        line = format!("{} … [{cut} bytes cut] … {}", &line[..head], &line[tail..]);
    }
    line.push('\n');
    line
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl<W: Write> Write for OneLine<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        self.0.write_all(one_line(&text).as_bytes())?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

use crate::config::LogFormat;

/// Installs the global subscriber; a second call is a no-op (tests build many apps).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // No colours: their escape sequences would be escaped like any other control character.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.with_writer(SafeLines(std::io::stderr)).try_init(),
        LogFormat::Json => builder
            .with_writer(std::io::stderr)
            .json()
            .flatten_event(true)
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_newline_cannot_start_a_log_line_and_a_huge_field_is_cut() {
        let line = one_line("WARN login failed name=zz\nFAKE admin logged in\r\u{1b}[2J\n");
        assert_eq!(
            line,
            "WARN login failed name=zz\\nFAKE admin logged in\\r\\u{1b}[2J\n"
        );
        assert_eq!(line.lines().count(), 1);
        let huge = format!(
            "WARN span{{ua={}}}: login failed user_id=7\n",
            "é".repeat(50_000)
        );
        let cut = one_line(&huge);
        assert!(cut.len() < MAX_LINE + 64, "{}", cut.len());
        assert!(cut.contains("bytes cut]"), "{}", &cut[..80]);
        assert!(
            cut.ends_with("login failed user_id=7\n"),
            "the event survives: {}",
            &cut[cut.len() - 60..]
        );
        assert_eq!(one_line("plain\n"), "plain\n");
    }

    #[test]
    fn each_event_reaches_the_sink_as_one_line() {
        let mut sink = Vec::new();
        OneLine(&mut sink)
            .write_all(b"INFO a=1 b=two\nlines\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(String::from_utf8_lossy(&sink), "INFO a=1 b=two\\nlines\n");
    }
}
