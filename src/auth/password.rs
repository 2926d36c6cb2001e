//! Passwords: the policy a new password must meet, and argon2id hashing (`docs/security.md`, S1-S2).
//!
//! Hashing is deliberately slow (about 20 MiB of memory and tens of milliseconds); servers hash
//! through [`Hasher`], on dedicated threads, never on an async worker.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash as PhcHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::Username;

/// Argon2id parameters of OWASP's password storage cheat sheet: m=19 MiB, t=2, p=1.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// Words that make a password trivially guessable for this app, besides the username.
const APP_NAMES: [&str; 2] = ["monoweb", "monobank"];

/// The common-password list shipped in the repo (source and licence in its header).
const COMMON_PASSWORDS: &str = include_str!("../../assets/common-passwords.txt");

static COMMON: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect()
    });

/// Whether a password is on the common-password list (case-insensitively).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.trim().to_lowercase().as_str())
}

/// A password that meets the policy; the plaintext stays secret.
#[derive(Debug)]
pub struct NewPassword(SecretString);

/// Why a new password was refused; the text names the rule and is shown to the user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct PasswordError(pub String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    /// Checks the policy: 12 to 128 characters (any Unicode, counted as characters, not bytes),
    /// and not the username or the app's name.
    pub fn parse(raw: SecretString, username: &Username) -> Result<Self, PasswordError> {
        let text = raw.expose_secret();
        let chars = text.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(PasswordError(format!(
                "password must be at least {} characters (it has {chars})",
                Self::MIN_CHARS
            )));
        }
        if chars > Self::MAX_CHARS {
            return Err(PasswordError(format!(
                "password must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let folded = text.trim().to_lowercase();
        if folded == username.key() || APP_NAMES.iter().any(|name| folded.contains(name)) {
            return Err(PasswordError(
                "password must not be your username or contain the app's name".into(),
            ));
        }
        if is_common(text) {
            return Err(PasswordError(
                "password is one of the most common passwords; choose another".into(),
            ));
        }
        Ok(NewPassword(raw))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Wraps an existing password without the policy, for re-hashing one that already verified.
    pub fn unchecked(raw: SecretString) -> Option<Self> {
        (!raw.expose_secret().is_empty()).then_some(NewPassword(raw))
    }
}

/// A PHC-format argon2id hash, as stored in `users.password_hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHash(pub String);

/// Argon2's working memory is reserved at least this large (bytes), though only the ~19 MiB the
/// parameters need is ever touched. glibc serves a request this large with a mapping of its own
/// and unmaps it when freed: it never raises its mapping threshold above 32 MiB. A 19 MiB request
/// would instead raise the threshold after the first hash and then live in the heap, kept after
/// it is freed (a thread-local buffer reused for the same reason kept 19 MiB resident per hashing
/// thread). Untouched pages of the mapping cost no memory.
const WORKING_MEMORY_RESERVE: usize = 33 * 1024 * 1024;

/// Runs argon2 with explicit parameters into `out`, in working memory given back when it is done
/// (see [`WORKING_MEMORY_RESERVE`]).
fn argon2_into(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let needed = params.block_count();
    let reserve = needed.max(WORKING_MEMORY_RESERVE / std::mem::size_of::<argon2::Block>());
    let mut blocks: Vec<argon2::Block> = Vec::with_capacity(reserve);
    blocks.resize(needed, argon2::Block::default());
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt,
        out,
        &mut blocks,
    )
}

fn policy_params() -> Result<Params, argon2::Error> {
    Params::new(M_COST_KIB, T_COST, P_COST, None)
}

/// Hashes a new password with a random salt.
pub fn hash(password: &NewPassword) -> Result<PasswordHash, argon2::password_hash::Error> {
    hash_bytes(password.expose().as_bytes())
}

fn hash_bytes(password: &[u8]) -> Result<PasswordHash, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let params = policy_params()?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        salt_bytes,
        &mut out,
    )?;
    let phc = PhcHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out)?),
    };
    Ok(PasswordHash(phc.to_string()))
}

