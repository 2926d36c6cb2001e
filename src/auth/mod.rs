//! Authentication: who a user is (usernames) and how they prove it (passwords).

pub mod password;
pub mod username;

pub use password::{NewPassword, PasswordHash};
pub use username::Username;
