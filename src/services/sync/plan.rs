//! Which statement page a user needs next: pure scheduling over the sync rows (no call, no
//! storage), with the rules of [`plan`] and [`advance`].

use std::collections::HashMap;

use super::{GAP_MARGIN_SECS, GAP_SECS, RECENT_SECS, REREAD_SECS, SHOWN_GAP_SECS};
use crate::db::sync::SyncAccount;
use crate::services::history;
use monobank::statement::StatementCursor;
use monobank::MonoError;

/// Which fetch of an account a job continues or starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    /// Recent days: the newest month, a catch-up after a gap, a re-read of open holds.
    Recent,
    /// Older history, back to `history_from`.
    Older,
}

/// Why a job is due, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// A gap after the last fetch (missed webhooks, downtime, a registration), a catch-up, or a
    /// recent fetch in progress.
    Gap,
    /// The newest month of an account never fetched.
    Newest,
    /// Older history of the account a page is showing.
    Shown,
    /// The span of open holds, read again until they settle or vanish.
    Reread,
    /// Older history.
    Older,
}

/// One statement page to fetch.
#[derive(Clone, Debug)]
pub struct Job {
    pub row: SyncAccount,
    pub track: Track,
    pub urgency: Urgency,
    pub cursor: StatementCursor,
}

/// What the scheduler knows of a user besides the sync rows.
#[derive(Clone, Debug, Default)]
pub struct Outlook<'a> {
    /// Per account, the time of the oldest open hold of the recent month.
    pub holds: HashMap<String, i64>,
    /// Since when webhook deliveries bring every operation.
    pub held_since: Option<i64>,
    /// The account a page is showing.
    pub shown: Option<&'a str>,
    /// The default card (first among equals).
    pub preferred: Option<&'a str>,
}

/// The job an account needs most, if any.
fn job_for(row: &SyncAccount, outlook: &Outlook<'_>, now: i64) -> Option<Job> {
    let shown = outlook.shown == Some(row.account.as_str());
    let job = |track, urgency, cursor| {
        Some(Job {
            row: row.clone(),
            track,
            urgency,
            cursor,
        })
    };
    let recent = |from: i64| StatementCursor::new(row.account.clone(), from, now - 1).ok();
    let synced = row.synced_from <= row.synced_to;
    if let Some(cursor) = history::recent_cursor_of(row) {
        let urgency = if synced {
            Urgency::Gap
        } else {
            Urgency::Newest
        };
        return job(Track::Recent, urgency, cursor);
    }
    if !synced {
        let from = row.history_from.max(now - RECENT_SECS);
        return job(Track::Recent, Urgency::Newest, recent(from)?);
    }
    let behind = now - 1 > row.synced_to;
    let tail_missing = match outlook.held_since {
        Some(held) => row.synced_to + 1 < held,
        None => now - row.synced_to > if shown { SHOWN_GAP_SECS } else { GAP_SECS },
    };
    if behind && tail_missing {
        return job(
            Track::Recent,
            Urgency::Gap,
            recent(row.synced_to - GAP_MARGIN_SECS)?,
        );
    }
    let older = || {
        if row.synced_from <= row.history_from {
            return None;
        }
        let cursor = history::cursor_of(row).or_else(|| {
            StatementCursor::new(row.account.clone(), row.history_from, row.synced_from - 1).ok()
        })?;
        let urgency = if shown {
            Urgency::Shown
        } else {
            Urgency::Older
        };
        job(Track::Older, urgency, cursor)
    };
    let reread = outlook
        .holds
        .get(&row.account)
        .filter(|_| now - row.reread_at >= REREAD_SECS)
        .and_then(|&oldest| recent(oldest.max(now - RECENT_SECS)))
        .map(|cursor| Job {
            row: row.clone(),
            track: Track::Recent,
            urgency: Urgency::Reread,
            cursor,
        });
    match (reread, older()) {
        (Some(r), Some(o)) => Some(if o.urgency < r.urgency { o } else { r }),
        (r, o) => r.or(o),
    }
}

