//! What the stored transactions say beyond a list: the statement's search and filters, own
//! transfers between a user's accounts and jars, and months of income and spending in hryvnias.
//! Pure functions over rows the store already answered; `docs/insight.md` states the rules.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};

use monobank::currency::{exchange_rate, CurrencyCode, UAH};
use monobank::types::CurrencyInfo;

use jiff::civil::Date;

use super::history::{self, HistoryError};
use super::Context;
use crate::db::transactions::TransactionRow;
use crate::db::users::UserId;
use crate::domain::FieldErrors;
use crate::domain::{kyiv, mcc};

/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 100;
/// The largest amount a filter takes, in major units (a trillion).
const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;
pub use history::TRANSFER_WINDOW_SECS;
/// Monobank's merchant category code for money transfers.
pub const TRANSFER_MCC: i32 = 4829;

/// Money in or out of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// The order of a statement's rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first (the default).
    #[default]
    NewestFirst,
    OldestFirst,
    /// Smallest amount (by size, in or out) first.
    SmallestFirst,
    LargestFirst,
}

impl Sort {
    /// Every order by its query value, the default first.
    pub const ALL: [(Sort, &'static str); 4] = [
        (Sort::NewestFirst, "-date"),
        (Sort::OldestFirst, "date"),
        (Sort::LargestFirst, "-amount"),
        (Sort::SmallestFirst, "amount"),
    ];

    pub fn name(self) -> &'static str {
        Sort::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("-date", |(_, n)| n)
    }
}

/// The filter fields as a query string brings them, not yet checked.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub direction: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub sort: Option<String>,
}

/// A checked filter: which rows a statement shows, and in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Lower-cased search text, matched in the description, comment and counterparty.
    pub q: Option<String>,
    /// A category name as [`mcc::category`] gives it.
    pub category: Option<&'static str>,
    pub direction: Option<Direction>,
    /// Bounds on the amount's size in the account's currency, minor units (hundredths).
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub sort: Sort,
}

