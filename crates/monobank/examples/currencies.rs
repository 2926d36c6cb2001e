//! Monobank's exchange rates, one line a pair:
//! `cargo run -p monobank --example currencies`. `MONOBANK_URL` points it at another base URL
//! (a local sandbox, say). Monobank serves the list at most once a minute per address.
#![allow(clippy::print_stdout)]

use monobank::currency::CurrencyCode;
use monobank::{Client, MonoError};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("MONOBANK_URL").unwrap_or_else(|_| "https://api.monobank.ua".into());
    for line in rates(&Client::new(base.parse()?)?).await? {
        println!("{line}");
    }
    Ok(())
}

/// `USD/UAH buy 41.05 sell 41.65` (or `cross 41.3`), one line per rate.
pub async fn rates(client: &Client) -> Result<Vec<String>, MonoError> {
    let name = |code: u16| CurrencyCode(code).to_string();
    Ok(client
        .currency()
        .await?
        .iter()
        .map(|rate| {
            let pair = format!(
                "{}/{}",
                name(rate.currency_code_a),
                name(rate.currency_code_b)
            );
            match (rate.rate_buy, rate.rate_sell, rate.rate_cross) {
                (Some(buy), Some(sell), _) => format!("{pair} buy {buy} sell {sell}"),
                (_, _, Some(cross)) => format!("{pair} cross {cross}"),
                _ => format!("{pair} no rate"),
            }
        })
        .collect())
}
