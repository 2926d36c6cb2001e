//! What a client-info says about the user's money that several services need: every account and
//! jar id, the currency of one, and the account Monobank serves as `0`. Plain rules over the
//! bank's answer, no call and no storage.

use monobank::currency::{CurrencyCode, UAH};
use monobank::types::{Account, UserInfo};

/// Every account and jar id of a client-info.
pub fn account_ids(info: &UserInfo) -> Vec<String> {
    info.accounts
        .iter()
        .map(|a| a.id.clone())
        .chain(info.jars.iter().flatten().map(|j| j.id.clone()))
        .collect()
}

/// The currency of one of the client's accounts or jars, `None` for an id that is neither.
pub fn currency_of(info: &UserInfo, id: &str) -> Option<CurrencyCode> {
    let account = info
        .accounts
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.currency_code);
    let jar = || {
        info.jars
            .iter()
            .flatten()
            .find(|j| j.id == id)
            .map(|j| j.currency_code)
    };
    account.or_else(jar).map(CurrencyCode)
}

/// The account Mono serves as `0`: the first black UAH card, else the first UAH account. Mono's
/// order is not stable, so ties go to the smallest id.
pub fn default_account(info: &UserInfo) -> Option<&Account> {
    let uah = |a: &&Account| a.currency_code == UAH.0;
    let smallest = |a: &&Account, b: &&Account| a.id.cmp(&b.id);
    info.accounts
        .iter()
        .filter(uah)
        .filter(|a| a.kind == "black")
        .min_by(smallest)
        .or_else(|| info.accounts.iter().filter(uah).min_by(smallest))
}
