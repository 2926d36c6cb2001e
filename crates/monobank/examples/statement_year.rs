//! A year of the default card's statement, every operation once, at Monobank's pace (one
//! statement call a minute per token, so about a quarter of an hour):
//! `MONO_TOKEN=... cargo run -p monobank --example statement_year`. `MONOBANK_URL` points it at
//! another base URL (a local sandbox, say).
#![allow(clippy::print_stdout)]

use std::future::Future;
use std::time::Duration;

use monobank::clock::{Clock, SystemClock};
use monobank::limit::MemoryLimiter;
use monobank::statement::{step, StatementCursor, Step};
use monobank::types::StatementItem;
use monobank::{Client, MonoToken};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("MONOBANK_URL").unwrap_or_else(|_| "https://api.monobank.ua".into());
    let token = MonoToken::parse(&std::env::var("MONO_TOKEN")?)?;
    let client = Client::new(base.parse()?)?;
    let sleep = |secs: i64| tokio::time::sleep(Duration::from_secs(secs.unsigned_abs()));
    let items = year(&client, &token, &SystemClock, sleep).await?;
    let spent: i64 = items.iter().map(|i| i.amount).filter(|a| *a < 0).sum();
    println!("{} operations, {} kopiyky spent", items.len(), -spent);
    Ok(())
}

/// Every operation of the default card (`0`) over the last 365 days, newest first. The cursor
/// cuts the year into windows Monobank accepts and pages past its 500-item answers; the lanes
/// keep one call a minute, and `wait(seconds)` waits while the lane is closed.
pub async fn year<W, F>(
    client: &Client,
    token: &MonoToken,
    clock: &dyn Clock,
    mut wait: W,
) -> Result<Vec<StatementItem>, Box<dyn std::error::Error>>
where
    W: FnMut(i64) -> F,
    F: Future<Output = ()>,
{
    let lanes = MemoryLimiter::default();
    let now = clock.now();
    let mut cursor = StatementCursor::new("0", now - 365 * 86_400, now)?;
    let mut items = Vec::new();
    loop {
        match step(client, &lanes, clock, token, "my token", &mut cursor).await? {
            Step::Fetched(page) => items.extend(page),
            Step::LaneClosed { next_at } => wait(next_at - clock.now()).await,
            Step::Complete => return Ok(items),
        }
    }
}
