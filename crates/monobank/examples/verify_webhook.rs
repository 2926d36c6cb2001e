//! Checks a webhook event's `X-Sign` against the key Monobank publishes at `/bank/sync`:
//! `cargo run -p monobank --example verify_webhook -- <body file> <X-Sign value>`.
//! `MONOBANK_URL` points it at another base URL (a local sandbox, say).
#![allow(clippy::print_stdout)]

use monobank::signature::PublicKey;
use monobank::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(sign)) = (args.next(), args.next()) else {
        return Err("usage: verify_webhook <body file> <X-Sign value>".into());
    };
    let base = std::env::var("MONOBANK_URL").unwrap_or_else(|_| "https://api.monobank.ua".into());
    let key = signing_key(&Client::new(base.parse()?)?).await?;
    let body = std::fs::read(file)?;
    match key.verify(&body, &sign) {
        Ok(()) => println!("signed with the key Monobank publishes"),
        Err(e) => println!("not Monobank's signature: {e}"),
    }
    Ok(())
}

/// Monobank's current webhook key. Fetch it once and keep it; fetch again when an event names a
/// key id you do not know (`X-Key-Id`).
pub async fn signing_key(client: &Client) -> Result<PublicKey, Box<dyn std::error::Error>> {
    let sync = client.bank_sync().await?;
    Ok(PublicKey::from_base64(&sync.server_pub_key)?)
}