impl RawFilter {
    /// The given fields as query pairs (empty ones and the default order left out), for links
    /// that keep the filter.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let default_sort = Sort::default().name();
        [
            ("q", &self.q),
            ("category", &self.category),
            ("direction", &self.direction),
            ("min", &self.min),
            ("max", &self.max),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref().map(str::trim)?;
            let default = name == "sort" && value == default_sort;
            (!value.is_empty() && !default).then(|| (name, value.to_owned()))
        })
        .collect()
    }

    /// The same fields without the spaces around them, as a person typed them into a form.
    pub fn trimmed(&self) -> RawFilter {
        let trim = |raw: &Option<String>| raw.as_deref().map(|s| s.trim().to_owned());
        RawFilter {
            q: trim(&self.q),
            category: trim(&self.category),
            direction: trim(&self.direction),
            min: trim(&self.min),
            max: trim(&self.max),
            sort: trim(&self.sort),
        }
    }

    /// The filter, or the errors by field, exactly as the API documents each field (no spaces
    /// around a value; the page trims first). Empty fields mean "any" (a form sends them empty);
    /// so does a search of spaces only.
    pub fn check(&self) -> Result<Filter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &str, message: String| {
            errors.insert(field.into(), vec![message]);
        };
        let given =
            |raw: &Option<String>| raw.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        let q = given(&self.q);
        if let Some(q) = &q {
            if q.chars().count() > MAX_QUERY_CHARS {
                fail(
                    "q",
                    format!("Search for at most {MAX_QUERY_CHARS} characters."),
                );
            } else if q.chars().any(char::is_control) {
                fail("q", "Search text cannot hold control characters.".into());
            }
        }
        let q = q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
        let category = given(&self.category).and_then(|name| {
            let found = mcc::names().find(|c| *c == name);
            if found.is_none() {
                fail(
                    "category",
                    format!(
                        "Not a category. Choose one of: {}.",
                        mcc::names().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            found
        });
        let direction = match given(&self.direction).as_deref() {
            None => None,
            Some("in") => Some(Direction::In),
            Some("out") => Some(Direction::Out),
            Some(_) => {
                fail("direction", "Choose in or out.".into());
                None
            }
        };
        let mut amount = |field: &str, raw: &Option<String>| {
            let raw = given(raw)?;
            let parsed = minor_units(&raw);
            if parsed.is_none() {
                fail(
                    field,
                    "Enter an amount such as 250 or 99.90 (no sign: use the direction for in or out)."
                        .into(),
                );
            }
            parsed
        };
        let min = amount("min", &self.min);
        let max = amount("max", &self.max);
        if let (Some(min), Some(max)) = (min, max) {
            if min > max {
                fail(
                    "max",
                    "The largest amount must not be below the smallest.".into(),
                );
            }
        }
        let sort = match given(&self.sort) {
            None => Sort::default(),
            Some(raw) => match Sort::ALL.iter().find(|(_, n)| *n == raw) {
                Some((s, _)) => *s,
                None => {
                    fail("sort", "Sort by date, -date, amount or -amount.".into());
                    Sort::default()
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Filter {
            q: q.map(|q| q.to_lowercase()),
            category,
            direction,
            min,
            max,
            sort,
        })
    }
}

/// An unsigned decimal with at most two decimals as hundredths: "250" → 25000, "99.9" → 9990.
/// A comma works as the decimal mark too, as Ukrainians write it.
fn minor_units(raw: &str) -> Option<i64> {
    let raw = raw.replace(',', ".");
    let (whole, fraction) = match raw.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (raw.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f) || f.len() > 2) {
        return None;
    }
    let fraction = fraction.unwrap_or("");
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let minor = whole.checked_mul(100)?.checked_add(fraction)?;
    (minor <= MAX_AMOUNT_MINOR).then_some(minor)
}

impl Filter {
    /// Whether the filter narrows the rows (sorting alone does not).
    pub fn narrows(&self) -> bool {
        self.q.is_some()
            || self.category.is_some()
            || self.direction.is_some()
            || self.min.is_some()
            || self.max.is_some()
    }

    pub fn matches(&self, row: &TransactionRow) -> bool {
        let size = row.amount.saturating_abs();
        let direction = if row.amount < 0 {
            Direction::Out
        } else {
            Direction::In
        };
        self.direction.is_none_or(|d| d == direction)
            && self.min.is_none_or(|min| size >= min)
            && self.max.is_none_or(|max| size <= max)
            && self.category.is_none_or(|c| mcc::category(row.mcc) == c)
            && self.q.as_deref().is_none_or(|q| mentions(row, q))
    }

    /// Keeps the matching rows, in the filter's order; rows of one second keep their order.
    pub fn apply(&self, rows: &mut Vec<TransactionRow>) {
        if self.narrows() {
            rows.retain(|r| self.matches(r));
        }
        let size = |r: &TransactionRow| r.amount.saturating_abs();
        match self.sort {
            Sort::NewestFirst => {}
            Sort::OldestFirst => rows.reverse(),
            Sort::SmallestFirst => rows.sort_by_key(size),
            Sort::LargestFirst => rows.sort_by_key(|r| std::cmp::Reverse(size(r))),
        }
    }
}

/// Where a page of a statement ended: the key of its last row (time, size and id). The next page
/// starts at the first row after that key in the order asked for, so rows that arrive meanwhile
/// (newer ones, or a hold settling under a new id) neither repeat nor skip a row of the rest.
/// Written `<time>.<size>.<id in hex>`: every string of that form is a place in any order, so a
/// well-formed cursor is never refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    time: i64,
    /// The amount's size, minor units.
    size: i64,
    /// The Monobank id's bytes (ids compare as bytes, which for text is its order).
    id: Vec<u8>,
}

/// The most rows one page may ask for.
pub const MAX_PAGE: usize = 1_000;

impl Cursor {
    /// The cursor after `row`.
    pub fn after(row: &TransactionRow) -> Self {
        Cursor {
            time: row.time,
            size: row.amount.saturating_abs(),
            id: row.id.as_bytes().to_vec(),
        }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.time, self.size, hex::encode(&self.id))
    }

    /// A cursor in the form [`Cursor::encode`] writes (the API's description gives its pattern,
    /// `-?[0-9]{1,18}.[0-9]{1,18}.([0-9a-f]{2}){0,128}`); `None` otherwise.
    pub fn decode(raw: &str) -> Option<Self> {
        let mut parts = raw.split('.');
        let (time, size, id) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |text: &str| {
            let text = text.strip_prefix('-').unwrap_or(text);
            (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
        };
        if parts.next().is_some() || !digits(time) || !digits(size) || size.starts_with('-') {
            return None;
        }
        if id.len() > 256 || id.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        Some(Cursor {
            time: time.parse().ok()?,
            size: size.parse().ok()?,
            id: hex::decode(id).ok()?,
        })
    }

    fn key(&self) -> (i64, i64, &[u8]) {
        (self.size, self.time, self.id.as_slice())
    }
}

/// A row's place in a statement's order: its size, time and id.
fn key_of(row: &TransactionRow) -> (i64, i64, &[u8]) {
    (row.amount.saturating_abs(), row.time, row.id.as_bytes())
}

/// How two rows' keys compare in `sort`: [`Filter::apply`]'s orders, made total (equal times by
/// id, equal sizes newest first).
fn in_order(sort: Sort, a: (i64, i64, &[u8]), b: (i64, i64, &[u8])) -> std::cmp::Ordering {
    let newest = (b.1, b.2).cmp(&(a.1, a.2));
    match sort {
        Sort::NewestFirst => newest,
        Sort::OldestFirst => newest.reverse(),
        Sort::SmallestFirst => a.0.cmp(&b.0).then(newest),
        Sort::LargestFirst => b.0.cmp(&a.0).then(newest),
    }
}

/// One page of the rows in `sort`: at most `limit` rows after `cursor` (from the start without
/// one), and the cursor of the next page while rows remain. The rows are put in the order's total
/// form first, so a cursor finds its place whatever order the store gave equal times in.
pub fn page(
    rows: &mut Vec<TransactionRow>,
    cursor: Option<&Cursor>,
    limit: usize,
    sort: Sort,
) -> Option<Cursor> {
    rows.sort_by(|a, b| in_order(sort, key_of(a), key_of(b)));
    let start = cursor.map_or(0, |c| {
        rows.partition_point(|r| in_order(sort, key_of(r), c.key()).is_le())
    });
    rows.drain(..start);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(Cursor::after)
}

/// Whether the lower-cased `needle` occurs in the row's description, comment or counterparty
/// (name, IBAN, EDRPOU), ignoring case.
fn mentions(row: &TransactionRow, needle: &str) -> bool {
    [
        Some(row.description.as_str()),
        row.comment.as_deref(),
        row.counter_name.as_deref(),
        row.counter_iban.as_deref(),
        row.counter_edrpou.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.to_lowercase().contains(needle))
}

/// The rows (by index) that are one side of a transfer between two of the user's own accounts or
/// jars. The rule: two rows on different accounts, one out and one in, at most
/// [`TRANSFER_WINDOW_SECS`] apart, at least one of them a money transfer (MCC 4829), moving the
/// same sum: the same size in the same currency, taken from either row's account amount or
/// operation amount (so a card-to-jar top-up matches, and so does an exchange between a hryvnia
/// and a dollar card). Each row is a side of one transfer at most; pairs where both sides are
/// money transfers are made first; an out row takes the nearest in row in time, earlier rows
/// first.
pub fn own_transfers<R: Borrow<TransactionRow>>(
    rows: &[R],
    currency_of: impl Fn(&str) -> Option<CurrencyCode>,
) -> HashSet<usize> {
    let sums = |r: &TransactionRow| {
        let account = currency_of(&r.account).map(|c| (c.0, r.amount.saturating_abs()));
        let operation = u16::try_from(r.currency_code)
            .ok()
            .filter(|&c| c != 0)
            .map(|c| (c, r.operation_amount.saturating_abs()));
        [account, operation]
    };
    let moves_same_sum = |a: &TransactionRow, b: &TransactionRow| {
        let theirs = sums(b);
        sums(a)
            .into_iter()
            .flatten()
            .any(|s| theirs.contains(&Some(s)))
    };
    let rows: Vec<&TransactionRow> = rows.iter().map(Borrow::borrow).collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].time);
    let mut taken = HashSet::new();
    // Pairs of two money transfers first, so a purchase of the same sum in the same minute
    // never takes a transfer's other side.
    for both in [true, false] {
        pair_transfers(&rows, &order, &mut taken, both, &moves_same_sum);
    }
    taken
}

