//! Everything about talking to Monobank: the HTTP client, its wire types and errors, tokens,
//! currencies, the per-token rate lanes, the shared currency-rate cache and the statement fetcher.

pub mod client;
pub mod currency;
pub mod error;
pub mod lanes;
pub mod mcc;
pub mod rates;
pub mod signature;
pub mod statement;
pub mod token;
pub mod types;

pub use client::Client;
pub use error::MonoError;
pub use token::MonoToken;
