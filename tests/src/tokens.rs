//! Tokens a client might present: read the claims of real ones, and forge bad ones.
//!
//! Forgeries signed with the local pool's *own* key (moto ships it) prove that the authorizer checks
//! expiry, issuer and audience on their own, not only the signature.

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::BigUint;
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde_json::Value;

/// The claims of a token, unverified.
pub fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// One string claim of a token, unverified.
pub fn claim(token: &str, name: &str) -> Option<String> {
    claims(token)?.get(name)?.as_str().map(str::to_owned)
}

/// The `kid` of a token's header.
pub fn key_id(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).ok()?.kid
}

/// Signs `claims` with RS256 and `key`.
pub fn sign(claims: &Value, key: &EncodingKey, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("signing a test token")
}

/// An unsigned token (`alg: none`) carrying `claims`.
pub fn unsigned(claims: &Value, kid: Option<&str>) -> String {
    let mut header = serde_json::json!({"alg": "none", "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = Value::String(kid.to_owned());
    }
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// A key the local pool has never seen (committed, test-only).
pub fn foreign_key() -> EncodingKey {
    let pem = include_bytes!("../fixtures/test-only-foreign-signing-key.pem");
    EncodingKey::from_rsa_pem(pem).expect("the test-only PEM key")
}

/// The key moto signs the local pool's tokens with (moto ships it as a JWK with n, e, d).
pub fn local_pool_key() -> EncodingKey {
    let path = moto_private_jwks().expect("moto's jwks-private.json.gz in .venv/moto");
    let mut json = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("open moto's JWK"))
        .read_to_string(&mut json)
        .expect("gunzip moto's JWK");
    let jwk: Value = serde_json::from_str(&json).expect("moto's JWK is JSON");
    let part = |name: &str| {
        let text = jwk[name].as_str().expect("JWK component");
        BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD
                .decode(text)
                .expect("base64url JWK component"),
        )
    };
    // No primes in moto's JWK: rsa recovers them from n, e and d.
    let key = rsa::RsaPrivateKey::from_components(part("n"), part("e"), part("d"), vec![])
        .expect("moto's RSA key");
    let der = key.to_pkcs1_der().expect("PKCS#1 DER");
    EncodingKey::from_rsa_der(der.as_bytes())
}

fn moto_private_jwks() -> Option<PathBuf> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/moto/lib");
    std::fs::read_dir(lib).ok()?.flatten().find_map(|python| {
        let path = python
            .path()
            .join("site-packages/moto/cognitoidp/resources/jwks-private.json.gz");
        path.exists().then_some(path)
    })
}
