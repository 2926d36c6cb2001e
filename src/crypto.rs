//! The master secret: 32 random bytes in a file that only the service account may read. Every key
//! monoweb uses is derived from it (never from the database); the file is created on first start.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;
use secrecy::{ExposeSecret, SecretBox};

/// Length of the master secret in bytes.
pub const SECRET_LEN: usize = 32;

/// The master secret; its Debug output is redacted. The token keys derived from it are kept, so
/// opening a token on the hot path costs no key derivation.
pub struct MasterSecret(SecretBox<[u8; SECRET_LEN]>, TokenKeys);

/// Token keys by key id, derived on first use.
type TokenKeys = std::sync::RwLock<std::collections::HashMap<i32, SecretBox<[u8; 32]>>>;

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSecret([redacted])")
    }
}

impl MasterSecret {
    pub fn expose(&self) -> &[u8; SECRET_LEN] {
        self.0.expose_secret()
    }

    /// A secret built from given bytes (tests and tools; servers load the file).
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        MasterSecret(SecretBox::new(Box::new(bytes)), TokenKeys::default())
    }

    /// A 32-byte key for one purpose, derived with HKDF-SHA256; `label` names the purpose and
    /// version, so keys for different purposes are independent.
    pub fn derive_key(&self, label: &str) -> SecretBox<[u8; 32]> {
        let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"monoweb"), self.expose());
        let mut key = Box::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hkdf.expand(label.as_bytes(), key.as_mut());
        SecretBox::new(key)
    }

    /// A keyed fingerprint (HMAC-SHA256, hex) of a value, for uniqueness and lookups without
    /// storing the value. The same value always gives the same fingerprint under one secret.
    pub fn fingerprint(&self, label: &str, value: &[u8]) -> String {
        use hmac::Mac;
        let key = self.derive_key(label);
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A value encrypted with XChaCha20-Poly1305 under one token key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: i32,
}

impl MasterSecret {
    fn token_cipher(&self, key_id: i32) -> chacha20poly1305::XChaCha20Poly1305 {
        use chacha20poly1305::KeyInit;
        let keys = self
            .1
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(key) = keys.get(&key_id) {
            return chacha20poly1305::XChaCha20Poly1305::new(key.expose_secret().into());
        }
        drop(keys);
        let key = self.derive_key(&format!("monoweb token key {key_id}"));
        let cipher = chacha20poly1305::XChaCha20Poly1305::new(key.expose_secret().into());
        self.1
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key_id, key);
        cipher
    }

    /// Encrypts `plaintext` for `owner` (a user id) under key `key_id`, with a random nonce. The
    /// owner and key id are bound in as associated data: a ciphertext copied to another user's
    /// row, or relabelled with another key id, does not decrypt.
    pub fn seal(&self, key_id: i32, owner: i64, plaintext: &[u8]) -> Sealed {
        use chacha20poly1305::aead::{Aead, Payload};
        let mut nonce_bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce_bytes);
        let nonce = chacha20poly1305::XNonce::from(nonce_bytes);
        let aad = associated_data(owner, key_id);
        let ciphertext = self
            .token_cipher(key_id)
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // Encryption fails only for messages longer than 256 GiB.
            .unwrap_or_default();
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id,
        }
    }

    /// Decrypts what [`Self::seal`] produced for the same owner; `None` if anything differs.
    pub fn open(&self, sealed: &Sealed, owner: i64) -> Option<Vec<u8>> {
        use chacha20poly1305::aead::{Aead, Payload};
        if sealed.nonce.len() != 24 {
            return None;
        }
        let nonce = chacha20poly1305::XNonce::from_slice(&sealed.nonce);
        let aad = associated_data(owner, sealed.key_id);
        self.token_cipher(sealed.key_id)
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .ok()
    }
}

fn associated_data(owner: i64, key_id: i32) -> Vec<u8> {
    format!("monoweb token|user {owner}|key {key_id}").into_bytes()
}

/// Why the secret file cannot be used. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("secret key file {0}: cannot read it ({1})")]
    Unreadable(PathBuf, std::io::Error),
    #[error("secret key file {0}: cannot create it ({1})")]
    Uncreatable(PathBuf, std::io::Error),
    #[error("secret key file {0} is readable by other users (mode {1:04o}); run `chmod 600 {0}`")]
    WorldReadable(PathBuf, u32),
    #[error(
        "secret key file {0} is too short or not hex: it must hold at least {SECRET_LEN} random \
         bytes as hex (create one with `openssl rand -hex 32`)"
    )]
    TooShort(PathBuf),
}

/// Loads the secret from `path`, creating the file (mode 0600) with fresh random bytes if it does
/// not exist. An existing file that is unreadable, too short or world-readable is an error.
pub fn load_or_create(path: &Path) -> Result<MasterSecret, SecretFileError> {
    match load(path) {
        Err(SecretFileError::Unreadable(_, e)) if e.kind() == std::io::ErrorKind::NotFound => {
            match create(path) {
                // Another process created it first: use theirs.
                Err(SecretFileError::Uncreatable(_, e))
                    if e.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    load(path)
                }
                other => other,
            }
        }
        other => other,
    }
}

/// Loads an existing secret file.
pub fn load(path: &Path) -> Result<MasterSecret, SecretFileError> {
    let unreadable = |e| SecretFileError::Unreadable(path.to_owned(), e);
    let mode = file_mode(path).map_err(unreadable)?;
    if mode & 0o004 != 0 {
        return Err(SecretFileError::WorldReadable(
            path.to_owned(),
            mode & 0o7777,
        ));
    }
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    let bytes = hex::decode(text.trim()).map_err(|_| SecretFileError::TooShort(path.to_owned()))?;
    let Some(key) = bytes.get(..SECRET_LEN) else {
        return Err(SecretFileError::TooShort(path.to_owned()));
    };
    let mut secret = Box::new([0u8; SECRET_LEN]);
    secret.copy_from_slice(key);
    Ok(MasterSecret(SecretBox::new(secret), TokenKeys::default()))
}

