//! Authentication: who a user is (usernames) and how they prove it (passwords).

pub mod csrf;
pub mod current_user;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod username;

pub use password::{NewPassword, PasswordHash};
pub use username::Username;
