//! The sandbox's deterministic data: from a seed and a start time, several clients with a UAH
//! black card (with a credit limit), USD and EUR cards, a fop account and jars with and without
//! goals, and a year of transactions up to the start time with realistic MCCs, holds, comments,
//! cashback and foreign-currency operations. The first client's UAH card has more than 500
//! operations in the last 31 days, so statement paging is exercised.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use monobank::types::{Account, Jar, StatementItem, UserInfo};

/// How many clients the sandbox serves.
pub const CLIENTS: usize = 3;
/// Days of history generated before the start time.
pub const HISTORY_DAYS: i64 = 366;

/// One sandbox client: its token, what client-info shows, and every account's operations.
#[derive(Clone, Debug)]
pub struct ClientData {
    /// The client's personal token (44 characters of `[A-Za-z0-9_-]`).
    pub token: String,
    /// What `GET /personal/client-info` answers for the client: accounts, jars, balances and the
    /// webhook URL.
    pub info: UserInfo,
    /// (account or jar id, operations sorted oldest first).
    pub ledgers: Vec<(String, Vec<StatementItem>)>,
}

impl ClientData {
    /// The operations of an account or jar, oldest first; `None` for an id the client does not
    /// have.
    pub fn ledger(&self, account: &str) -> Option<&Vec<StatementItem>> {
        self.ledgers
            .iter()
            .find(|(id, _)| id == account)
            .map(|(_, items)| items)
    }

    /// The operations of an account or jar, oldest first, to change; `None` for an id the client
    /// does not have.
    pub fn ledger_mut(&mut self, account: &str) -> Option<&mut Vec<StatementItem>> {
        self.ledgers
            .iter_mut()
            .find(|(id, _)| id == account)
            .map(|(_, items)| items)
    }

    /// The currency of an account or jar.
    pub fn currency_of(&self, account: &str) -> Option<u16> {
        let card = self.info.accounts.iter().find(|a| a.id == account);
        let jar = || self.info.jars.iter().flatten().find(|j| j.id == account);
        card.map(|a| a.currency_code)
            .or_else(|| jar().map(|j| j.currency_code))
    }

    /// Books `item` (its time, amount and currency set) on `account` after every operation at
    /// or before its second: its running balance is set and the account's balance moved. `None`
    /// for an id the client does not have.
    pub fn book(&mut self, account: &str, mut item: StatementItem) -> Option<StatementItem> {
        let ledger = self.ledger_mut(account)?;
        let position = ledger.partition_point(|i| i.time <= item.time);
        item.balance = position
            .checked_sub(1)
            .and_then(|i| ledger.get(i))
            .map_or(0, |i| i.balance)
            + item.amount;
        ledger.insert(position, item.clone());
        self.add_to_balance(account, item.amount);
        Some(item)
    }

    /// Moves the balance client-info shows for an account or jar by `delta` (minor units).
    pub fn add_to_balance(&mut self, account: &str, delta: i64) {
        if let Some(a) = self.info.accounts.iter_mut().find(|a| a.id == account) {
            a.balance += delta;
        }
        if let Some(j) = self
            .info
            .jars
            .iter_mut()
            .flatten()
            .find(|j| j.id == account)
        {
            j.balance += delta;
        }
    }

    /// The account Mono serves as `0`: the first black UAH card, else the first UAH account.
    pub fn default_account(&self) -> Option<&str> {
        let accounts = &self.info.accounts;
        accounts
            .iter()
            .find(|a| a.kind == "black" && a.currency_code == 980)
            .or_else(|| accounts.iter().find(|a| a.currency_code == 980))
            .map(|a| a.id.as_str())
    }
}

const NAMES: [&str; CLIENTS] = ["Шевченко Тарас", "Косач Лариса", "Франко Іван"];
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// (mcc, description, typical amount in kopiyky) of ordinary card spending.
const SPENDING: [(i32, &str, i64); 14] = [
    (5411, "Сільпо", 45_000),
    (5411, "АТБ", 28_000),
    (5812, "Пузата хата", 32_000),
    (5814, "McDonald's", 21_000),
    (4111, "Київ Цифровий", 800),
    (4121, "Uklon", 18_000),
    (5912, "Аптека АНЦ", 36_000),
    (5541, "WOG", 150_000),
    (5732, "Rozetka", 240_000),
    (4900, "Київводоканал", 52_000),
    (5999, "Prom.ua", 61_000),
    (5977, "EVA", 27_000),
    (4814, "Київстар", 25_000),
    (5691, "Zara", 180_000),
];