/// The next statement page to fetch for a user: the most urgent job, then the account a page
/// is showing, then the account whose turn is oldest (round robin), the default card first
/// among equals.
pub fn plan(rows: &[SyncAccount], outlook: &Outlook<'_>, now: i64) -> Option<Job> {
    rows.iter()
        // A closed account is done; one whose last call failed waits for its retry time.
        .filter(|r| !r.closed && r.retry_at <= now)
        .filter_map(|r| job_for(r, outlook, now))
        .min_by_key(|j| {
            (
                j.urgency,
                outlook.shown != Some(j.row.account.as_str()),
                j.row.turn,
                outlook.preferred != Some(j.row.account.as_str()),
                j.row.account.clone(),
            )
        })
}

/// How long the sync leaves an account alone after `failures` failed calls in a row: a minute,
/// doubling, at most an hour.
pub fn retry_delay(failures: i32) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(6);
    (60_i64 << doublings).min(3_600)
}

/// Whether Monobank's 400 says the account does not exist (a closed card or jar): the only error
/// that ends an account's sync. Its text is `invalid account` (see `docs/monobank-api.md`, M5).
fn is_unknown_account(text: &str) -> bool {
    text.to_ascii_lowercase().contains("invalid account")
}

/// The row after a failed statement call. Monobank not knowing the account (a closed card or
/// jar) ends its sync and says so; what was fetched stays, nothing is marked fetched that was
/// not. Any other failure is not data: the span stays unfetched and the account is tried again
/// after [`retry_delay`].
pub fn after_failure(mut row: SyncAccount, err: &MonoError, now: i64) -> SyncAccount {
    row.updated_at = now;
    match err {
        MonoError::BadRequest(text) if is_unknown_account(text) => {
            tracing::warn!(account = %row.account, "Monobank does not know the account; its sync ends");
            row.closed = true;
            row.cursor = None;
            row.recent_cursor = None;
            row.last_error = Some("Monobank does not know this account (closed?).".into());
        }
        _ => {
            row.failures = row.failures.saturating_add(1);
            row.retry_at = now + retry_delay(row.failures);
            row.last_error = Some(err.to_string());
        }
    }
    row
}

/// The row after a page of `job`, whose cursor moved on: finished spans join the covered span.
pub(super) fn advance(job: &Job, holds: &HashMap<String, i64>, turn: i64, now: i64) -> SyncAccount {
    let mut row = job.row.clone();
    let cursor = &job.cursor;
    row.failures = 0;
    row.retry_at = 0;
    row.last_error = None;
    row.turn = turn;
    row.updated_at = now;
    let json = (!cursor.is_complete())
        .then(|| serde_json::to_string(cursor).ok())
        .flatten();
    match job.track {
        Track::Older => {
            if cursor.is_complete() {
                row.synced_from = row.synced_from.min(cursor.from);
            }
            row.cursor = json;
        }
        Track::Recent => {
            if cursor.is_complete() {
                if row.synced_from > row.synced_to {
                    row.synced_from = cursor.from;
                    row.synced_to = cursor.to;
                } else if cursor.from <= row.synced_to + 1 {
                    row.synced_from = row.synced_from.min(cursor.from);
                    row.synced_to = row.synced_to.max(cursor.to);
                }
                // A recent fetch that read every open hold is their re-read.
                if holds
                    .get(&row.account)
                    .is_none_or(|&oldest| cursor.from <= oldest)
                {
                    row.reread_at = now;
                }
            }
            row.recent_cursor = json;
        }
    }
    row
}

/// A job with what its outcome is written with: the open holds it was planned with and the
/// account's new turn.
#[derive(Clone, Debug)]
pub struct Planned {
    pub job: Job,
    pub holds: HashMap<String, i64>,
    pub turn: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::UserId;

    const NOW: i64 = 100_000_000;
    const DAY: i64 = 86_400;

    fn row(account: &str, history_from: i64, synced_from: i64, synced_to: i64) -> SyncAccount {
        let mut row = SyncAccount::untouched(UserId(1), account, history_from, 0);
        (row.synced_from, row.synced_to, row.updated_at) = (synced_from, synced_to, 0);
        row
    }

    fn fresh(account: &str) -> SyncAccount {
        row(account, NOW - 365 * DAY, NOW + 1, NOW)
    }

