//! The statement fetcher: any range of any account or jar, within Monobank's limits.
//!
//! # Contract
//! - A range `[from, to]` (Unix seconds, both ends inclusive) is cut into windows of at most
//!   [`MAX_WINDOW_SECS`] (`to - from` of one request never exceeds it), newest window first;
//!   the window after `[a, b]` ends at `a - 1`.
//! - Mono returns at most [`PAGE_SIZE`] items per call, newest first. A full page means there may
//!   be more: the next call asks the same window with `to` = the time of the oldest item, and the
//!   items of that boundary second already seen are dropped. A shorter page completes the window.
//! - Every item is yielded once (deduplicated by id), newest first overall.
//! - Each call first claims the token's statement lane ([`crate::limit`]). When the lane is
//!   closed the step makes no call and reports when it reopens; the [`StatementCursor`] is the
//!   resume point and can be stored and picked up later, by any instance.
//! - Progress is reported as windows done of windows total.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::client::Authorize;
use crate::client::Client;
use crate::clock::Clock;
use crate::error::MonoError;
use crate::limit::{self, Endpoint, Limiter, Through};
use crate::types::StatementItem;

/// Longest `to - from` Mono accepts: 31 days + 1 hour.
pub const MAX_WINDOW_SECS: i64 = 2_682_000;
/// Most items in one statement answer.
pub const PAGE_SIZE: usize = 500;

/// Where a range fetch stands; serializable so it can be stored and resumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementCursor {
    /// The account id, jar id or `0` (the default account) whose statement is fetched.
    pub account: String,
    /// Start of the range, Unix seconds, inclusive.
    pub from: i64,
    /// End of the range, Unix seconds, inclusive.
    pub to: i64,
    /// Index of the current window, 0 = newest.
    window: u32,
    /// Lower bound of the current window.
    window_from: i64,
    /// Upper bound of the next call; `None` once the range is complete.
    next_to: Option<i64>,
    /// Ids already seen at the `next_to` second (a page boundary repeats that second).
    boundary_ids: Vec<String>,
}

/// Why a range was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the range ends before it starts")]
pub struct RangeError;

impl StatementCursor {
    /// A cursor at the start of fetching `[from, to]` (Unix seconds, both ends inclusive) of
    /// `account`: an account id, a jar id or `0`. Refuses a range that ends before it starts.
    pub fn new(account: impl Into<String>, from: i64, to: i64) -> Result<Self, RangeError> {
        if from > to {
            return Err(RangeError);
        }
        Ok(StatementCursor {
            account: account.into(),
            from,
            to,
            window: 0,
            window_from: window_start(from, to),
            next_to: Some(to),
            boundary_ids: Vec::new(),
        })
    }

    /// Whether the whole range has been fetched, so no call is left to make.
    pub fn is_complete(&self) -> bool {
        self.next_to.is_none()
    }

    /// The `(from, to)` of the next call, or `None` when complete.
    pub fn next_request(&self) -> Option<(i64, i64)> {
        self.next_to.map(|to| (self.window_from, to))
    }

    /// Everything from this second to `to` has been fetched (`to + 1` before the first call):
    /// the windows are fetched newest first and each newest page first.
    pub fn fetched_from(&self) -> i64 {
        match self.next_to {
            Some(next_to) => next_to + 1,
            None => self.from,
        }
    }

    /// How many windows the range has.
    pub fn windows_total(&self) -> u32 {
        let span = self.to - self.from + 1;
        u32::try_from((span + MAX_WINDOW_SECS) / (MAX_WINDOW_SECS + 1)).unwrap_or(u32::MAX)
    }

    /// How many windows are fully fetched.
    pub fn windows_done(&self) -> u32 {
        if self.is_complete() {
            self.windows_total()
        } else {
            self.window
        }
    }