/// Foreign-currency subscriptions: (mcc, description, currency, amount in cents).
const FOREIGN: [(i32, &str, u16, i64); 3] = [
    (4899, "Netflix", 840, 999),
    (5818, "Steam", 978, 1_999),
    (5734, "GitHub", 840, 400),
];

/// Approximate UAH per unit for the foreign operations.
/// Hryvnias for one unit of `currency` (the sandbox's fixed rates; 1 for hryvnias).
pub fn uah_rate(currency: u16) -> f64 {
    match currency {
        840 => 41.5,
        978 => 48.3,
        _ => 1.0,
    }
}

fn random_string(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn digits(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// Generates every client for `seed`, with history ending at `now` (Unix s).
pub fn generate(seed: u64, now: i64) -> Vec<ClientData> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..CLIENTS).map(|n| client(&mut rng, n, now)).collect()
}

fn account(
    rng: &mut StdRng,
    kind: &str,
    currency: u16,
    credit_limit: i64,
    cashback: Option<&str>,
) -> Account {
    let pan = if kind == "fop" {
        Vec::new()
    } else {
        vec![format!("5375{}******{}", digits(rng, 2), digits(rng, 4))]
    };
    {
        let mut built = Account::default();
        built.id = random_string(rng, 22);
        built.send_id = random_string(rng, 10);
        built.balance = credit_limit;
        built.credit_limit = credit_limit;
        built.kind = kind.into();
        built.currency_code = currency;
        built.cashback_type = cashback.map(str::to_owned);
        built.masked_pan = pan;
        built.iban = format!("UA{}322001{}", digits(rng, 2), digits(rng, 19));
        built
    }
}

fn client(rng: &mut StdRng, n: usize, now: i64) -> ClientData {
    let token = random_string(rng, 44);
    let credit = [5_000_000, 2_000_000, 0][n];
    let accounts = vec![
        account(rng, "black", 980, credit, Some("UAH")),
        account(rng, "white", 840, 0, Some("None")),
        account(rng, "platinum", 978, 0, Some("Miles")),
        account(rng, "fop", 980, 0, None),
    ];
    let jars = vec![
        {
            let mut built = Jar::default();
            built.id = random_string(rng, 22);
            built.send_id = format!("jar/{}", random_string(rng, 10));
            built.title = "На відпустку".into();
            built.description = "Море у вересні".into();
            built.currency_code = 980;
            built.balance = 0;
            built.goal = Some(4_000_000);
            built
        },
        {
            let mut built = Jar::default();
            built.id = random_string(rng, 22);
            built.send_id = format!("jar/{}", random_string(rng, 10));
            built.title = "Подушка безпеки".into();
            built.description = String::new();
            built.currency_code = 980;
            built.balance = 0;
            built.goal = None;
            built
        },
    ];
    // Operations per day on the UAH card: the first client is a heavy user.
    let per_day = if n == 0 { 20 } else { 3 };
    let mut ledgers = vec![
        (
            accounts[0].id.clone(),
            card_history(rng, now, per_day, true),
        ),
        (accounts[1].id.clone(), sparse_history(rng, now, 840, 7)),
        (accounts[2].id.clone(), sparse_history(rng, now, 978, 9)),
        (accounts[3].id.clone(), fop_history(rng, now)),
        (jars[0].id.clone(), sparse_history(rng, now, 980, 10)),
        (jars[1].id.clone(), sparse_history(rng, now, 980, 14)),
    ];
    let mut info = {
        let mut built = UserInfo::default();
        built.client_id = random_string(rng, 10);
        built.name = NAMES[n].into();
        built.web_hook_url = String::new();
        built.permissions = "psfj".into();
        built.accounts = accounts;
        built.jars = Some(jars);
        built.managed_clients = None;
        built
    };
    // Running balances: each item's `balance` is the account balance after it.
    for (id, items) in &mut ledgers {
        let start = info
            .accounts
            .iter()
            .find(|a| &a.id == id)
            .map_or(0, |a| a.credit_limit);
        let mut balance = start;
        for item in items.iter_mut() {
            balance += item.amount;
            item.balance = balance;
        }
        if let Some(a) = info.accounts.iter_mut().find(|a| &a.id == id) {
            a.balance = balance;
        }
        if let Some(j) = info.jars.iter_mut().flatten().find(|j| &j.id == id) {
            j.balance = balance;
        }
    }
    ClientData {
        token,
        info,
        ledgers,
    }
}

