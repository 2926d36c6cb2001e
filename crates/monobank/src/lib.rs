//! A typed async client for [Monobank's personal API](https://api.monobank.ua/docs/), and the
//! signed provider (corporate) API.
//!
//! - [`Client`]: one method per endpoint (`/bank/currency`, `/bank/sync`,
//!   `/personal/client-info`, `/personal/statement`, `/personal/webhook`), typed answers in
//!   [`types`], typed failures in [`MonoError`] decided from the status and the body's shape.
//! - [`MonoToken`]: a personal token as a secret (its `Debug` prints `[redacted]`).
//! - [`currency`]: ISO 4217 codes, currency pairs, quotes and cross rates, exact money formatting.
//! - [`statement`]: a resumable cursor that cuts any range into windows Monobank accepts and
//!   pages past its 500-item answers, yielding every operation once.
//! - [`limit`]: the per-token rate lanes (one client-info and one statement call a minute) as a
//!   [`limit::Limiter`] trait, with an in-memory implementation; an application that runs
//!   several instances implements it over its shared store.
//! - [`provider`]: the provider (corporate) API's key, key id and signed headers.
//! - [`signature`]: `X-Sign` verification of webhook events (and signing, for fakes and tests).
//! - [`clock`]: an injectable clock, so code built on the limiter can be tested without sleeping.
//!
//! The crate knows nothing of web frameworks or databases.
//!
//! ```no_run
//! # async fn run() -> Result<(), monobank::MonoError> {
//! use monobank::{Client, MonoToken};
//!
//! let client = Client::new("https://api.monobank.ua".parse().expect("a URL"))?;
//! let rates = client.currency().await?;
//! println!("{} rates", rates.len());
//!
//! let token = MonoToken::parse("uABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn_-9").expect("a token");
//! let me = client.client_info(&token).await?;
//! for account in &me.accounts {
//!     println!("{} {}", account.id, account.balance);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod client;
pub mod clock;
pub mod currency;
pub mod error;
pub mod limit;
pub mod mcc;
pub mod provider;
pub mod signature;
pub mod statement;
pub mod token;
pub mod types;

pub use client::Client;
pub use error::MonoError;
pub use token::MonoToken;

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
