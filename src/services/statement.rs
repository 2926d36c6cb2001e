//! The stored statement and the month summary as every view asks for them: the page
//! (`/statement`, `/months`), the JSON API and the CSV each build the same raw query from
//! what they were sent, check it here with one set of limits, and call one function.
//!
//! The limits (`docs/history.md`, "Asking for a range"):
//! - a statement is a range of Europe/Kyiv days, `from` not after `to` and not after today,
//!   at most [`MAX_RANGE_DAYS`] days; a filter as [`insight::RawFilter::check`] states;
//! - a summary is a range of calendar months from 2017-11 (Monobank's first) to the current
//!   month, at most [`insight::MAX_MONTHS`]; `to` defaults to the current month and `from` to
//!   eleven months before `to`.

use std::collections::HashSet;

use jiff::civil::Date;

use super::history::{self, HistoryError, Stored};
use super::insight::{self, Filter, RawFilter, Sort, Summary};
use super::Context;
use crate::db::users::UserId;
use crate::domain::kyiv::{self, parse_month, FIRST_MONTH};
use crate::domain::FieldErrors;

/// The longest range one statement query may ask for (ten years).
pub const MAX_RANGE_DAYS: i32 = 3_660;

/// A statement query as it arrives, not yet checked.
#[derive(Clone, Debug, Default)]
pub struct RawQuery {
    /// `"0"` or absent: the default UAH card; [`history::ALL_ACCOUNTS`]: every account and jar.
    pub account: Option<String>,
    /// The first Kyiv day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// The last Kyiv day.
    pub to: Option<String>,
    pub filter: RawFilter,
}

/// A checked statement query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub account: Option<String>,
    pub from: Date,
    pub to: Date,
    pub filter: Filter,
}

/// One error on one field.
fn field_error(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

impl RawQuery {
    /// The query, or every field's error. The account is checked against the user's accounts
    /// when the statement is read ([`HistoryError::UnknownAccount`]).
    pub fn check(&self, today: Date) -> Result<Query, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut day = |field: &str, raw: Option<&str>| match raw {
            None => {
                field_error(&mut errors, field, "This field is required.");
                None
            }
            // A day must also have Kyiv bounds (jiff parses years that Unix seconds cannot hold).
            Some(raw) => raw
                .parse::<Date>()
                .ok()
                .filter(|d| kyiv::day_bounds(*d).is_some())
                .or_else(|| {
                    field_error(&mut errors, field, "Enter a date as YYYY-MM-DD.");
                    None
                }),
        };
        let from = day("from", self.from.as_deref());
        let to = day("to", self.to.as_deref());
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                field_error(
                    &mut errors,
                    "to",
                    "The end date must not be before the start date.",
                );
            } else if from > today {
                field_error(&mut errors, "from", "The start date is in the future.");
            } else if (to - from).get_days() >= MAX_RANGE_DAYS {
                field_error(&mut errors, "to", "Ask for at most ten years at a time.");
            }
        }
        let filter = self.filter.check().map_err(|e| errors.extend(e)).ok();
        match (from, to, filter) {
            (Some(from), Some(to), Some(filter)) if errors.is_empty() => Ok(Query {
                account: self.account.clone(),
                from,
                to,
                filter,
            }),
            _ => Err(errors),
        }
    }
}

/// A statement as the views show it.
#[derive(Debug)]
pub struct Statement {
    /// The store's rows of the range, filtered and in the filter's order (`unconfirmed` too).
    pub stored: Stored,
    /// The ids of the rows that are one side of an own transfer, among every row of the range
    /// (before the filter): only when every account is asked for.
    pub transfers: HashSet<String>,
    /// The order the rows are in.
    pub sort: Sort,
    /// How many unsigned events the range holds, before the filter (the coverage's open holds
    /// count them too).
    pub unconfirmed_in_range: usize,
}

/// The statement a checked query asks for, from the store.
pub async fn read(ctx: &Context, user: UserId, query: &Query) -> Result<Statement, HistoryError> {
    let (Some((from, _)), Some((_, to))) =
        (kyiv::day_bounds(query.from), kyiv::day_bounds(query.to))
    else {
        return Err(HistoryError::Store(crate::db::StoreError::internal(
            "a Kyiv day without bounds",
        )));
    };
    let mut stored = history::statement(ctx, user, query.account.clone(), from, to).await?;
    let transfers = insight::own_transfer_ids(&stored);
    let unconfirmed_in_range = stored.unconfirmed.len();
    query.filter.apply(&mut stored.items);
    query.filter.apply(&mut stored.unconfirmed);
    Ok(Statement {
        stored,
        transfers,
        sort: query.filter.sort,
        unconfirmed_in_range,
    })
}