fn base_item(
    rng: &mut StdRng,
    time: i64,
    mcc: i32,
    description: &str,
    amount: i64,
    currency: u16,
) -> StatementItem {
    StatementItem::new(
        random_string(rng, 16),
        time,
        description,
        mcc,
        amount,
        currency,
    )
}

/// Times of `count` operations on the day starting at `day_start`, sorted, distinct seconds
/// spread over the waking hours (06:00-23:00 UTC), never after `now`.
fn times_on_day(rng: &mut StdRng, day_start: i64, count: usize, now: i64) -> Vec<i64> {
    let mut times: Vec<i64> = (0..count)
        .map(|_| day_start + rng.random_range(6 * 3600..23 * 3600))
        .filter(|t| *t <= now)
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

fn card_history(rng: &mut StdRng, now: i64, per_day: usize, cashback: bool) -> Vec<StatementItem> {
    let mut items = Vec::new();
    let first_day = (now - HISTORY_DAYS * 86_400).div_euclid(86_400) * 86_400;
    let mut day = first_day;
    // Own funds, tracked so that income arrives when they run low, as it would for a person.
    let mut own = 0i64;
    while day <= now {
        let count = rng.random_range(per_day.saturating_sub(2)..=per_day + 2);
        for time in times_on_day(rng, day, count, now) {
            let roll = if own < 300_000 {
                0
            } else {
                rng.random_range(1..100)
            };
            let mut item = if roll < 2 {
                // Salary or a transfer in.
                let amount = rng.random_range(2_000_000..6_000_000);
                let mut item = base_item(rng, time, 4829, "Від: ТОВ «Ромашка»", amount, 980);
                item.comment = Some("Заробітна плата".into());
                item.counter_iban = Some(format!("UA21305299{}", digits(rng, 19)));
                item.counter_name = Some("ТОВ «Ромашка»".into());
                item.counter_edrpou = Some(digits(rng, 8));
                item
            } else if roll < 6 {
                let (mcc, description, currency, cents) =
                    FOREIGN[rng.random_range(0..FOREIGN.len())];
                let uah = (cents as f64 * uah_rate(currency)).round() as i64;
                let mut item = base_item(rng, time, mcc, description, -uah, currency);
                item.operation_amount = -cents;
                item
            } else if roll < 8 {
                let amount = rng.random_range(10..100) * 10_000;
                let mut item = base_item(rng, time, 6011, "Банкомат", -amount, 980);
                item.commission_rate = amount / 100;
                item.amount -= item.commission_rate;
                item
            } else if roll < 12 {
                let amount = rng.random_range(100..5_000) * 100;
                let mut item = base_item(rng, time, 4829, "Переказ на картку", -amount, 980);
                item.comment = Some(["Дякую!", "За обід", "Борг"][rng.random_range(0..3)].into());
                item
            } else {
                let (mcc, description, typical) = SPENDING[rng.random_range(0..SPENDING.len())];
                let amount = rng.random_range(typical / 3..typical * 2);
                let mut item = base_item(rng, time, mcc, description, -amount, 980);
                if rng.random_range(0..10) == 0 {
                    item.receipt_id = Some(format!(
                        "{}-{}-{}-{}",
                        digits(rng, 4),
                        digits(rng, 4),
                        digits(rng, 4),
                        digits(rng, 4)
                    ));
                }
                item
            };
            if cashback && item.amount < 0 && item.mcc != 4829 && item.mcc != 6011 {
                item.cashback_amount = -item.amount / 100;
            }
            // Operations of the last two days may still be holds.
            item.hold = now - time < 2 * 86_400 && rng.random_range(0..3) == 0;
            own += item.amount;
            items.push(item);
        }
        day += 86_400;
    }
    items
}

/// A few operations every `every_days` days: top-ups and spending on a currency card or a jar.
fn sparse_history(
    rng: &mut StdRng,
    now: i64,
    currency: u16,
    every_days: i64,
) -> Vec<StatementItem> {
    let mut items = Vec::new();
    let mut day = (now - HISTORY_DAYS * 86_400).div_euclid(86_400) * 86_400;
    let mut balance = 0i64;
    while day <= now {
        for time in times_on_day(rng, day, 1, now) {
            let deposit = balance < 50_000 || rng.random_bool(0.5);
            let amount = if deposit {
                rng.random_range(10_000..200_000)
            } else {
                -rng.random_range(1_000..balance.clamp(1_001, 100_000))
            };
            balance += amount;
            let (mcc, description) = if deposit {
                (4829, "Поповнення")
            } else if currency == 980 {
                (4829, "Переказ з банки")
            } else {
                (5999, "Amazon")
            };
            items.push(base_item(rng, time, mcc, description, amount, currency));
        }
        day += every_days * 86_400;
    }
    items
}

/// Business income and tax payments on the fop account, with counterparties.
fn fop_history(rng: &mut StdRng, now: i64) -> Vec<StatementItem> {
    let mut items = Vec::new();
    let mut day = (now - HISTORY_DAYS * 86_400).div_euclid(86_400) * 86_400;
    while day <= now {
        for time in times_on_day(rng, day, 1, now) {
            let mut item = if rng.random_bool(0.8) {
                let amount = rng.random_range(1_000_000..5_000_000);
                let mut item = base_item(rng, time, 4829, "Оплата за послуги", amount, 980);
                item.counter_name = Some("ТОВ «Клієнт»".into());
                item.counter_edrpou = Some(digits(rng, 8));
                item.counter_iban = Some(format!("UA80380805{}", digits(rng, 19)));
                item.invoice_id = Some(format!("{}.{}", digits(rng, 4), digits(rng, 2)));
                item
            } else {
                let tax = rng.random_range(100_000..300_000);
                base_item(rng, time, 9311, "Єдиний податок", -tax, 980)
            };
            item.original_mcc = item.mcc;
            items.push(item);
        }
        day += 7 * 86_400;
    }
    items
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use monobank::MonoToken;

    const NOW: i64 = 1_764_400_000;

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = generate(7, NOW);
        let b = generate(7, NOW);
        let c = generate(8, NOW);
        assert_eq!(a[0].token, b[0].token);
        assert_eq!(a[0].ledgers, b[0].ledgers);
        assert_ne!(a[0].token, c[0].token);
    }

    #[test]
    fn clients_have_every_kind_of_account_and_valid_tokens() {
        for client in generate(1, NOW) {
            assert!(MonoToken::parse(&client.token).is_ok());
            let kinds: Vec<_> = client
                .info
                .accounts
                .iter()
                .map(|a| (a.kind.as_str(), a.currency_code))
                .collect();
            assert_eq!(
                kinds,
                [
                    ("black", 980),
                    ("white", 840),
                    ("platinum", 978),
                    ("fop", 980)
                ]
            );
            let jars = client.info.jars.as_ref().unwrap();
            assert!(jars.iter().any(|j| j.goal.is_some()) && jars.iter().any(|j| j.goal.is_none()));
            assert!(client.default_account().is_some());
            for (id, items) in &client.ledgers {
                assert!(
                    items.windows(2).all(|w| w[0].time <= w[1].time),
                    "{id} sorted"
                );
                assert!(items
                    .iter()
                    .all(|i| i.time <= NOW && i.time > NOW - 367 * 86_400));
                let shown = client
                    .info
                    .accounts
                    .iter()
                    .find(|a| &a.id == id)
                    .map(|a| a.balance)
                    .or_else(|| jars.iter().find(|j| &j.id == id).map(|j| j.balance));
                let last = items.last().expect("every ledger has history").balance;
                assert_eq!(shown, Some(last), "balance follows the ledger of {id}");
            }
        }
    }

    #[test]
    fn the_first_card_needs_paging_and_items_are_varied() {
        let clients = generate(1, NOW);
        let card = clients[0]
            .ledger(clients[0].default_account().unwrap())
            .unwrap();
        let last_31_days = card.iter().filter(|i| i.time > NOW - 31 * 86_400).count();
        assert!(last_31_days > 500, "{last_31_days}");
        assert!(card.iter().any(|i| i.hold));
        assert!(card.iter().any(|i| i.comment.is_some()));
        assert!(card
            .iter()
            .any(|i| i.currency_code == 840 && i.operation_amount != i.amount));
        assert!(card.iter().any(|i| i.cashback_amount > 0));
        assert!(card.iter().any(|i| i.commission_rate > 0));
        let ids: std::collections::HashSet<_> = card.iter().map(|i| &i.id).collect();
        assert_eq!(ids.len(), card.len());
        let other = clients[1]
            .ledger(clients[1].default_account().unwrap())
            .unwrap();
        assert!(other.iter().filter(|i| i.time > NOW - 31 * 86_400).count() < 500);
    }
}
