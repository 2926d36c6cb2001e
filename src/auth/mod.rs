//! Authentication: how users prove who they are (passwords, API keys, throttling); the HTTP side
//! of it (sessions, CSRF, the current user) is in `crate::http`.

pub mod api_keys;
pub mod claim;
pub mod device;
pub mod password;
pub mod throttle;

pub use password::{NewPassword, PasswordHash};
