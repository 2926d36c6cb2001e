//! `/`: every account and jar as a card, with the data's age.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::format::{age, date_time, money};
use super::{ok, Layout};
use crate::http::current_user::{CurrentUser, SessionUser};
use crate::http::error::AppError;
use crate::i18n::{t, t1};
use crate::services::client_info;
use crate::services::mono::{self, ViewError};
use crate::services::tokens::TokenError;
use crate::services::Context;
use monobank::currency::CurrencyCode;
use monobank::types::{Account, Jar, UserInfo};

pub struct AccountCard {
    /// The account's name, the same on every page ([`account_names`]).
    pub name: String,
    /// Its statement.
    pub href: String,
    pub kind: String,
    pub currency: String,
    pub balance: String,
    pub own_funds: String,
    pub credit_limit: Option<String>,
    pub masked_pan: String,
    pub iban: String,
    pub is_default: bool,
}

pub struct JarCard {
    pub href: String,
    pub title: String,
    pub description: String,
    pub balance: String,
    pub goal: Option<String>,
    /// Progress towards the goal, in whole percent (capped at 100 for the bar).
    pub percent: u32,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    connected: bool,
    notice: Option<String>,
    name: String,
    accounts: Vec<AccountCard>,
    jars: Vec<JarCard>,
    updated: String,
    age: String,
    stale: bool,
    /// Own funds of every account and jar in hryvnias; `None` without a rate for a currency.
    net_worth: Option<String>,
    /// The rates used, in words ("USD 41.05 ₴").
    rates_used: Vec<String>,
    /// When those rates were fetched.
    rates_at: String,
}

/// A person's name for an account type.
fn kind_label(kind: &str) -> String {
    let id = match kind {
        "black" => "card-black",
        "white" => "card-white",
        "platinum" => "card-platinum",
        "iron" => "card-iron",
        "yellow" => "card-yellow",
        "fop" => "card-fop",
        "eAid" => "card-eaid",
        "madeInUkraine" => "card-made-in-ukraine",
        other => return other.to_owned(),
    };
    t(id)
}

/// The statement of one account or jar.
fn statement_href(id: &str) -> String {
    format!(
        "/statement?{}",
        serde_urlencoded::to_string([("account", id)]).unwrap_or_default()
    )
}

/// The name of an account: its type and currency, and the card's last four digits
/// ("Black card UAH ·4821").
fn account_name(account: &Account) -> String {
    let last4 = account
        .masked_pan
        .first()
        .and_then(|p| p.get(p.len().saturating_sub(4)..))
        .map(|d| format!(" ·{d}"))
        .unwrap_or_default();
    format!(
        "{} {}{last4}",
        kind_label(&account.kind),
        CurrencyCode(account.currency_code)
    )
}

/// The name of a jar ("Jar «Holiday»").
fn jar_name(jar: &Jar) -> String {
    t1("jar-name", "title", jar.title.as_str())
}

/// Every account and jar of a client-info as (id, name), in the order the pages show them: the
/// default card first, then accounts by currency (hryvnia, dollar, euro, the rest by code) and
/// type, then jars by title; ties by id, so the order never changes between two loads.
pub fn account_names(info: &UserInfo) -> impl Iterator<Item = (String, String)> + '_ {
    ordered_accounts(info)
        .into_iter()
        .map(|a| (a.id.clone(), account_name(a)))
        .chain(
            ordered_jars(info)
                .into_iter()
                .map(|j| (j.id.clone(), jar_name(j))),
        )
}

fn currency_rank(code: u16) -> (u8, u16) {
    match code {
        980 => (0, 0),
        840 => (1, 0),
        978 => (2, 0),
        other => (3, other),
    }
}

