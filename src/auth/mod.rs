//! Authentication: how users prove who they are (passwords, sessions, CSRF, throttling).

pub mod api_keys;
pub mod csrf;
pub mod current_user;
pub mod device;
pub mod password;
pub mod sessions;
pub mod throttle;

pub use password::{NewPassword, PasswordHash};
