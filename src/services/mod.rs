//! What the views and the CLI do, independent of how they are asked: each function takes a
//! connection (or the pool) and domain types, and returns domain results or an `AppError`.

pub mod accounts;
pub mod history;
pub mod mono;
pub mod sync;
pub mod tokens;
pub mod users;