    fn planned(rows: &[SyncAccount], outlook: &Outlook<'_>) -> (String, Urgency, i64, i64) {
        let job = plan(rows, outlook, NOW).unwrap_or_else(|| panic!("a job"));
        (job.row.account, job.urgency, job.cursor.from, job.cursor.to)
    }

    #[test]
    fn the_newest_month_of_every_account_comes_before_older_history() {
        let mut rows = vec![fresh("a"), fresh("b"), fresh("c")];
        let outlook = Outlook {
            preferred: Some("b"),
            ..Outlook::default()
        };
        let mut order = Vec::new();
        for turn in 1..=6 {
            let job = plan(&rows, &outlook, NOW).unwrap_or_else(|| panic!("a job"));
            order.push((job.row.account.clone(), job.urgency));
            let mut done = job.clone();
            while !done.cursor.is_complete() {
                let (_, to) = done.cursor.next_request().unwrap_or_else(|| panic!());
                done.cursor.record(Vec::new());
                assert!(to < NOW);
            }
            // One window per call: the older track takes one window, then it is another's turn.
            let next = advance(&done, &HashMap::new(), turn, NOW);
            let i = rows
                .iter()
                .position(|r| r.account == next.account)
                .unwrap_or_else(|| panic!());
            rows[i] = next;
        }
        assert_eq!(
            order,
            [
                ("b".to_owned(), Urgency::Newest),
                ("a".to_owned(), Urgency::Newest),
                ("c".to_owned(), Urgency::Newest),
                ("b".to_owned(), Urgency::Older),
                ("a".to_owned(), Urgency::Older),
                ("c".to_owned(), Urgency::Older),
            ]
        );
        assert_eq!(rows[0].synced_from, NOW - 365 * DAY, "older history joined");
    }

    #[test]
    fn the_first_fetch_is_the_newest_month_up_to_the_second_before_now() {
        let (_, urgency, from, to) = planned(&[fresh("a")], &Outlook::default());
        assert_eq!(
            (urgency, from, to),
            (Urgency::Newest, NOW - RECENT_SECS, NOW - 1)
        );
    }

    #[test]
    fn gaps_and_catch_ups_go_first() {
        let behind = row("old", NOW - 30 * DAY, NOW - 30 * DAY, NOW - GAP_SECS - 2);
        let rows = [fresh("new"), behind.clone()];
        let (account, urgency, from, to) = planned(&rows, &Outlook::default());
        assert_eq!(account, "old");
        assert_eq!(urgency, Urgency::Gap);
        assert_eq!((from, to), (NOW - GAP_SECS - 2 - GAP_MARGIN_SECS, NOW - 1));
        let recent = row("a", NOW - 30 * DAY, NOW - 30 * DAY, NOW - 10);
        assert!(
            plan(std::slice::from_ref(&recent), &Outlook::default(), NOW).is_none(),
            "up to date"
        );
        let held = Outlook {
            held_since: Some(NOW - 5),
            ..Outlook::default()
        };
        let (_, urgency, _, _) = planned(std::slice::from_ref(&recent), &held);
        assert_eq!(
            urgency,
            Urgency::Gap,
            "seconds between the fetch and the webhook's start"
        );
        let held = Outlook {
            held_since: Some(NOW - 9),
            ..Outlook::default()
        };
        assert!(
            plan(&[recent], &held, NOW).is_none(),
            "the webhook holds the rest"
        );
    }

    #[test]
    fn open_holds_are_read_again_before_older_history_but_after_every_newest_month() {
        let synced = row("a", NOW - 365 * DAY, NOW - 31 * DAY, NOW - 10);
        let outlook = Outlook {
            holds: HashMap::from([("a".to_owned(), NOW - 5 * DAY)]),
            ..Outlook::default()
        };
        let (_, urgency, from, to) = planned(std::slice::from_ref(&synced), &outlook);
        assert_eq!(
            (urgency, from, to),
            (Urgency::Reread, NOW - 5 * DAY, NOW - 1)
        );
        let (account, urgency, _, _) = planned(&[synced.clone(), fresh("b")], &outlook);
        assert_eq!((account.as_str(), urgency), ("b", Urgency::Newest));
        let mut reread = synced;
        reread.reread_at = NOW - REREAD_SECS + 1;
        let (_, urgency, _, _) = planned(&[reread], &outlook);
        assert_eq!(urgency, Urgency::Older, "not again within the hour");
    }