fn ordered_accounts(info: &UserInfo) -> Vec<&Account> {
    let default_id = client_info::default_account(info).map(|a| a.id.as_str());
    let mut accounts: Vec<&Account> = info.accounts.iter().collect();
    accounts.sort_by(|a, b| {
        let key = |x: &Account| {
            (
                default_id != Some(x.id.as_str()),
                currency_rank(x.currency_code),
                kind_label(&x.kind),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
    });
    accounts
}

fn ordered_jars(info: &UserInfo) -> Vec<&Jar> {
    let mut jars: Vec<&Jar> = info.jars.iter().flatten().collect();
    jars.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
    jars
}

fn account_card(account: &Account, default_id: Option<&str>) -> AccountCard {
    let currency = CurrencyCode(account.currency_code);
    AccountCard {
        name: account_name(account),
        href: statement_href(&account.id),
        kind: kind_label(&account.kind),
        currency: currency.to_string(),
        balance: money(account.balance, currency),
        own_funds: money(account.own_funds(), currency),
        credit_limit: (account.credit_limit != 0).then(|| money(account.credit_limit, currency)),
        masked_pan: account.masked_pan.join(", "),
        iban: iban_groups(&account.iban),
        is_default: default_id == Some(account.id.as_str()),
    }
}

/// An IBAN in groups of four, as it is written, so that it wraps between groups.
fn iban_groups(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn jar_card(jar: &Jar) -> JarCard {
    let currency = CurrencyCode(jar.currency_code);
    let percent = match jar.goal {
        Some(goal) if goal > 0 => {
            u32::try_from((i128::from(jar.balance.max(0)) * 100 / i128::from(goal)).min(100))
                .unwrap_or(100)
        }
        _ => 0,
    };
    JarCard {
        href: statement_href(&jar.id),
        title: jar_name(jar),
        description: jar.description.clone(),
        balance: money(jar.balance, currency),
        goal: jar.goal.map(|g| money(g, currency)),
        percent,
    }
}

/// The cards of a client-info, in the order of [`account_names`].
pub fn cards(info: &UserInfo) -> (Vec<AccountCard>, Vec<JarCard>) {
    let default_id = client_info::default_account(info).map(|a| a.id.as_str());
    let accounts = ordered_accounts(info)
        .into_iter()
        .map(|a| account_card(a, default_id))
        .collect();
    let jars = ordered_jars(info).into_iter().map(jar_card).collect();
    (accounts, jars)
}

/// `GET /`.
pub async fn show(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    session_user: SessionUser,
) -> Result<HttpResponse, AppError> {
    let mut page = DashboardPage {
        layout: Layout::new(&session, &user, "dashboard", t("nav-dashboard"))?,
        connected: true,
        notice: None,
        name: String::new(),
        accounts: Vec::new(),
        jars: Vec::new(),
        updated: String::new(),
        age: String::new(),
        stale: false,
        net_worth: None,
        rates_used: Vec::new(),
        rates_at: String::new(),
    };
    match session_user.ended_if_refused(mono::client_info(&state, &session_user).await) {
        Ok(answer) => {
            let (accounts, jars) = cards(&answer.data);
            page.name = answer.data.name.clone();
            page.accounts = accounts;
            page.jars = jars;
            page.updated = date_time(answer.fetched_at);
            page.age = age(state.clock.now() - answer.fetched_at);
            page.stale = super::shown_stale(answer.stale, state.clock.now() - answer.fetched_at);
            let rates = crate::services::insight::net_worth_rates(&state, &answer.data).await;
            let list = rates.as_ref().map_or(&[][..], |r| r.list.as_slice());
            let worth = crate::services::insight::net_worth(&answer.data, list);
            page.net_worth = worth.amount.map(|a| money(a, monobank::currency::UAH));
            page.rates_used = worth
                .rates
                .iter()
                .map(|(code, rate)| {
                    format!(
                        "{code} {}",
                        super::format::decimal(*rate, 4, monobank::currency::UAH)
                    )
                })
                .collect();
            page.rates_at = rates.map(|r| date_time(r.fetched_at)).unwrap_or_default();
        }
        Err(ViewError::Token(
            e @ (TokenError::Rejected { .. } | TokenError::AccessRevoked { .. }),
        )) => {
            page.notice = super::rejected_notice(&e);
        }
        Err(ViewError::Token(_)) => page.connected = false,
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => page.notice = Some(super::words_of(&e)),
        },
    }
    ok(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jar(balance: i64, goal: Option<i64>) -> Jar {
        {
            let mut built = Jar::default();
            built.id = "j".into();
            built.send_id = String::new();
            built.title = "<script>x</script>".into();
            built.description = String::new();
            built.currency_code = 980;
            built.balance = balance;
            built.goal = goal;
            built
        }
    }

    #[test]
    fn jar_progress_is_capped_and_safe() {
        assert_eq!(jar_card(&jar(2_500, Some(10_000))).percent, 25);
        assert_eq!(jar_card(&jar(20_000, Some(10_000))).percent, 100);
        assert_eq!(jar_card(&jar(-5, Some(10_000))).percent, 0);
        assert_eq!(jar_card(&jar(5, Some(0))).percent, 0);
        assert_eq!(jar_card(&jar(i64::MAX, Some(1))).percent, 100);
        assert_eq!(jar_card(&jar(5, None)).goal, None);
    }
}
