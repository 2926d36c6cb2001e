//! Webhook signatures (Monobank documents them for provider webhooks; personal webhooks carry
//! the same header when signed): `X-Sign` is the base64 of an ECDSA secp256k1 signature over SHA-256 of the raw body, either raw `r‖s` (64
//! bytes) or DER; the key is the base64 uncompressed point `/bank/sync` publishes under
//! `X-Key-Id`. Whether to require a signature is the receiver's choice; this module verifies.
//! The same verification checks provider calls' signatures (see [`crate::provider`]).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use k256::ecdsa::signature::{Signer, Verifier};
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};

/// Why a signature did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// The public key is not base64 of a valid secp256k1 point.
    #[error("the public key is not a base64 secp256k1 point")]
    BadKey,
    /// `X-Sign` is not base64 of a 64-byte raw `r‖s` signature or of a DER signature.
    #[error("the signature is not base64 of 64 raw bytes or DER")]
    Malformed,
    /// The signature is well formed but does not match the body under this key.
    #[error("the signature does not match the body")]
    Mismatch,
}

/// A parsed `/bank/sync` public key.
#[derive(Clone, Debug)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses the `serverPubKey` of `/bank/sync`: base64 (surrounding whitespace ignored) of a
    /// SEC1-encoded secp256k1 point, which Monobank publishes in the uncompressed 65-byte form.
    pub fn from_base64(text: &str) -> Result<Self, SignatureError> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|_| SignatureError::BadKey)?;
        PublicKey::from_sec1_bytes(&bytes)
    }

    /// Parses a provider's `pubkey` as the bank receives it: base64 of a whole `PUBLIC KEY`
    /// (SPKI) PEM text.
    pub fn from_pem_base64(text: &str) -> Result<Self, SignatureError> {
        use k256::pkcs8::DecodePublicKey;
        let pem = BASE64
            .decode(text.trim())
            .map_err(|_| SignatureError::BadKey)?;
        let pem = std::str::from_utf8(&pem).map_err(|_| SignatureError::BadKey)?;
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(PublicKey)
            .map_err(|_| SignatureError::BadKey)
    }

    /// Parses a SEC1-encoded secp256k1 point (65 bytes uncompressed or 33 compressed).
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        VerifyingKey::from_sec1_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| SignatureError::BadKey)
    }

    /// The key of a verifying key (within the crate: no `k256` type in the public API).
    pub(crate) fn from_verifying(key: VerifyingKey) -> Self {
        PublicKey(key)
    }

    /// The key id the provider API names it by: lowercase hex SHA-1 of the uncompressed point.
    pub fn key_id(&self) -> String {
        use sha1::{Digest, Sha1};
        Sha1::digest(self.0.to_encoded_point(false).as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Checks `X-Sign` (base64) against the raw body.
    pub fn verify(&self, body: &[u8], sign_b64: &str) -> Result<(), SignatureError> {
        let raw = BASE64
            .decode(sign_b64.trim())
            .map_err(|_| SignatureError::Malformed)?;
        let signature = Signature::from_slice(&raw)
            .or_else(|_| Signature::from_der(&raw))
            .map_err(|_| SignatureError::Malformed)?;
        // Accept high-S signatures too: other signers do not always normalise.
        let signature = signature.normalize_s().unwrap_or(signature);
        self.0
            .verify(body, &signature)
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// The signing side, used by the sandbox.
pub struct KeyPair(SigningKey);

impl KeyPair {
    /// A key from 32 secret bytes (the sandbox derives them from its seed).
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        SigningKey::from_slice(bytes).ok().map(KeyPair)
    }

    /// The base64 uncompressed 65-byte point, as `/bank/sync` publishes it.
    pub fn public_base64(&self) -> String {
        BASE64.encode(self.0.verifying_key().to_encoded_point(false).as_bytes())
    }

    /// The base64 raw `r‖s` signature of SHA-256(body).
    pub fn sign_base64(&self, body: &[u8]) -> String {
        let signature: Signature = self.0.sign(body);
        BASE64.encode(signature.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_key_reads_from_its_sec1_bytes_in_either_form() {
        let pair = KeyPair::from_bytes(&[7; 32]).unwrap();
        let uncompressed = BASE64.decode(pair.public_base64()).unwrap();
        let compressed = pair.0.verifying_key().to_encoded_point(true);
        let long = PublicKey::from_sec1_bytes(&uncompressed).unwrap();
        let short = PublicKey::from_sec1_bytes(compressed.as_bytes()).unwrap();
        assert_eq!(long.key_id(), short.key_id());
        let sign = pair.sign_base64(b"{}");
        assert_eq!(short.verify(b"{}", &sign), Ok(()));
        assert_eq!(
            PublicKey::from_sec1_bytes(&uncompressed[1..]).err(),
            Some(SignatureError::BadKey)
        );
    }

    #[test]
    fn signatures_verify_raw_and_der_and_reject_tampering() {
        let pair = KeyPair::from_bytes(&[7; 32]).unwrap();
        let public = PublicKey::from_base64(&pair.public_base64()).unwrap();
        assert_eq!(BASE64.decode(pair.public_base64()).unwrap().len(), 65);
        let body = br#"{"type":"StatementItem"}"#;
        let sign = pair.sign_base64(body);
        assert_eq!(public.verify(body, &sign), Ok(()));
        let der = BASE64.encode(
            Signature::from_slice(&BASE64.decode(&sign).unwrap())
                .unwrap()
                .to_der()
                .as_bytes(),
        );
        assert_eq!(public.verify(body, &der), Ok(()));
        assert_eq!(public.verify(b"{}", &sign), Err(SignatureError::Mismatch));
        assert_eq!(
            public.verify(body, "not base64!"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            public.verify(body, &BASE64.encode([1u8; 10])),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            PublicKey::from_base64("AAAA").unwrap_err(),
            SignatureError::BadKey
        );
    }
}
