//! `/`: every account and jar as a card, with the data's age.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::format::{age, date_time, money};
use super::{ok, Layout};
use crate::auth::current_user::{CurrentUser, SessionUser};
use crate::error::AppError;
use crate::services::mono::{self, ViewError};
use crate::services::tokens::TokenError;
use crate::services::Context;
use monobank::currency::CurrencyCode;
use monobank::types::{Account, Jar, UserInfo};

pub struct AccountCard {
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
}

/// A person's name for an account type.
fn kind_label(kind: &str) -> String {
    match kind {
        "black" => "Black card".into(),
        "white" => "White card".into(),
        "platinum" => "Platinum card".into(),
        "iron" => "Iron card".into(),
        "yellow" => "Yellow card".into(),
        "fop" => "FOP account".into(),
        "eAid" => "eAid card".into(),
        "madeInUkraine" => "Made in Ukraine card".into(),
        other => other.to_owned(),
    }
}

fn account_card(account: &Account, default_id: Option<&str>) -> AccountCard {
    let currency = CurrencyCode(account.currency_code);
    AccountCard {
        kind: kind_label(&account.kind),
        currency: currency.to_string(),
        balance: money(account.balance, currency),
        own_funds: money(account.own_funds(), currency),
        credit_limit: (account.credit_limit != 0).then(|| money(account.credit_limit, currency)),
        masked_pan: account.masked_pan.join(", "),
        iban: account.iban.clone(),
        is_default: default_id == Some(account.id.as_str()),
    }
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
        title: jar.title.clone(),
        description: jar.description.clone(),
        balance: money(jar.balance, currency),
        goal: jar.goal.map(|g| money(g, currency)),
        percent,
    }
}

/// The cards of a client-info, default account first.
pub fn cards(info: &UserInfo) -> (Vec<AccountCard>, Vec<JarCard>) {
    let default_id = mono::default_account(info).map(|a| a.id.as_str());
    let mut accounts: Vec<AccountCard> = info
        .accounts
        .iter()
        .map(|a| account_card(a, default_id))
        .collect();
    accounts.sort_by_key(|a| !a.is_default);
    let jars = info.jars.iter().flatten().map(jar_card).collect();
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
        layout: Layout::new(&session, &user, "dashboard", "Dashboard")?,
        connected: true,
        notice: None,
        name: String::new(),
        accounts: Vec::new(),
        jars: Vec::new(),
        updated: String::new(),
        age: String::new(),
        stale: false,
    };
    match mono::client_info(&state, &session_user).await {
        Ok(answer) => {
            let (accounts, jars) = cards(&answer.data);
            page.name = answer.data.name.clone();
            page.accounts = accounts;
            page.jars = jars;
            page.updated = date_time(answer.fetched_at);
            page.age = age(state.clock.now() - answer.fetched_at);
            page.stale = answer.stale;
        }
        Err(ViewError::Token(TokenError::Rejected { at })) => {
            page.notice = Some(super::rejected_notice(at));
        }
        Err(ViewError::Token(_)) => page.connected = false,
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => page.notice = Some(e.detail()),
        },
    }
    ok(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jar(balance: i64, goal: Option<i64>) -> Jar {
        Jar {
            id: "j".into(),
            send_id: String::new(),
            title: "<script>x</script>".into(),
            description: String::new(),
            currency_code: 980,
            balance,
            goal,
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