/// One pass of [`own_transfers`]: `both` asks both sides to be money transfers, else one.
fn pair_transfers(
    rows: &[&TransactionRow],
    order: &[usize],
    taken: &mut HashSet<usize>,
    both: bool,
    moves_same_sum: &impl Fn(&TransactionRow, &TransactionRow) -> bool,
) {
    for (pos, &out) in order.iter().enumerate() {
        let a = rows[out];
        if a.amount >= 0 || taken.contains(&out) {
            continue;
        }
        // Candidates lie within the window on either side of `a` in time order.
        let start = order[..pos].partition_point(|&i| rows[i].time < a.time - TRANSFER_WINDOW_SECS);
        let best = order[start..]
            .iter()
            .take_while(|&&i| rows[i].time <= a.time + TRANSFER_WINDOW_SECS)
            .copied()
            .filter(|&i| {
                let b = rows[i];
                i != out
                    && !taken.contains(&i)
                    && b.amount > 0
                    && b.account != a.account
                    && if both {
                        a.mcc == TRANSFER_MCC && b.mcc == TRANSFER_MCC
                    } else {
                        a.mcc == TRANSFER_MCC || b.mcc == TRANSFER_MCC
                    }
                    && moves_same_sum(a, b)
            })
            .min_by_key(|&i| (rows[i].time - a.time).abs());
        if let Some(i) = best {
            taken.insert(out);
            taken.insert(i);
        }
    }
}