    /// Takes one answer to [`Self::next_request`]; returns the items not seen before and moves
    /// the cursor on.
    pub fn record(&mut self, page: Vec<StatementItem>) -> Vec<StatementItem> {
        let Some((window_from, to)) = self.next_request() else {
            return Vec::new();
        };
        let full = page.len() >= PAGE_SIZE;
        let seen: HashSet<&str> = self.boundary_ids.iter().map(String::as_str).collect();
        let mut fresh: Vec<StatementItem> = page
            .into_iter()
            .filter(|item| (window_from..=to).contains(&item.time))
            .filter(|item| !seen.contains(item.id.as_str()))
            .collect();
        let mut ids = HashSet::new();
        fresh.retain(|item| ids.insert(item.id.clone()));
        fresh.sort_by_key(|item| std::cmp::Reverse(item.time));
        match fresh.last().map(|item| item.time) {
            Some(oldest) if full => {
                // Ask the same window again from the oldest second, skipping what we have.
                let mut boundary: Vec<String> = fresh
                    .iter()
                    .filter(|item| item.time == oldest)
                    .map(|item| item.id.clone())
                    .collect();
                if oldest == to {
                    boundary.append(&mut self.boundary_ids);
                }
                self.boundary_ids = boundary;
                self.next_to = Some(oldest);
            }
            _ => self.next_window(),
        }
        if full && fresh.is_empty() {
            // A full page of nothing new: more than 500 items share one second. Move past it
            // rather than loop; this cannot happen with Mono's real data.
            tracing::warn!(second = to, "a full statement page brought nothing new");
            self.next_to = Some(to - 1).filter(|t| *t >= window_from);
            if self.next_to.is_none() {
                self.next_window();
            }
        }
        fresh
    }

    fn next_window(&mut self) {
        self.boundary_ids.clear();
        if self.window_from <= self.from {
            self.next_to = None;
            return;
        }
        let to = self.window_from - 1;
        self.window += 1;
        self.window_from = window_start(self.from, to);
        self.next_to = Some(to);
    }
}

fn window_start(from: i64, to: i64) -> i64 {
    from.max(to - MAX_WINDOW_SECS)
}

/// What one [`step`] did.
#[derive(Debug)]
pub enum Step {
    /// One call was made; these items are new.
    Fetched(Vec<StatementItem>),
    /// The lane is closed; nothing was called. Try again at `next_at` (Unix s).
    LaneClosed {
        /// When the token's statement lane opens again, Unix seconds.
        next_at: i64,
    },
    /// The range was already complete.
    Complete,
}