    #[test]
    fn the_account_a_page_shows_goes_first_within_its_class() {
        let rows = [fresh("a"), fresh("b")];
        let outlook = Outlook {
            shown: Some("b"),
            ..Outlook::default()
        };
        assert_eq!(planned(&rows, &outlook).0, "b");
        let older = [
            row("a", NOW - 365 * DAY, NOW - 31 * DAY, NOW - 10),
            row("b", NOW - 365 * DAY, NOW - 31 * DAY, NOW - 10),
        ];
        let (account, urgency, _, _) = planned(&older, &outlook);
        assert_eq!((account.as_str(), urgency), ("b", Urgency::Shown));
    }

    #[test]
    fn failures_back_off_from_a_minute_to_an_hour_and_only_invalid_account_closes() {
        let delays: Vec<i64> = (1..=8).map(retry_delay).collect();
        assert_eq!(delays, [60, 120, 240, 480, 960, 1_920, 3_600, 3_600]);
        assert!(is_unknown_account("invalid account"));
        assert!(is_unknown_account("Invalid account"));
        assert!(!is_unknown_account("Period must be no more than 31 days"));
        assert!(!is_unknown_account("Request failed, try later"));
    }

    #[test]
    fn an_unknown_account_ends_its_sync_and_any_other_failure_backs_off() {
        let mut row = fresh("a");
        row.cursor = Some("{}".into());
        let closed = after_failure(
            row.clone(),
            &MonoError::BadRequest("invalid account".into()),
            NOW,
        );
        assert!(closed.closed);
        assert_eq!(
            (closed.cursor, closed.failures, closed.retry_at),
            (None, 0, 0)
        );
        let failed = after_failure(
            row.clone(),
            &MonoError::BadRequest("Period must be no more than 31 days".into()),
            NOW,
        );
        let again = after_failure(
            failed.clone(),
            &MonoError::BadRequest("try later".into()),
            NOW,
        );
        assert!(!failed.closed && !again.closed);
        assert_eq!((failed.failures, failed.retry_at), (1, NOW + 60));
        assert_eq!((again.failures, again.retry_at), (2, NOW + 120));
        assert_eq!(failed.cursor, row.cursor, "the fetch in progress is kept");
    }

    #[test]
    fn accounts_backing_off_or_closed_get_no_job() {
        let mut waiting = fresh("a");
        waiting.retry_at = NOW + 60;
        assert!(plan(std::slice::from_ref(&waiting), &Outlook::default(), NOW).is_none());
        waiting.retry_at = NOW;
        assert!(plan(std::slice::from_ref(&waiting), &Outlook::default(), NOW).is_some());
        let mut closed = fresh("a");
        closed.closed = true;
        assert!(plan(&[closed], &Outlook::default(), NOW).is_none());
    }

    #[test]
    fn a_recent_fetch_joins_the_covered_span_only_when_it_touches_it() {
        let job = |row: SyncAccount, from: i64, to: i64| {
            let mut cursor = StatementCursor::new("a", from, to).unwrap_or_else(|_| panic!());
            cursor.record(Vec::new());
            Job {
                row,
                track: Track::Recent,
                urgency: Urgency::Gap,
                cursor,
            }
        };
        let r = advance(&job(row("a", 0, 100, 200), 150, 300), &HashMap::new(), 1, 7);
        assert_eq!(
            (r.synced_from, r.synced_to, r.recent_cursor),
            (100, 300, None)
        );
        let r = advance(&job(row("a", 0, 100, 200), 250, 300), &HashMap::new(), 1, 7);
        assert_eq!(
            (r.synced_from, r.synced_to),
            (100, 200),
            "a hole at 201..249"
        );
        let holds = HashMap::from([("a".to_owned(), 140)]);
        let r = advance(&job(row("a", 0, 100, 200), 150, 300), &holds, 1, 7);
        assert_eq!(r.reread_at, 0, "the hold at 140 was not read again");
        let r = advance(&job(row("a", 0, 100, 200), 130, 300), &holds, 1, 7);
        assert_eq!(r.reread_at, 7);
    }
}