/// The ids of a statement's rows that are own transfers (every account asked for; none for one
/// account). The rows just outside the range count as partners, so a transfer that spans its
/// edge (23:59:50 out, 00:00:10 in) is one on both sides of it.
pub fn own_transfer_ids(stored: &history::Stored) -> HashSet<String> {
    if stored.account != history::ALL_ACCOUNTS {
        return HashSet::new();
    }
    let rows: Vec<&TransactionRow> = stored.items.iter().chain(&stored.edges).collect();
    let currencies = &stored.currencies;
    own_transfers(&rows, |id| currencies.get(id).copied())
        .into_iter()
        .filter(|&i| i < stored.items.len())
        .map(|i| rows[i].id.clone())
        .collect()
}

/// How many hryvnias (minor units) an amount in `currency` (minor units) is worth at Monobank's
/// buying rate (its cross rate where it gives none); `None` without a rate.
pub fn to_uah(amount: i64, currency: CurrencyCode, rates: &[CurrencyInfo]) -> Option<i64> {
    if currency == UAH {
        return Some(amount);
    }
    let rate = exchange_rate(rates, currency, UAH)?;
    let scale = 10f64.powi(UAH.exponent() as i32 - currency.exponent() as i32);
    let value = (amount as f64 * rate * scale).round();
    value.is_finite().then_some(value as i64)
}

/// A row's worth in hryvnias: its amount on a hryvnia account, else its operation amount when
/// that was in hryvnias, else its amount at [`to_uah`].
pub fn uah_value(
    row: &TransactionRow,
    account_currency: CurrencyCode,
    rates: &[CurrencyInfo],
) -> Option<i64> {
    if account_currency == UAH {
        return Some(row.amount);
    }
    if row.currency_code == i32::from(UAH.0) {
        return Some(row.operation_amount);
    }
    to_uah(row.amount, account_currency, rates)
}

/// What a user owns across accounts and jars, in hryvnias.
#[derive(Clone, Debug, PartialEq)]
pub struct NetWorth {
    /// Own funds (a card's credit limit left out) of every account and jar, minor units; `None`
    /// when a currency held has no rate.
    pub amount: Option<i64>,
    /// The rate used for each other currency held (hryvnias for one unit), by alpha code.
    pub rates: BTreeMap<String, f64>,
}

/// Whether the net worth of `info` needs exchange rates: some account or jar in another currency
/// holds money.
pub fn needs_rates(info: &monobank::types::UserInfo) -> bool {
    let accounts = info
        .accounts
        .iter()
        .any(|a| a.currency_code != UAH.0 && a.own_funds() != 0);
    let jars = info
        .jars
        .iter()
        .flatten()
        .any(|j| j.currency_code != UAH.0 && j.balance != 0);
    accounts || jars
}

/// The rates the net worth of `info` needs ([`needs_rates`]), from the gateway; `None` when it
/// needs none, or none can be had (Monobank down, none kept): then the net worth is null and the
/// balances are still served.
pub async fn net_worth_rates(
    ctx: &Context,
    info: &monobank::types::UserInfo,
) -> Option<crate::upstream::rates::Rates> {
    if needs_rates(info) {
        ctx.upstream.rates().await.ok()
    } else {
        None
    }
}