fn create(path: &Path) -> Result<MasterSecret, SecretFileError> {
    let uncreatable = |e| SecretFileError::Uncreatable(path.to_owned(), e);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent).map_err(uncreatable)?;
    }
    let mut secret = Box::new([0u8; SECRET_LEN]);
    // The master secret comes straight from the operating system's generator.
    rand::TryRng::try_fill_bytes(&mut rand::rngs::SysRng, secret.as_mut())
        .map_err(|e| uncreatable(std::io::Error::other(e)))?;
    let mut file = open_new_private(path).map_err(uncreatable)?;
    file.write_all(format!("{}\n", hex::encode(secret.as_ref())).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(uncreatable)?;
    tracing::info!(path = %path.display(), "created a new secret key file");
    Ok(MasterSecret(SecretBox::new(secret), TokenKeys::default()))
}

/// Creates a new file that only its owner may read or write (0600); fails when it exists.
#[cfg(unix)]
pub fn open_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Creates a new file; fails when it exists.
#[cfg(not(unix))]
pub fn open_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// The permission bits of a file (0 where the platform has none).
/// Creates a directory (and its missing parents) readable only by the service account: the data
/// directory holds the database and the master secret. An existing directory keeps its mode
/// (`monoweb check` and the start report a loose one, see [`loose_modes`]).
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates an empty file readable only by its owner, unless it exists: SQLite then creates its
/// `-wal` and `-shm` files with the same mode.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    match open_new_private(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The ones of `paths` (files or directories) that exist and that others than their owner may
/// read or enter, with their modes.
pub fn loose_modes<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<(&'a Path, u32)> {
    paths
        .into_iter()
        .filter_map(|p| file_mode(p).ok().map(|mode| (p, mode & 0o7777)))
        .filter(|(_, mode)| mode & 0o077 != 0)
        .collect()
}

pub fn file_mode(path: &Path) -> std::io::Result<u32> {
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(meta.permissions().mode())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn first_start_creates_a_private_file_and_restarts_reuse_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/secret.key");
        let first = load_or_create(&path).unwrap();
        assert_eq!(file_mode(&path).unwrap() & 0o777, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.expose(), again.expose());
        assert_ne!(first.expose(), &[0u8; SECRET_LEN]);
        assert!(!format!("{first:?}").contains(&hex::encode(first.expose())[..8]));
    }

    #[test]
    fn derived_keys_and_fingerprints_depend_on_secret_and_label() {
        let a = MasterSecret::from_bytes([1; SECRET_LEN]);
        let b = MasterSecret::from_bytes([2; SECRET_LEN]);
        assert_ne!(
            a.derive_key("x").expose_secret(),
            a.derive_key("y").expose_secret()
        );
        assert_ne!(
            a.derive_key("x").expose_secret(),
            b.derive_key("x").expose_secret()
        );
        assert_eq!(a.fingerprint("t", b"tok"), a.fingerprint("t", b"tok"));
        assert_ne!(a.fingerprint("t", b"tok"), b.fingerprint("t", b"tok"));
        assert_ne!(a.fingerprint("t", b"tok"), a.fingerprint("u", b"tok"));
        assert_eq!(a.fingerprint("t", b"tok").len(), 64);
    }

    #[test]
    fn sealed_tokens_open_only_for_their_owner_key_and_secret() {
        let secret = MasterSecret::from_bytes([9; SECRET_LEN]);
        let a = secret.seal(1, 7, b"token");
        let b = secret.seal(1, 7, b"token");
        assert_ne!(a.ciphertext, b.ciphertext, "random nonces");
        assert!(!a.ciphertext.windows(5).any(|w| w == b"token"));
        assert_eq!(secret.open(&a, 7).as_deref(), Some(&b"token"[..]));
        assert_eq!(secret.open(&a, 8), None, "copied to another user");
        assert_eq!(
            secret.open(
                &Sealed {
                    key_id: 2,
                    ..a.clone()
                },
                7
            ),
            None,
            "relabelled key"
        );
        assert_eq!(
            MasterSecret::from_bytes([8; SECRET_LEN]).open(&a, 7),
            None,
            "other secret"
        );
        let mut tampered = a.clone();
        tampered.ciphertext[0] ^= 1;
        assert_eq!(secret.open(&tampered, 7), None);
        assert_eq!(
            secret.open(
                &Sealed {
                    nonce: vec![0; 3],
                    ..a
                },
                7
            ),
            None
        );
    }

    #[test]
    fn bad_files_stop_the_start_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "abcd\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(SecretFileError::TooShort(_))
        ));
        std::fs::write(&path, "zz".repeat(40)).unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(SecretFileError::TooShort(_))
        ));
        std::fs::write(&path, "ab".repeat(32)).unwrap();
        assert!(load_or_create(&path).is_ok());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(&path).unwrap_err().to_string();
        assert!(
            err.contains("readable by other users") && err.contains("chmod 600"),
            "{err}"
        );
        let dir_path = dir.path().join("adir");
        std::fs::create_dir(&dir_path).unwrap();
        std::fs::set_permissions(&dir_path, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(matches!(
            load_or_create(&dir_path),
            Err(SecretFileError::Unreadable(_, _))
        ));
    }
}
