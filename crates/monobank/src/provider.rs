//! The provider ("corporate") API's signing: a provider's secp256k1 key, its key id, and the
//! signed headers every provider call carries.
//!
//! A provider call is signed, not tokened. The signed string is the plain concatenation, without
//! separators, of
//! - `X-Time` (Unix seconds, one value for the header and the string),
//! - the call's second ingredient: the user's `X-Request-Id` on data calls and on polling, the
//!   `X-Permissions` letters on an access request (empty when none are sent), nothing on the
//!   registration and company calls,
//! - the URL path (no scheme, host or query): `/personal/statement/0/1546304461/1546306461`.
//!
//! `X-Sign` is the standard base64 of an ECDSA signature over SHA-256 of that string: raw `r‖s`
//! (64 bytes, the bank's own example) by default, or DER. The key id is the lowercase hex SHA-1
//! of the uncompressed public point `04‖X‖Y`, not of the DER public key.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use k256::ecdsa::signature::Signer;
use k256::ecdsa::{Signature, SigningKey};
use k256::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use secrecy::{ExposeSecret, SecretString};

use crate::signature::PublicKey;

/// How a signature is written in `X-Sign`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// 64 bytes `r‖s` (IEEE P1363), as in Monobank's own example; 88 base64 characters.
    #[default]
    Raw,
    /// ASN.1 DER `SEQUENCE { r, s }`, as some public clients send; about 96 characters.
    Der,
}

/// Why a provider key could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// No `EC PRIVATE KEY` (SEC1) or `PRIVATE KEY` (PKCS#8) block.
    #[error("no 'EC PRIVATE KEY' or 'PRIVATE KEY' PEM block")]
    NoPrivateKey,
    /// The block is there but is not a secp256k1 private key.
    #[error("the PEM block is not a secp256k1 private key")]
    NotSecp256k1,
}

/// A provider's private key. `Debug` prints the key id only.
#[derive(Clone)]
pub struct ProviderKey {
    signing: SigningKey,
    key_id: String,
    encoding: Encoding,
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProviderKey({})", self.key_id)
    }
}