/// The net worth of `info` at Monobank's buying rates ([`to_uah`]).
pub fn net_worth(info: &monobank::types::UserInfo, rates: &[CurrencyInfo]) -> NetWorth {
    let holdings = info
        .accounts
        .iter()
        .map(|a| (CurrencyCode(a.currency_code), a.own_funds()))
        .chain(
            info.jars
                .iter()
                .flatten()
                .map(|j| (CurrencyCode(j.currency_code), j.balance)),
        );
    let mut amount = Some(0i64);
    let mut used = BTreeMap::new();
    for (currency, funds) in holdings {
        if currency != UAH {
            if let Some(rate) = exchange_rate(rates, currency, UAH) {
                used.insert(currency.to_string(), rate);
            }
        }
        let value = if funds == 0 {
            Some(0)
        } else {
            to_uah(funds, currency, rates)
        };
        amount = amount.zip(value).map(|(a, v)| a.saturating_add(v));
    }
    NetWorth {
        amount,
        rates: used,
    }
}

/// Income and spending of one calendar month (Kyiv), in hryvnias, minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Month {
    /// The month's first day.
    pub first: Date,
    pub income: i64,
    /// Positive: money out.
    pub spending: i64,
    /// Spending by category, positive.
    pub categories: BTreeMap<&'static str, i64>,
    /// Own transfers, left out of income and spending.
    pub transfers: usize,
    /// Rows whose worth in hryvnias was unknown (no rate), left out.
    pub unvalued: usize,
}

impl Month {
    /// `YYYY-MM`.
    pub fn name(&self) -> String {
        self.first.strftime("%Y-%m").to_string()
    }

    pub fn net(&self) -> i64 {
        self.income.saturating_sub(self.spending)
    }
}

/// Sums `rows` (every account of the user) into the months starting on `months` (in order),
/// leaving own transfers (`is_transfer`) out. `month_of` gives a row's month by its index in
/// `months`.
pub fn months(
    months: &[Date],
    rows: &[TransactionRow],
    is_transfer: impl Fn(&TransactionRow) -> bool,
    currency_of: impl Fn(&str) -> Option<CurrencyCode>,
    rates: &[CurrencyInfo],
    month_of: impl Fn(i64) -> Option<usize>,
) -> Vec<Month> {
    let mut sums: Vec<Month> = months
        .iter()
        .map(|&first| Month {
            first,
            ..Month::default()
        })
        .collect();
    for row in rows {
        let Some(month) = month_of(row.time).and_then(|i| sums.get_mut(i)) else {
            continue;
        };
        if is_transfer(row) {
            month.transfers += 1;
            continue;
        }
        let value = currency_of(&row.account).and_then(|c| uah_value(row, c, rates));
        let Some(value) = value else {
            month.unvalued += 1;
            continue;
        };
        if value >= 0 {
            month.income = month.income.saturating_add(value);
        } else {
            let spent = value.saturating_neg();
            month.spending = month.spending.saturating_add(spent);
            let sum = month.categories.entry(mcc::category(row.mcc)).or_default();
            *sum = sum.saturating_add(spent);
        }
    }
    sums
}

/// The most months one summary covers (ten years).
pub const MAX_MONTHS: i32 = 120;

/// How much of a month the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Every operation up to now.
    All,
    /// Some of it: the sums are what is stored so far.
    Part,
    /// Nothing: the sums would be a made-up zero.
    Nothing,
}

/// Months of every account and jar of a user, from the store.
#[derive(Debug)]
pub struct Summary {
    /// Each month with how much of it the store holds.
    pub months: Vec<(Month, Held)>,
    /// When the rates used for other currencies were fetched; `None` without rates.
    pub rates_at: Option<i64>,
}