/// A month summary query as it arrives: `YYYY-MM` months, either may be absent.
#[derive(Clone, Debug, Default)]
pub struct RawMonths {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A checked month range: the first days of the first and the last month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Months {
    pub from: Date,
    pub to: Date,
}

impl RawMonths {
    /// The months, or the first field's error (the months depend on each other).
    pub fn check(&self, today: Date) -> Result<Months, FieldErrors> {
        let fail = |field: &str, message: &str| {
            let mut errors = FieldErrors::new();
            field_error(&mut errors, field, message);
            errors
        };
        let month = |field: &str, raw: &Option<String>| match raw {
            None => Ok(None),
            Some(raw) => parse_month(raw)
                .map(Some)
                .ok_or_else(|| fail(field, "Enter a month as YYYY-MM.")),
        };
        let current = today.first_of_month();
        let to = month("to", &self.to)?.unwrap_or(current);
        if to > current {
            return Err(fail("to", "The month must not be in the future."));
        }
        let first = || "Monobank's history starts in 2017-11; ask for that month or later.";
        if to < FIRST_MONTH {
            return Err(fail("to", first()));
        }
        let year_before = to
            .checked_sub(jiff::Span::new().months(11))
            .map_err(|_| fail("to", "Enter a month as YYYY-MM."))?;
        let from = month("from", &self.from)?.unwrap_or(year_before.max(FIRST_MONTH));
        if from > to {
            return Err(fail("to", "The last month must not be before the first."));
        }
        if from < FIRST_MONTH {
            return Err(fail("from", first()));
        }
        let span = (i32::from(to.year()) - i32::from(from.year())) * 12 + i32::from(to.month())
            - i32::from(from.month());
        if span >= insight::MAX_MONTHS {
            return Err(fail("to", "Ask for at most 120 months at a time."));
        }
        Ok(Months { from, to })
    }
}

/// The summary of checked months ([`insight::summary`]).
pub async fn summary(ctx: &Context, user: UserId, months: Months) -> Result<Summary, HistoryError> {
    insight::summary(ctx, user, months.from, months.to).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(raw: &str) -> Date {
        raw.parse().unwrap_or_else(|_| panic!("{raw}"))
    }

    fn raw(from: &str, to: &str) -> RawQuery {
        RawQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            ..RawQuery::default()
        }
    }

    fn errors_of(query: &RawQuery) -> FieldErrors {
        query
            .check(day("2026-12-06"))
            .err()
            .unwrap_or_else(|| panic!("{query:?} should be refused"))
    }

    #[test]
    fn one_set_of_limits_for_every_statement_view() {
        let today = day("2026-12-06");
        let back = |days: i32| today.checked_sub(jiff::Span::new().days(days)).unwrap();
        let longest = back(MAX_RANGE_DAYS - 1).to_string();
        let ok = raw(&longest, "2026-12-06").check(today).unwrap();
        assert_eq!((ok.from, ok.to), (back(MAX_RANGE_DAYS - 1), today));
        let too_long = back(MAX_RANGE_DAYS).to_string();
        assert!(errors_of(&raw(&too_long, "2026-12-06"))["to"][0].contains("ten years"));
        assert!(errors_of(&raw("2026-12-07", "2026-12-31"))["from"][0].contains("future"));
        assert!(errors_of(&raw("2026-12-02", "2026-12-01"))["to"][0].contains("before"));
        let both = errors_of(&RawQuery {
            from: Some("1 Dec".into()),
            to: None,
            ..RawQuery::default()
        });
        assert_eq!(both["from"], ["Enter a date as YYYY-MM-DD."]);
        assert_eq!(both["to"], ["This field is required."]);
        let unbounded = errors_of(&raw("-009999-01-01", "-009999-01-01"));
        assert_eq!(unbounded["from"], ["Enter a date as YYYY-MM-DD."]);
        let mut filtered = raw("2026-12-01", "2026-12-06");
        filtered.filter.direction = Some("sideways".into());
        filtered.from = Some("nope".into());
        let errors = errors_of(&filtered);
        assert!(errors.contains_key("direction") && errors.contains_key("from"));
    }

    #[test]
    fn months_default_to_the_year_up_to_this_month_and_stay_within_monobanks_history() {
        let today = day("2026-12-06");
        let months = |from: Option<&str>, to: Option<&str>| {
            RawMonths {
                from: from.map(Into::into),
                to: to.map(Into::into),
            }
            .check(today)
        };
        assert_eq!(
            months(None, None).unwrap(),
            Months {
                from: day("2026-01-01"),
                to: day("2026-12-01")
            }
        );
        assert_eq!(months(None, Some("2018-03")).unwrap().from, FIRST_MONTH);
        assert!(months(None, Some("2027-01")).unwrap_err()["to"][0].contains("future"));
        assert!(months(None, Some("2017-10")).unwrap_err()["to"][0].contains("2017-11"));
        assert!(months(Some("2017-10"), None).unwrap_err()["from"][0].contains("2017-11"));
        assert!(months(Some("2016-01"), Some("2026-01")).is_err());
        assert!(months(Some("2017-11"), Some("2026-12")).is_ok());
        assert!(months(Some("2026-13"), None).unwrap_err()["from"][0].contains("YYYY-MM"));
    }
}