/// Whether `candidate` matches the stored hash (with the parameters stored in it, so old hashes
/// keep working). A malformed stored hash never matches.
pub fn verify(stored: &PasswordHash, candidate: &str) -> bool {
    match verify_phc(&stored.0, candidate.as_bytes()) {
        Ok(matches) => matches,
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash is malformed");
            false
        }
    }
}

fn verify_phc(stored: &str, candidate: &[u8]) -> Result<bool, argon2::password_hash::Error> {
    let parsed = PhcHash::new(stored)?;
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let expected = parsed.hash.ok_or(argon2::password_hash::Error::Password)?;
    let salt = parsed
        .salt
        .ok_or(argon2::password_hash::Error::SaltInvalid(
            argon2::password_hash::errors::InvalidValue::Malformed,
        ))?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let stored_params = Params::try_from(&parsed)?;
    let params = Params::new(
        stored_params.m_cost(),
        stored_params.t_cost(),
        stored_params.p_cost(),
        Some(expected.len()),
    )?;
    let mut out = vec![0u8; expected.len()];
    argon2_into(algorithm, version, params, candidate, salt_bytes, &mut out)?;
    Ok(argon2::password_hash::Output::new(&out)? == expected)
}

/// Whether a stored hash uses weaker parameters (or another algorithm) than the current policy,
/// so that it should be re-hashed at the next successful login.
pub fn needs_rehash(stored: &PasswordHash) -> bool {
    let Ok(parsed) = PhcHash::new(&stored.0) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || params.m_cost() < M_COST_KIB
        || params.t_cost() < T_COST
        || params.p_cost() < P_COST
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use argon2::password_hash::PasswordHasher;

    use super::*;

    fn user() -> Username {
        Username::parse("alice").unwrap()
    }

    fn new(raw: &str) -> Result<NewPassword, PasswordError> {
        NewPassword::parse(SecretString::from(raw.to_owned()), &user())
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(new("short").unwrap_err().0.contains("at least 12"));
        assert!(new("ёжикёжикёжи").is_err(), "11 characters, 22 bytes");
        assert!(new("ёжикёжикёжик").is_ok(), "12 characters");
        assert!(new(&"x".repeat(128)).is_ok());
        assert!(new(&"x".repeat(129)).unwrap_err().0.contains("at most 128"));
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(COMMON.len() > 19_000);
        assert!(is_common("password") && is_common("PASSWORD"));
        let err = new("1qaz2wsx3edc").unwrap_err();
        assert!(err.0.contains("most common"), "{err}");
        assert!(new("QWERTY123456").is_err());
        assert!(new("violet staple lantern").is_ok());
    }

    #[test]
    fn username_and_app_name_are_refused() {
        let u = Username::parse("alice.longname").unwrap();
        let err =
            NewPassword::parse(SecretString::from("Alice.Longname".to_owned()), &u).unwrap_err();
        assert!(err.0.contains("username"));
        assert!(new("my monobank pass").is_err());
        assert!(new("MONOWEB-2026-pass").is_err());
    }

    #[test]
    fn hash_is_argon2id_with_the_policy_parameters_and_verifies() {
        let pw = new("correct horse battery").unwrap();
        let h = hash(&pw).unwrap();
        assert!(
            h.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.0
        );
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse batterz"));
        assert!(!needs_rehash(&h));
        assert_ne!(h, hash(&pw).unwrap(), "random salt");
        // Interoperable with the reference implementation's verifier.
        use argon2::password_hash::PasswordVerifier;
        let phc = PhcHash::new(&h.0).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &phc)
            .is_ok());
    }

    #[test]
    fn weaker_hashes_need_rehash_and_garbage_never_verifies() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        let weak = PasswordHash(weak);
        assert!(verify(&weak, "correct horse battery"));
        assert!(needs_rehash(&weak));
        let garbage = PasswordHash("not a hash".into());
        assert!(!verify(&garbage, ""));
        assert!(needs_rehash(&garbage));
    }
}

