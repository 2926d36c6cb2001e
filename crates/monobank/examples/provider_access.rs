//! A provider (corporate API) asks a user for access and reads their accounts once they accept:
//! `MONO_PROVIDER_KEY=provider.pem cargo run -p monobank --example provider_access`. The key
//! must be registered with the bank and approved (`Client::register`, then the bank's answer,
//! which `Client::registration_status` tells). `MONOBANK_URL` points it at another base URL
//! (a local sandbox, say).
#![allow(clippy::print_stdout)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use monobank::client::AccessState;
use monobank::provider::{ProviderAccess, ProviderKey, RequestId};
use monobank::types::UserInfo;
use monobank::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("MONOBANK_URL").unwrap_or_else(|_| "https://api.monobank.ua".into());
    let key = ProviderKey::from_pem(&std::fs::read_to_string(std::env::var(
        "MONO_PROVIDER_KEY",
    )?)?)?;
    let client = Client::new(base.parse()?)?;
    let show = |url: &str| println!("Open this on the phone, or scan it as a QR code: {url}");
    let sleep = |secs: u64| tokio::time::sleep(Duration::from_secs(secs));
    let info = connect(&client, Arc::new(key), show, sleep).await?;
    println!("{} accepted: {} accounts", info.name, info.accounts.len());
    Ok(())
}

/// Asks for access to the user's statements and personal data (`sp`), shows where they accept
/// (`show(accept_url)`), asks the bank every 5 s whether they did (`wait(5)` between), and
/// reads their client-info with the accepted request id, which is the user's credential from
/// then on: keep it as secret as a password.
pub async fn connect<W, F>(
    client: &Client,
    key: Arc<ProviderKey>,
    show: impl FnOnce(&str),
    mut wait: W,
) -> Result<UserInfo, Box<dyn std::error::Error>>
where
    W: FnMut(u64) -> F,
    F: Future<Output = ()>,
{
    let request = client.request_access(&key, "sp", None).await?;
    show(&request.accept_url);
    let access = ProviderAccess {
        key,
        request_id: RequestId::parse(&request.token_request_id)?,
    };
    loop {
        match client.access_state(&access).await? {
            AccessState::Granted => return Ok(client.client_info(&access).await?),
            AccessState::Pending => wait(5).await,
            AccessState::Unknown => return Err("the request was declined or expired".into()),
        }
    }
}
