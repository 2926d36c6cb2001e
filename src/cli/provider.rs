//! `monoweb provider keygen | register | status | webhook`: the operator's steps from a key to
//! an approved provider whose events reach this deployment.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;
use monobank::provider::ProviderKey;
use monobank::types::Registration;

use super::{runtime, Failure};
use crate::config::Settings;

#[derive(Subcommand)]
pub enum ProviderCommand {
    /// Make the provider's private key (mode 0600, beside the secret key unless
    /// --provider-key-file says where) and print its key id and public key
    Keygen,
    /// Ask Monobank for provider access with the key (the bank reviews the request)
    Register {
        /// The service's name, as users will see it in the Monobank app
        #[arg(long)]
        name: String,
        /// What the service does and why it needs the API
        #[arg(long)]
        description: String,
        /// Who the bank should talk to
        #[arg(long)]
        contact: String,
        /// A phone number, digits only, with the country code (380671234567)
        #[arg(long)]
        phone: String,
        /// An e-mail address
        #[arg(long)]
        email: String,
        /// The service's logo, a PNG file (at most 1 MiB)
        #[arg(long, value_name = "FILE")]
        logo: std::path::PathBuf,
    },
    /// Show the registration's status at Monobank (New, Declined or Approved) and the key id
    Status,
    /// Point the provider webhook at this deployment's public URL (the app must be running:
    /// the bank sends the URL a test POST)
    Webhook,
}

/// Largest logo sent.
const MAX_LOGO: u64 = 1024 * 1024;

pub fn run(settings: &Settings, command: ProviderCommand) -> Result<(), Failure> {
    match command {
        ProviderCommand::Keygen => keygen(&settings.provider_key_file),
        ProviderCommand::Register {
            name,
            description,
            contact,
            phone,
            email,
            logo,
        } => {
            let key = load_key(settings)?;
            let registration = Registration {
                pubkey: key.public_pem_base64(),
                name: text("--name", &name, 100)?,
                description: text("--description", &description, 2000)?,
                contact_person: text("--contact", &contact, 100)?,
                phone: phone_number(&phone)?,
                email: email_address(&email)?,
                logo: logo_base64(&logo)?,
            };
            let client = super::mono_client(settings)?;
            let status = runtime()?
                .block_on(client.register(&key, &registration))
                .map_err(|e| Failure::Failed(format!("Monobank refused the registration: {e}")))?;
            say(&format!(
                "registration sent; status: {}\nkey id: {}\nnext: wait for Monobank's review, \
                 then `monoweb provider status`",
                status.status,
                key.key_id()
            ));
            Ok(())
        }
        ProviderCommand::Status => {
            let key = load_key(settings)?;
            let client = super::mono_client(settings)?;
            let status = runtime()?
                .block_on(client.registration_status(&key))
                .map_err(|e| Failure::Failed(format!("Monobank did not answer: {e}")))?;
            let key_id = status.key_id.unwrap_or_else(|| key.key_id().to_owned());
            say(&format!("status: {}\nkey id: {key_id}", status.status));
            if key_id != key.key_id() {
                return Err(Failure::Failed(format!(
                    "Monobank names the key {key_id}, but the key file's id is {}",
                    key.key_id()
                )));
            }
            Ok(())
        }
        ProviderCommand::Webhook => {
            if !settings.mono_mode.provider() {
                return Err(Failure::Usage(
                    "the provider webhook serves provider mode: set mono_mode to provider or both"
                        .into(),
                ));
            }
            let key = load_key(settings)?;
            let secret = crate::crypto::load(&settings.secret_key_file)
                .map_err(|e| Failure::Usage(e.to_string()))?;
            let url =
                crate::services::ingest::provider_webhook_url_of(&secret, &settings.public_url);
            let client = super::mono_client(settings)?;
            runtime()?
                .block_on(client.set_corp_webhook(&key, &url))
                .map_err(|e| Failure::Failed(format!("Monobank refused the webhook: {e}")))?;
            say(&format!(
                "provider webhook set to {}…",
                url.trim_end_matches(|c: char| c.is_ascii_hexdigit())
            ));
            Ok(())
        }
    }
}