/// A hash of a random password with the current parameters. It uses the allocating argon2 entry
/// point, so its 19 MiB go back to the system instead of staying in a thread's buffer.
fn make_dummy() -> PasswordHash {
    use argon2::password_hash::PasswordHasher;
    let random = SaltString::generate(&mut OsRng);
    let salt = SaltString::generate(&mut OsRng);
    let hashed = policy_params()
        .map_err(argon2::password_hash::Error::from)
        .and_then(|params| {
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(random.as_str().as_bytes(), &salt)
                .map(|phc| phc.to_string())
        });
    // Hashing with valid parameters cannot fail; a malformed dummy would simply never match.
    PasswordHash(hashed.unwrap_or_default())
}

/// Runs argon2 on a few dedicated threads, one per core, so that logins never starve the async
/// workers or the shared blocking pool (`docs/security.md`, S3). Dedicated threads also bound memory: each
/// hash takes 19 MiB while it runs, given back when it ends. Unknown users are verified
/// against a dummy hash so that their answer takes as long as a wrong password's (`docs/security.md`, S4).
/// The hashing threads failed (a bug, or the process is ending); the text is for the log.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashFailed(pub String);

#[derive(Clone)]
pub struct Hasher {
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// Made in the background at start (or by the first unknown-user login, whichever comes
    /// first), so start-up does not wait for it.
    dummy: std::sync::Arc<std::sync::OnceLock<PasswordHash>>,
}

type Job = Box<dyn FnOnce() + Send>;

impl Hasher {
    /// Starts `threads` hashing threads.
    pub fn new(threads: usize) -> Result<Self, argon2::password_hash::Error> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(1024);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("monoweb-hash-{n}"))
                .spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every Hasher is gone
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        let dummy: std::sync::Arc<std::sync::OnceLock<PasswordHash>> = std::sync::Arc::default();
        // Made in the background so that start-up does not wait for it.
        let warm = dummy.clone();
        let _ = std::thread::Builder::new()
            .name("monoweb-hash-dummy".into())
            .spawn(move || warm.get_or_init(make_dummy).0.len());
        Ok(Hasher { jobs, dummy })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashFailed> {
        let (done, result) = tokio::sync::oneshot::channel();
        let jobs = self.jobs.clone();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        let gone = || HashFailed("hashing threads are gone".into());
        match jobs.try_send(job) {
            Ok(()) => {}
            // The queue is bounded: when 1024 hashes wait, the next one waits for room off the
            // async workers.
            Err(std::sync::mpsc::TrySendError::Full(job)) => {
                tokio::task::spawn_blocking(move || jobs.send(job))
                    .await
                    .map_err(|e| HashFailed(e.to_string()))?
                    .map_err(|_| gone())?
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return Err(gone()),
        }
        result
            .await
            .map_err(|_| HashFailed("a hashing job was dropped".into()))
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: NewPassword) -> Result<PasswordHash, HashFailed> {
        self.run(move || hash(&password))
            .await?
            .map_err(|e| HashFailed(e.to_string()))
    }

    /// Checks a candidate against a stored hash, or against the dummy when there is no user.
    pub async fn verify(
        &self,
        stored: Option<PasswordHash>,
        candidate: SecretString,
    ) -> Result<bool, HashFailed> {
        let known = stored.is_some();
        let dummy = self.dummy.clone();
        let ok = self
            .run(move || {
                let stored = match stored {
                    Some(stored) => stored,
                    None => dummy.get_or_init(make_dummy).clone(),
                };
                verify(&stored, candidate.expose_secret())
            })
            .await?;
        Ok(ok && known)
    }
}
