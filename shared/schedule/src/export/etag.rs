//! ETags: a strong validator from the bytes themselves, so the same release in the same format
//! always has the same tag, on every Lambda instance.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `"<base64url of the first 16 bytes of SHA-256>"`, quotes included.
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_same_tag_other_bytes_other_tag() {
        assert_eq!(etag(b"schedule"), etag(b"schedule"));
        assert_ne!(etag(b"schedule"), etag(b"schedule "));
        let tag = etag(b"");
        assert!(
            tag.starts_with('"') && tag.ends_with('"') && tag.len() == 24,
            "{tag}"
        );
    }
}
