//! The HTTP layer that the JSON API (`api`), the pages (`web`) and the receivers (`hooks`) share
//! as siblings: `AppError` with its JSON envelope and error pages, the extractors of the current
//! user, the session store, CSRF and host checks, the client's address and the request's log span.
//! Nothing below this layer names actix-web, askama or a status code (`tests/it/layers.rs`).

pub mod client;
pub mod csrf;
pub mod current_user;
pub mod error;
pub mod keys;
pub mod sessions;
pub mod span;