#[allow(clippy::print_stdout)]
fn say(text: &str) {
    println!("{text}");
    let _ = std::io::stdout().flush();
}

fn keygen(path: &Path) -> Result<(), Failure> {
    let key = new_key(path)?;
    say(&format!(
        "private key written to {} (mode 0600; keep it, and back it up: a new key needs a new \
         registration)\nkey id: {}\npublic key (pubkey, base64 of the PEM):\n{}\n\n{}",
        path.display(),
        key.key_id(),
        key.public_pem_base64(),
        key.public_pem().trim_end()
    ));
    Ok(())
}

/// Makes a provider key and writes it to `path` (mode 0600, never over an existing file).
pub(super) fn new_key(path: &Path) -> Result<ProviderKey, Failure> {
    let key = loop {
        let mut bytes = [0u8; 32];
        rand::TryRng::try_fill_bytes(&mut rand::rngs::SysRng, &mut bytes)
            .map_err(|e| Failure::Failed(format!("no randomness: {e}")))?;
        if let Some(key) = ProviderKey::from_secret_bytes(&bytes) {
            break key;
        }
    };
    let exists = || {
        Failure::Failed(format!(
            "{} exists; it is not overwritten (its key may be registered already)",
            path.display()
        ))
    };
    if path.exists() {
        return Err(exists());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::crypto::create_private_dir(dir)
            .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    // Written in full beside it, then linked into place (never over an existing file), so a
    // failed write leaves no half key behind.
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let written = crate::crypto::open_new_private(&partial).and_then(|mut file| {
        use secrecy::ExposeSecret;
        file.write_all(key.to_sec1_pem().expose_secret().as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&partial, path));
    let _ = std::fs::remove_file(&partial);
    linked.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            exists()
        } else {
            Failure::Failed(format!("cannot write {}: {e}", path.display()))
        }
    })?;
    Ok(key)
}

fn load_key(settings: &Settings) -> Result<ProviderKey, Failure> {
    crate::startup::load_provider_key(&settings.provider_key_file)
        .map_err(|e| Failure::Usage(e.to_string()))
}

/// A required one-line text of at most `max` characters, no control characters.
fn text(flag: &str, value: &str, max: usize) -> Result<String, Failure> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Failure::Usage(format!(
            "{flag}: expected 1 to {max} characters without control characters"
        )));
    }
    Ok(value.to_owned())
}

fn phone_number(value: &str) -> Result<String, Failure> {
    let digits = value.trim().trim_start_matches('+');
    if (10..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits.to_owned())
    } else {
        Err(Failure::Usage(
            "--phone: expected 10 to 15 digits with the country code, such as 380671234567".into(),
        ))
    }
}

fn email_address(value: &str) -> Result<String, Failure> {
    let value = value.trim();
    let valid = value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Failure::Usage("--email: expected an e-mail address".into()))
    }
}

fn logo_base64(path: &Path) -> Result<String, Failure> {
    use base64::Engine;
    let unreadable = |e: std::io::Error| Failure::Usage(format!("--logo {}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_LOGO {
        return Err(Failure::Usage(format!(
            "--logo {}: larger than 1 MiB",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(Failure::Usage(format!(
            "--logo {}: not a PNG file",
            path.display()
        )));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_fields_are_checked_before_anything_is_sent() {
        assert!(text("--name", "monoweb", 100).is_ok());
        for bad in ["", "  ", "a\u{7}b", &"x".repeat(101)] {
            assert!(text("--name", bad, 100).is_err(), "{bad:?}");
        }
        assert_eq!(
            phone_number("+380671234567").ok().as_deref(),
            Some("380671234567")
        );
        for bad in ["12345", "38067 123 45 67", "+38067123456789012"] {
            assert!(phone_number(bad).is_err(), "{bad:?}");
        }
        assert!(email_address("ops@example.org").is_ok());
        for bad in ["ops", "@example.org", "ops@example", "o ps@example.org"] {
            assert!(email_address(bad).is_err(), "{bad:?}");
        }
    }
}