/// The calendar months (Kyiv) from `from` to `to` (first days of months, `from <= to`) of every
/// account and jar: income, spending and categories in hryvnias, own transfers left out.
pub async fn summary(
    ctx: &Context,
    user: UserId,
    from: Date,
    to: Date,
) -> Result<Summary, HistoryError> {
    // Each month's first day and its first and last second, in order: a row's month is found
    // by its time.
    let mut firsts = Vec::new();
    let mut month = from.first_of_month();
    while month <= to {
        firsts.push(month);
        let Ok(next) = month.checked_add(jiff::Span::new().months(1)) else {
            break;
        };
        month = next;
    }
    let bounds = |d: Date| kyiv::day_bounds(d);
    let spans: Vec<(i64, i64)> = firsts
        .iter()
        .map(|&d| Some((bounds(d)?.0, bounds(d.last_of_month())?.1)))
        .collect::<Option<_>>()
        .unwrap_or_default();
    let (Some(&(start, _)), Some(&(_, end))) = (spans.first(), spans.last()) else {
        return Err(HistoryError::Store(crate::db::StoreError::internal(
            "no Kyiv month to sum",
        )));
    };
    let now = ctx.clock.now();
    let stored = history::statement(
        ctx,
        user,
        Some(history::ALL_ACCOUNTS.to_owned()),
        start,
        end.min(now),
    )
    .await?;
    // Rates only matter for accounts in other currencies; without them those rows are counted
    // as unvalued, never as zero.
    let rates = if stored.currencies.values().any(|&c| c != UAH) {
        ctx.upstream.rates().await.ok()
    } else {
        None
    };
    let list = rates.as_ref().map_or(&[][..], |r| r.list.as_slice());
    let month_of = |time: i64| {
        let after = spans.partition_point(|&(start, _)| start <= time);
        after.checked_sub(1).filter(|&i| time <= spans[i].1)
    };
    let currencies = &stored.currencies;
    let transfers = own_transfer_ids(&stored);
    let sums = months(
        &firsts,
        &stored.items,
        |row| transfers.contains(&row.id),
        |id| currencies.get(id).copied(),
        list,
        month_of,
    );
    let coverage = &stored.coverage;
    let overlaps =
        |spans: &[history::Span], a: i64, b: i64| spans.iter().any(|s| s.from <= b && s.to >= a);
    let months = sums
        .into_iter()
        .zip(&spans)
        .map(|(m, &(a, last))| {
            let b = last.min(now);
            let held = if !overlaps(&coverage.missing, a, b) {
                Held::All
            } else if overlaps(&coverage.fetched, a, b)
                || coverage.webhook_from.is_some_and(|w| w <= b)
                || m.income != 0
                || m.spending != 0
                || m.transfers != 0
            {
                Held::Part
            } else {
                Held::Nothing
            };
            (m, held)
        })
        .collect();
    Ok(Summary {
        months,
        rates_at: rates.map(|r| r.fetched_at),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    use crate::db::transactions::Source;
    use crate::db::users::UserId;

    fn row(id: &str, account: &str, time: i64, amount: i64, mcc: i32) -> TransactionRow {
        let item = monobank::types::StatementItem::new(id.into(), time, "x", mcc, amount, 980);
        TransactionRow::new(UserId(1), account, &item, Source::Statement, 0)
    }

    fn uah(_: &str) -> Option<CurrencyCode> {
        Some(UAH)
    }

    fn raw(pairs: &[(&str, &str)]) -> RawFilter {
        let get = |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.to_owned());
        RawFilter {
            q: get("q"),
            category: get("category"),
            direction: get("direction"),
            min: get("min"),
            max: get("max"),
            sort: get("sort"),
        }
    }

    /// Every row exactly once, in the order, page after page, whatever the page size; and a row
    /// that arrives between two pages neither repeats nor hides a row of the rest.
    #[test]
    fn pages_cover_the_rows_once_in_order_and_survive_new_rows() {
        let rows: Vec<TransactionRow> = (0..23)
            .map(|i| {
                row(
                    &format!("id{:02}", i % 7),
                    "a",
                    1_000 + i / 3,
                    -(i * 37 % 11) * 100,
                    5411,
                )
            })
            .collect();
        for (sort, _) in Sort::ALL {
            let mut whole = rows.clone();
            page(&mut whole, None, usize::MAX, sort);
            for limit in [1, 2, 5, 23, 50] {
                let (mut seen, mut cursor) = (Vec::new(), None);
                loop {
                    let mut this = rows.clone();
                    let next = page(&mut this, cursor.as_ref(), limit, sort);
                    assert!(this.len() <= limit);
                    seen.extend(this.iter().map(|r| (r.id.clone(), r.time)));
                    match next {
                        Some(c) => cursor = Some(Cursor::decode(&c.encode()).unwrap()),
                        None => break,
                    }
                }
                let expected: Vec<_> = whole.iter().map(|r| (r.id.clone(), r.time)).collect();
                assert_eq!(seen, expected, "{sort:?} by {limit}");
            }
        }
        // Newest first, a page of 5, then a newer row arrives: the second page is the next 5.
        let mut first = rows.clone();
        let cursor = page(&mut first, None, 5, Sort::NewestFirst).unwrap();
        let mut later = rows.clone();
        later.push(row("new", "a", 9_999, -100, 5411));
        let mut second = later.clone();
        page(&mut second, Some(&cursor), 5, Sort::NewestFirst);
        let mut whole = rows.clone();
        page(&mut whole, None, usize::MAX, Sort::NewestFirst);
        assert_eq!(second, whole[5..10].to_vec());
    }

    #[test]
    fn a_cursor_reads_back_and_only_its_form_is_taken() {
        let c = Cursor::after(&row("ZuHWzqkKGVo=", "a", 1_700_000_000, -250, 1));
        assert_eq!(c.encode(), "1700000000.250.5a7548577a716b4b47566f3d");
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        // Every string of the form is a place, whatever row it names.
        assert!(Cursor::decode("-5.0.").is_some());
        assert!(Cursor::decode("999999999999999999.1.00ff").is_some());
        assert!(Cursor::decode(&format!("1.1.{}", "ab".repeat(128))).is_some());
        for bad in [
            "",
            "1.2",
            "1.2.3",
            "1.2.abc",
            "1.-2.ab",
            "x.2.ab",
            "1.2.AB",
            "1.2.ab.c",
            "1234567890123456789.1.ab",
            &format!("1.1.{}", "ab".repeat(129)),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn amounts_parse_as_hundredths_and_bad_ones_are_refused() {
        assert_eq!(minor_units("250"), Some(25_000));
        assert_eq!(minor_units("99.9"), Some(9_990));
        assert_eq!(minor_units("0,05"), Some(5));
        for bad in [
            "-5",
            "1.234",
            "1e3",
            "",
            ".5",
            "5.",
            "NaN",
            "99999999999999999999",
        ] {
            assert_eq!(minor_units(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_filter_checks_every_field_and_names_the_bad_ones() {
        let errors = raw(&[
            ("direction", "sideways"),
            ("min", "-3"),
            ("sort", "name"),
            ("category", "Nope"),
            ("q", "a\u{1b}b"),
        ])
        .check()
        .err()
        .unwrap_or_default();
        let mut fields: Vec<_> = errors.keys().cloned().collect();
        fields.sort();
        assert_eq!(fields, ["category", "direction", "min", "q", "sort"]);
        let errors = raw(&[("min", "10"), ("max", "5")]).check().err();
        assert!(errors.is_some_and(|e| e.contains_key("max")));
        let empty = raw(&[("q", " "), ("category", ""), ("min", "")]).check();
        assert_eq!(empty, Ok(Filter::default()), "empty fields mean any");
        // The API takes each value exactly as documented; the page trims what a person typed.
        let padded = raw(&[
            ("direction", " in"),
            ("min", "5 "),
            ("category", "groceries"),
            ("q", "a\n"),
        ]);
        let errors = padded.check().err().unwrap_or_default();
        assert_eq!(
            errors.keys().cloned().collect::<Vec<_>>(),
            ["category", "direction", "min", "q"]
        );
        let typed = raw(&[
            ("direction", " in"),
            ("min", "5 "),
            ("category", " Groceries "),
        ]);
        assert!(typed.trimmed().check().is_ok());
    }

    #[test]
    fn rows_are_found_by_text_category_direction_and_size() {
        let mut salary = row("1", "a", 10, 500_000, 4829);
        salary.counter_name = Some("ТОВ «Ромашка»".into());
        let mut coffee = row("2", "a", 20, -6_500, 5814);
        coffee.comment = Some("Flat White".into());
        let groceries = row("3", "a", 30, -120_000, 5411);
        let rows = vec![groceries.clone(), coffee.clone(), salary.clone()];
        let pick = |pairs: &[(&str, &str)]| {
            let mut rows = rows.clone();
            raw(pairs).check().map(|f| f.apply(&mut rows)).ok();
            rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(pick(&[("q", "ромашка")]), ["1"], "Cyrillic, any case");
        assert_eq!(pick(&[("q", "flat")]), ["2"], "the comment");
        assert_eq!(pick(&[("category", "Groceries")]), ["3"]);
        assert_eq!(
            pick(&[("q", "  ромашка ")]),
            ["1"],
            "spaces around a search are not sought"
        );
        assert_eq!(pick(&[("direction", "out")]), ["3", "2"]);
        assert_eq!(pick(&[("direction", "in")]), ["1"]);
        assert_eq!(
            pick(&[("min", "65"), ("max", "1200")]),
            ["3", "2"],
            "bounds are inclusive"
        );
        assert_eq!(pick(&[("sort", "-amount")]), ["1", "3", "2"]);
        assert_eq!(pick(&[("sort", "amount")]), ["2", "3", "1"]);
        assert_eq!(pick(&[("sort", "date")]), ["1", "2", "3"]);
    }

    #[test]
    fn own_transfers_pair_one_out_with_one_in_on_another_account() {
        let rows = vec![
            row("card-out", "card", 1_000, -50_000, 4829),
            row("jar-in", "jar", 1_001, 50_000, 4829),
            // The same sum in on the same account: not a transfer to oneself.
            row("card-in", "card", 1_002, 50_000, 4829),
            // Too late to pair.
            row("late-out", "card", 5_000, -7_000, 4829),
            row(
                "late-in",
                "jar",
                5_000 + TRANSFER_WINDOW_SECS + 1,
                7_000,
                4829,
            ),
            // A purchase of the same sum in the same second does not take the transfer's side.
            row("buy-same", "card", 1_000, -50_000, 5411),
            // Same sum, same time, but neither is a transfer: a purchase and a refund elsewhere.
            row("buy", "card", 9_000, -3_000, 5411),
            row("refund", "jar", 9_000, 3_000, 5411),
        ];
        let found = own_transfers(&rows, uah);
        let mut ids: Vec<_> = found.iter().map(|&i| rows[i].id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["card-out", "jar-in"]);
    }

    #[test]
    fn a_transfer_across_the_edge_of_the_range_is_one_on_this_side() {
        let stored = |account: &str, items, edges| history::Stored {
            account: account.into(),
            currency: UAH,
            currencies: HashMap::from([("card".into(), UAH), ("jar".into(), UAH)]),
            edges,
            items,
            unconfirmed: Vec::new(),
            complete: true,
            next_fetch_at: None,
            progress: None,
            coverage: history::Coverage::default(),
        };
        // 23:59:50 out of the card; 00:00:10 into the jar, the next day (outside the range).
        let out = row("out", "card", 1_000, -50_000, 4829);
        let into = row("in", "jar", 1_020, 50_000, 4829);
        let all = stored(history::ALL_ACCOUNTS, vec![out.clone()], vec![into.clone()]);
        assert_eq!(own_transfer_ids(&all), HashSet::from(["out".to_owned()]));
        let alone = stored(history::ALL_ACCOUNTS, vec![out.clone()], vec![]);
        assert!(
            own_transfer_ids(&alone).is_empty(),
            "no partner, no transfer"
        );
        let one = stored("card", vec![out], vec![into]);
        assert!(
            own_transfer_ids(&one).is_empty(),
            "one account's statement counts everything"
        );
    }

    #[test]
    fn an_exchange_between_currency_cards_is_an_own_transfer() {
        // 100 USD bought for 4,150 UAH: the hryvnia side names the dollars as its operation.
        let mut uah_side = row("u", "uah", 100, -415_000, 4829);
        uah_side.currency_code = 840;
        uah_side.operation_amount = -10_000;
        let mut usd_side = row("d", "usd", 100, 10_000, 4829);
        usd_side.currency_code = 840;
        usd_side.operation_amount = 10_000;
        let currency = |id: &str| Some(if id == "usd" { CurrencyCode(840) } else { UAH });
        assert_eq!(own_transfers(&[uah_side, usd_side], currency).len(), 2);
    }

    #[test]
    fn months_sum_in_hryvnias_without_own_transfers() {
        let rows = vec![
            row("salary", "card", 10, 1_000_000, 4829),
            row("food", "card", 20, -30_000, 5411),
            row("to-jar", "card", 30, -200_000, 4829),
            row("jar", "jar", 30, 200_000, 4829),
            row("next", "card", 100, -5_000, 5411),
        ];
        let month_of = |t: i64| Some(usize::from(t >= 100));
        let names = [
            jiff::civil::date(2026, 10, 1),
            jiff::civil::date(2026, 11, 1),
        ];
        let currencies = |id: &str| uah(id);
        let found = own_transfers(&rows, currencies);
        let ids: HashSet<String> = found.iter().map(|&i| rows[i].id.clone()).collect();
        let got = months(&names, &rows, |r| ids.contains(&r.id), uah, &[], month_of);
        assert_eq!(got[0].income, 1_000_000);
        assert_eq!(got[0].spending, 30_000);
        assert_eq!(got[0].net(), 970_000);
        assert_eq!(got[0].transfers, 2);
        assert_eq!(got[0].categories.get("Groceries"), Some(&30_000));
        assert_eq!(got[1].spending, 5_000);
    }
}