impl ProviderKey {
    /// Reads a private key from PEM text: SEC1 `EC PRIVATE KEY` (what `openssl ecparam -genkey
    /// -name secp256k1` writes, an `EC PARAMETERS` block before it is skipped) or PKCS#8
    /// `PRIVATE KEY`.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        if let Some(block) = pem_block(text, "EC PRIVATE KEY") {
            let secret =
                k256::SecretKey::from_sec1_pem(&block).map_err(|_| KeyError::NotSecp256k1)?;
            return Ok(Self::from_signing(SigningKey::from(secret)));
        }
        if let Some(block) = pem_block(text, "PRIVATE KEY") {
            let signing = SigningKey::from_pkcs8_pem(&block).map_err(|_| KeyError::NotSecp256k1)?;
            return Ok(Self::from_signing(signing));
        }
        Err(KeyError::NoPrivateKey)
    }

    /// A key from 32 secret bytes; `None` when they are not a valid scalar (zero, or not below
    /// the curve's order: draw again).
    pub fn from_secret_bytes(bytes: &[u8; 32]) -> Option<Self> {
        SigningKey::from_slice(bytes).ok().map(Self::from_signing)
    }

    fn from_signing(signing: SigningKey) -> Self {
        let key_id = PublicKey::from_verifying(*signing.verifying_key()).key_id();
        ProviderKey {
            signing,
            key_id,
            encoding: Encoding::Raw,
        }
    }

    /// The same key, writing `X-Sign` in `encoding` (raw `r‖s` unless told).
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The key as SEC1 PEM (`EC PRIVATE KEY`), to be written to a file only its owner reads.
    ///
    /// RFC 5915 section 3 says the curve's parameters must always be present (k256's own
    /// encoder leaves them out, and OpenSSL and Python's cryptography then cannot read the
    /// file): they are the named curve secp256k1 (1.3.132.0.10), and the public point follows.
    pub fn to_sec1_pem(&self) -> SecretString {
        use sec1::der::asn1::ObjectIdentifier;
        use sec1::der::EncodePem;
        const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
        let secret = k256::elliptic_curve::zeroize::Zeroizing::new(self.signing.to_bytes());
        let public = self.signing.verifying_key().to_encoded_point(false);
        let structure = sec1::EcPrivateKey {
            private_key: secret.as_slice(),
            parameters: Some(sec1::EcParameters::NamedCurve(SECP256K1)),
            public_key: Some(public.as_bytes()),
        };
        match structure.to_pem(LineEnding::LF) {
            Ok(pem) => SecretString::from(pem),
            // Encoding a valid key cannot fail; an empty text would be refused when read back.
            Err(_) => SecretString::from(String::new()),
        }
    }

    /// The key id: lowercase hex SHA-1 of the uncompressed public point.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as a `PUBLIC KEY` (SPKI) PEM text.
    pub fn public_pem(&self) -> String {
        self.signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// What the bank wants as `pubkey`: base64 of the whole public PEM text, header lines and
    /// newlines included.
    pub fn public_pem_base64(&self) -> String {
        BASE64.encode(self.public_pem())
    }

    /// The public half, for verifying.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying(*self.signing.verifying_key())
    }

    /// Base64 of the signature of `message` (ECDSA, SHA-256, deterministic `k` of RFC 6979).
    pub fn sign(&self, message: &str, encoding: Encoding) -> String {
        let signature: Signature = self.signing.sign(message.as_bytes());
        match encoding {
            Encoding::Raw => BASE64.encode(signature.to_bytes()),
            Encoding::Der => BASE64.encode(signature.to_der().as_bytes()),
        }
    }

    /// The headers of one call at `time`: `ingredient` is what the call signs between the time
    /// and the path. The time is taken once, so the header and the signed string agree.
    pub fn headers(&self, time: i64, ingredient: Ingredient<'_>, path: &str) -> SignedHeaders {
        let time = time.to_string();
        let message = signed_string(&time, ingredient.text(), path);
        let (request_id, permissions) = match ingredient {
            Ingredient::RequestId(id) => (Some(id.to_owned()), None),
            Ingredient::Permissions(p) => (None, Some(p.to_owned()).filter(|p| !p.is_empty())),
            Ingredient::Nothing => (None, None),
        };
        SignedHeaders {
            key_id: self.key_id.clone(),
            sign: self.sign(&message, self.encoding),
            time,
            request_id,
            permissions,
        }
    }
}

/// What a call signs between `X-Time` and the path.
#[derive(Clone, Copy, Debug)]
pub enum Ingredient<'a> {
    /// Data calls and polling: the user's access request id.
    RequestId(&'a str),
    /// The access request: the permission letters asked for (empty: none are sent).
    Permissions(&'a str),
    /// Registration and the company's own calls.
    Nothing,
}

impl Ingredient<'_> {
    fn text(&self) -> &str {
        match self {
            Ingredient::RequestId(text) | Ingredient::Permissions(text) => text,
            Ingredient::Nothing => "",
        }
    }
}

/// The string a provider call signs: `time + ingredient + path`, nothing between them.
pub fn signed_string(time: &str, ingredient: &str, path: &str) -> String {
    format!("{time}{ingredient}{path}")
}

/// The signed headers of one provider call. `Debug` leaves the request id out.
#[derive(Clone)]
pub struct SignedHeaders {
    /// `X-Key-Id` (registration calls do not send it).
    pub key_id: String,
    /// `X-Time`: the Unix seconds the signature covers.
    pub time: String,
    /// `X-Request-Id`, on data calls and polling.
    pub request_id: Option<String>,
    /// `X-Permissions`, on an access request that names letters (none when they are empty).
    pub permissions: Option<String>,
    /// `X-Sign`.
    pub sign: String,
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("key_id", &self.key_id)
            .field("time", &self.time)
            .field(
                "request_id",
                &self.request_id.as_ref().map(|_| "[redacted]"),
            )
            .field("permissions", &self.permissions)
            .field("sign", &self.sign)
            .finish()
    }
}