/// A failed step: Monobank's error, or the limiter's.
#[derive(Debug, thiserror::Error)]
pub enum StepError<E> {
    /// Monobank answered with an error (or not at all).
    #[error(transparent)]
    Mono(#[from] MonoError),
    /// The lane could not be claimed or closed.
    #[error("the rate lane is unavailable")]
    Limiter(E),
}

/// Makes at most one statement call for `cursor`, if the token's lane (`lane_key`) is open (see
/// [`limit::call_through`]), and moves the cursor past what it brought.
#[tracing::instrument(skip(client, limiter, clock, auth, lane_key), fields(account = %cursor.account))]
pub async fn step<L: Limiter + ?Sized, A: Authorize + ?Sized>(
    client: &Client,
    limiter: &L,
    clock: &dyn Clock,
    auth: &A,
    lane_key: &str,
    cursor: &mut StatementCursor,
) -> Result<Step, StepError<L::Error>> {
    let Some((from, to)) = cursor.next_request() else {
        return Ok(Step::Complete);
    };
    let account = cursor.account.clone();
    let through = limit::call_through(limiter, clock, lane_key, Endpoint::Statement, || {
        client.statement(auth, &account, from, Some(to))
    })
    .await
    .map_err(StepError::Limiter)?;
    match through {
        Through::Closed { next_at } => Ok(Step::LaneClosed { next_at }),
        Through::Called(Ok(page)) => Ok(Step::Fetched(cursor.record(page))),
        Through::Called(Err(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn item(id: &str, time: i64) -> StatementItem {
        StatementItem::new(id.into(), time, "", 0, -1, 980)
    }

    /// A fake Mono over `items`: newest first, at most 500, inclusive bounds.
    fn answer(items: &[StatementItem], from: i64, to: i64) -> Vec<StatementItem> {
        assert!(
            to - from <= MAX_WINDOW_SECS,
            "window too long: {from}..{to}"
        );
        let mut page: Vec<_> = items
            .iter()
            .filter(|i| (from..=to).contains(&i.time))
            .cloned()
            .collect();
        page.sort_by_key(|i| std::cmp::Reverse(i.time));
        page.truncate(PAGE_SIZE);
        page
    }

    fn fetch_all(items: &[StatementItem], from: i64, to: i64) -> (Vec<StatementItem>, usize) {
        let mut cursor = StatementCursor::new("0", from, to).unwrap();
        let (mut got, mut calls) = (Vec::new(), 0);
        while let Some((f, t)) = cursor.next_request() {
            calls += 1;
            got.extend(cursor.record(answer(items, f, t)));
            assert!(calls < 1000);
        }
        (got, calls)
    }

    #[test]
    fn windows_cover_the_range_exactly_once() {
        let from = 1_000_000;
        let to = from + 3 * MAX_WINDOW_SECS + 10;
        let mut cursor = StatementCursor::new("0", from, to).unwrap();
        assert_eq!(cursor.windows_total(), 4);
        assert_eq!(cursor.fetched_from(), to + 1, "nothing fetched yet");
        let mut covered = Vec::new();
        while let Some((f, t)) = cursor.next_request() {
            assert!(t - f <= MAX_WINDOW_SECS);
            covered.push((f, t));
            cursor.record(Vec::new());
            assert_eq!(
                cursor.fetched_from(),
                f,
                "the window is fetched down to its start"
            );
            assert_eq!(cursor.windows_done() as usize, covered.len().min(4));
        }
        assert_eq!(covered.first().unwrap().1, to);
        assert_eq!(covered.last().unwrap().0, from);
        for pair in covered.windows(2) {
            assert_eq!(
                pair[1].1,
                pair[0].0 - 1,
                "next window ends one second before"
            );
        }
        assert_eq!(
            StatementCursor::new("0", from, from)
                .unwrap()
                .windows_total(),
            1
        );
        assert_eq!(
            StatementCursor::new("0", 0, MAX_WINDOW_SECS)
                .unwrap()
                .windows_total(),
            1
        );
        assert_eq!(
            StatementCursor::new("0", 0, MAX_WINDOW_SECS + 1)
                .unwrap()
                .windows_total(),
            2
        );
        assert!(StatementCursor::new("0", 5, 4).is_err());
    }

    #[test]
    fn pages_past_500_with_repeated_boundary_seconds_yield_each_item_once() {
        // 1300 items, three per second, so every page boundary splits a second.
        let items: Vec<_> = (0..1300)
            .map(|n| item(&format!("id{n}"), 10_000 + n / 3))
            .collect();
        let (got, calls) = fetch_all(&items, 9_000, 20_000);
        assert_eq!(got.len(), 1300);
        let ids: HashSet<_> = got.iter().map(|i| i.id.clone()).collect();
        assert_eq!(ids.len(), 1300);
        assert!(
            got.windows(2).all(|w| w[0].time >= w[1].time),
            "newest first"
        );
        assert_eq!(calls, 3, "500 + 500 + the rest");
    }

    #[test]
    fn exactly_500_items_needs_one_confirming_call() {
        let items: Vec<_> = (0..500)
            .map(|n| item(&format!("id{n}"), 10_000 + n))
            .collect();
        let (got, calls) = fetch_all(&items, 9_000, 20_000);
        assert_eq!((got.len(), calls), (500, 2));
    }

    #[test]
    fn more_than_500_in_one_second_does_not_loop_forever() {
        let items: Vec<_> = (0..600).map(|n| item(&format!("id{n}"), 10_000)).collect();
        let (got, calls) = fetch_all(&items, 9_000, 20_000);
        assert_eq!(got.len(), 500, "Mono cannot serve the rest; we move on");
        assert!(calls <= 3);
    }

    #[test]
    fn cursor_survives_serialization_mid_range() {
        let items: Vec<_> = (0..1200)
            .map(|n| item(&format!("id{n}"), 10_000 + n / 2))
            .collect();
        let mut cursor = StatementCursor::new("acc", 9_000, 20_000).unwrap();
        let (f, t) = cursor.next_request().unwrap();
        let mut got = cursor.record(answer(&items, f, t));
        let mut resumed: StatementCursor =
            serde_json::from_str(&serde_json::to_string(&cursor).unwrap()).unwrap();
        while let Some((f, t)) = resumed.next_request() {
            got.extend(resumed.record(answer(&items, f, t)));
        }
        assert_eq!(got.len(), 1200);
    }
}