/// A user's access request id (`tokenRequestId`): once the user accepts, the credential every
/// data call carries. A secret: `Debug` prints `[redacted]`, there is no `Display`.
#[derive(Clone)]
pub struct RequestId(SecretString);

/// Why a request id was refused. The message never repeats the input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a request id is 1 to 128 characters of letters, digits, '_' and '-'")]
pub struct RequestIdFormatError;

impl RequestId {
    /// Accepts 1 to 128 characters of `[A-Za-z0-9_-]` (Monobank's look like
    /// `uLkwh3NzFAfEkj7urj5C7AU_`).
    pub fn parse(raw: &str) -> Result<Self, RequestIdFormatError> {
        let valid = (1..=128).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(RequestId(SecretString::from(raw.to_owned())))
        } else {
            Err(RequestIdFormatError)
        }
    }

    /// The id itself; call only to build the headers or to encrypt it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestId([redacted])")
    }
}

/// A user's access: the provider's key and the request id the user accepted.
#[derive(Clone, Debug)]
pub struct ProviderAccess {
    /// The provider's key.
    pub key: std::sync::Arc<ProviderKey>,
    /// The user's accepted request id.
    pub request_id: RequestId,
}

fn pem_block(text: &str, label: &str) -> Option<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = text[start..].find(&end)? + start + end.len();
    Some(text[start..stop].to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::signature::SignatureError;

    /// The public test key of an open-source Go client's tests (not a secret of anyone's).
    pub(crate) const TEST_KEY: &str = "-----BEGIN EC PRIVATE KEY-----
MHQCAQEEIP5DyqGW1yUD5YZRSzsvjT5I9M1utN9aYi3uWJgKhsvPoAcGBSuBBAAK
oUQDQgAEOX+BUepYysBoGR3l9ZsnIXNBm4FYD6m76rGPvbJnUD11xm/SQrOALZYC
s0VrWcLTP60Z1xeLw+NP+D+rUK5IsA==
-----END EC PRIVATE KEY-----
";
    const TEST_KEY_ID: &str = "b38daf14d0e6f487949cefbccce99d8add909685";
    const TEST_PUBLIC_BODY: &str = "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEOX+BUepYysBoGR3l9ZsnIXNBm4FYD6m76rGPvbJnUD11xm/SQrOALZYCs0VrWcLTP60Z1xeLw+NP+D+rUK5IsA==";

    fn key() -> ProviderKey {
        ProviderKey::from_pem(TEST_KEY).unwrap()
    }

    /// RFC 5915 section 3: the parameters are always present. The test key was written by
    /// OpenSSL, so writing it again gives its very text: the named curve and the public point
    /// included.
    #[test]
    fn the_sec1_pem_carries_the_curve_and_is_the_text_openssl_writes() {
        assert_eq!(key().to_sec1_pem().expose_secret(), TEST_KEY);
        let fresh = ProviderKey::from_secret_bytes(&[7; 32]).unwrap();
        let pem = fresh.to_sec1_pem();
        let again = ProviderKey::from_pem(pem.expose_secret()).unwrap();
        assert_eq!(again.key_id(), fresh.key_id());
    }

    #[test]
    fn the_published_test_key_has_its_published_key_id_and_public_pem() {
        let key = key();
        assert_eq!(key.key_id(), TEST_KEY_ID);
        let pem = key.public_pem();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(body, TEST_PUBLIC_BODY);
        assert!(BASE64
            .decode(key.public_pem_base64())
            .unwrap()
            .starts_with(b"-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0"));
        // An EC PARAMETERS block before the key (as `openssl ecparam -genkey` writes) is skipped.
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n{TEST_KEY}"
        );
        assert_eq!(
            ProviderKey::from_pem(&with_params).unwrap().key_id(),
            TEST_KEY_ID
        );
        // Written back as SEC1 and read again: the same key.
        let written = key.to_sec1_pem();
        assert_eq!(
            ProviderKey::from_pem(written.expose_secret())
                .unwrap()
                .key_id(),
            TEST_KEY_ID
        );
        assert_eq!(format!("{key:?}"), format!("ProviderKey({TEST_KEY_ID})"));
    }

    #[test]
    fn pkcs8_keys_are_read_and_anything_else_is_refused() {
        use k256::pkcs8::EncodePrivateKey;
        let pkcs8 = key().signing.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(
            ProviderKey::from_pem(pkcs8.as_str()).unwrap().key_id(),
            TEST_KEY_ID
        );
        assert_eq!(
            ProviderKey::from_pem("no key here").unwrap_err(),
            KeyError::NoPrivateKey
        );
        assert_eq!(
            ProviderKey::from_pem(
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"
            )
            .unwrap_err(),
            KeyError::NotSecp256k1
        );
        assert!(ProviderKey::from_secret_bytes(&[0; 32]).is_none());
        assert!(ProviderKey::from_secret_bytes(&[7; 32]).is_some());
    }

    /// The signed strings of the provider calls, and signatures over them that verify, in both
    /// encodings. The vectors were made with a deterministic (RFC 6979) signer and checked with an
    /// independent library; a verifier accepts any valid signature, so they are verified.
    #[test]
    fn the_signed_string_vectors_verify_in_raw_and_der() {
        let public = key().public_key();
        let vectors = [
            (
                "1136239445p/personal/auth/request",
                "/ShNUfmIfwikX0FCMYvQciyECqTzkivUeDV7G8Hq4vAa6V8hjVtcfV35LLNVEE0/GzdcyY2JjIlsrKPfg8Ld9g==",
                "MEUCIQD9KE1R+Yh/CKRfQUIxi9ByLIQKpPOSK9R4NXsbweri8AIgGulfIY1bXH1d+SyzVRBNPxs3XMmNiYyJbKyj34PC3fY=",
            ),
            (
                "1554466347/personal/auth/request",
                "J5gKJjlUBau2PzBpglW1xRSU4B35Tewj7qTxA+A1H2AV8p3hsXBYJbR1xn/nC4q4ruK6ZcpHOQ5y0WU/Vck4Xw==",
                "MEQCICeYCiY5VAWrtj8waYJVtcUUlOAd+U3sI+6k8QPgNR9gAiAV8p3hsXBYJbR1xn/nC4q4ruK6ZcpHOQ5y0WU/Vck4Xw==",
            ),
            (
                "1554466347uLkwh3NzFAfEkj7urj5C7AU_/personal/client-info",
                "3FRDdXbWSDWpROJwKZklRuMvJrga3Jhx7XXl6Z3i40V4dTUW3qM8VJ11814gb8PlZRbOk8sduFxG/vu9DnaM/g==",
                "MEUCIQDcVEN1dtZINalE4nApmSVG4y8muBrcmHHtdeXpneLjRQIgeHU1Ft6jPFSddfNeIG/D5WUWzpPLHbhcRv77vQ52jP4=",
            ),
            (
                "1554466347uLkwh3NzFAfEkj7urj5C7AU_/personal/statement/0/1546304461/1546306461",
                "NBftRChhpHRFa6yhg96khTsQ8zFQIDQd/yChJGgJExYbxHyWnTJou87w7eRUMSST6KlNb62l5mvpHs/E4PGgvQ==",
                "MEQCIDQX7UQoYaR0RWusoYPepIU7EPMxUCA0Hf8goSRoCRMWAiAbxHyWnTJou87w7eRUMSST6KlNb62l5mvpHs/E4PGgvQ==",
            ),
            (
                "1554466347/personal/auth/registration",
                "vDGJsW0gGMfMufVB5sSpK5B5XcU/meSdoJr7VDZjSUuLw3Y/vhjMD83C1AAuEdFDeqbwGXSwiN8719Ewg+eP5A==",
                "MEYCIQC8MYmxbSAYx8y59UHmxKkrkHldxT+Z5J2gmvtUNmNJSwIhAIvDdj++GMwPzcLUAC4R0UN6pvAZdLCI3zvX0TCD54/k",
            ),
        ];
        for (message, raw, der) in vectors {
            assert_eq!(public.verify(message.as_bytes(), raw), Ok(()), "{message}");
            assert_eq!(public.verify(message.as_bytes(), der), Ok(()), "{message}");
            // Another string under the same signature does not verify.
            let other = format!("{message}x");
            assert_eq!(
                public.verify(other.as_bytes(), raw),
                Err(SignatureError::Mismatch)
            );
        }
        // Our own signatures verify, in both encodings, and have the encodings' sizes.
        let message = "1554466347uLkwh3NzFAfEkj7urj5C7AU_/personal/client-info";
        let raw = key().sign(message, Encoding::Raw);
        let der = key().sign(message, Encoding::Der);
        assert_eq!(BASE64.decode(&raw).unwrap().len(), 64);
        assert_eq!(BASE64.decode(&der).unwrap()[0], 0x30);
        assert_eq!(public.verify(message.as_bytes(), &raw), Ok(()));
        assert_eq!(public.verify(message.as_bytes(), &der), Ok(()));
    }

    #[test]
    fn each_call_signs_its_own_string_with_one_time_and_request_id() {
        let key = key();
        let public = key.public_key();
        let cases = [
            (
                Ingredient::Permissions("p"),
                "/personal/auth/request",
                "1136239445p/personal/auth/request",
            ),
            (
                Ingredient::Permissions(""),
                "/personal/auth/request",
                "1136239445/personal/auth/request",
            ),
            (
                Ingredient::RequestId("uLkwh3NzFAfEkj7urj5C7AU_"),
                "/personal/auth/request",
                "1136239445uLkwh3NzFAfEkj7urj5C7AU_/personal/auth/request",
            ),
            (
                Ingredient::RequestId("uLkwh3NzFAfEkj7urj5C7AU_"),
                "/personal/client-info",
                "1136239445uLkwh3NzFAfEkj7urj5C7AU_/personal/client-info",
            ),
            (
                Ingredient::RequestId("uLkwh3NzFAfEkj7urj5C7AU_"),
                "/personal/statement/0/1546304461/1546306461",
                "1136239445uLkwh3NzFAfEkj7urj5C7AU_/personal/statement/0/1546304461/1546306461",
            ),
            (
                Ingredient::Nothing,
                "/personal/auth/registration",
                "1136239445/personal/auth/registration",
            ),
        ];
        for (ingredient, path, expected) in cases {
            let headers = key.headers(1_136_239_445, ingredient, path);
            assert_eq!(headers.time, "1136239445");
            assert_eq!(headers.key_id, TEST_KEY_ID);
            assert_eq!(
                public.verify(expected.as_bytes(), &headers.sign),
                Ok(()),
                "{expected}"
            );
            match ingredient {
                Ingredient::RequestId(id) => {
                    assert_eq!(headers.request_id.as_deref(), Some(id));
                    assert_eq!(headers.permissions, None);
                }
                Ingredient::Permissions(p) => {
                    let sent = Some(p).filter(|p| !p.is_empty());
                    assert_eq!(headers.permissions.as_deref(), sent);
                    assert_eq!(headers.request_id, None);
                }
                Ingredient::Nothing => {
                    assert_eq!((headers.request_id, headers.permissions), (None, None));
                }
            }
        }
        let der = key
            .with_encoding(Encoding::Der)
            .headers(5, Ingredient::Nothing, "/p");
        assert_eq!(BASE64.decode(&der.sign).unwrap()[0], 0x30);
        assert_eq!(public.verify(b"5/p", &der.sign), Ok(()));
    }

    #[test]
    fn request_ids_are_checked_and_never_printed() {
        let id = RequestId::parse("uLkwh3NzFAfEkj7urj5C7AU_").unwrap();
        assert_eq!(id.expose(), "uLkwh3NzFAfEkj7urj5C7AU_");
        assert_eq!(format!("{id:?}"), "RequestId([redacted])");
        for bad in ["", "a b", "a/b", &"a".repeat(129), "é"] {
            assert!(RequestId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
