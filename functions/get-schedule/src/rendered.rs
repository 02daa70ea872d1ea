//! A rendered representation in the content codings it is sent in, each with its strong ETag
//! (a hash of the bytes sent: the gzip variant is other bytes, so another tag), and what it
//! takes of a Lambda response.

use cfp_schedule::export::etag;
use lambda_http::Body;

use crate::content_coding::gzip;
use crate::error::GetScheduleError;

/// Below this size gzip saves too little to bother.
const GZIP_MIN_BYTES: usize = 1024;

/// A synchronous Lambda response is at most 6 MB of JSON (the body inside it escaped or
/// base64-encoded); this leaves room for the status and headers around the body.
pub const MAX_BODY_IN_LAMBDA_RESPONSE: usize = 6 * 1024 * 1024 - 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
}

#[derive(Debug)]
enum Bytes {
    /// Sent as text: Lambda carries it as a JSON string.
    Text(String),
    /// Sent base64-encoded.
    Binary(Vec<u8>),
}

#[derive(Debug)]
pub struct Encoded {
    pub coding: Coding,
    /// `"..."`, quotes included.
    pub etag: String,
    bytes: Bytes,
    /// The body's size inside the Lambda response.
    in_lambda_response: usize,
}

impl Encoded {
    fn identity(text: String) -> Self {
        Encoded {
            coding: Coding::Identity,
            etag: etag(text.as_bytes()),
            in_lambda_response: json_string_len(&text),
            bytes: Bytes::Text(text),
        }
    }

    fn gzip(bytes: Vec<u8>) -> Self {
        Encoded {
            coding: Coding::Gzip,
            etag: etag(&bytes),
            in_lambda_response: bytes.len().div_ceil(3) * 4,
            bytes: Bytes::Binary(bytes),
        }
    }

    pub fn len(&self) -> usize {
        match &self.bytes {
            Bytes::Text(text) => text.len(),
            Bytes::Binary(bytes) => bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn fits(&self) -> bool {
        self.in_lambda_response <= MAX_BODY_IN_LAMBDA_RESPONSE
    }

    /// The body of a response (a copy: the cache keeps the original).
    pub fn body(&self) -> Body {
        match &self.bytes {
            Bytes::Text(text) => Body::Text(text.clone()),
            Bytes::Binary(bytes) => Body::Binary(bytes.clone()),
        }
    }
}

#[derive(Debug)]
pub struct Rendered {
    pub content_type: &'static str,
    identity: Encoded,
    gzip: Option<Encoded>,
}

impl Rendered {
    pub fn new(content_type: &'static str, text: String) -> Result<Self, GetScheduleError> {
        let gzip = if text.len() >= GZIP_MIN_BYTES {
            let packed = gzip(text.as_bytes())
                .map_err(|e| GetScheduleError::Render(format!("gzip: {e}")))?;
            Some(Encoded::gzip(packed))
        } else {
            None
        };
        Ok(Rendered {
            content_type,
            identity: Encoded::identity(text),
            gzip,
        })
    }

    /// The bytes it holds, for the cache's budget.
    pub fn weight(&self) -> usize {
        self.identity.len() + self.gzip.as_ref().map_or(0, Encoded::len)
    }

    /// The variant to send: gzip when the client takes it (and it exists), else the identity,
    /// as long as the variant fits a Lambda response.
    pub fn select(&self, accepts_gzip: bool) -> Result<&Encoded, GetScheduleError> {
        let chosen = match &self.gzip {
            Some(gzip) if accepts_gzip => gzip,
            _ => &self.identity,
        };
        if chosen.fits() {
            return Ok(chosen);
        }
        match &self.gzip {
            Some(gzip) if chosen.coding == Coding::Identity && gzip.fits() => {
                Err(GetScheduleError::TooLargeUncompressed {
                    bytes: self.identity.len(),
                })
            }
            _ => Err(GetScheduleError::TooLarge {
                bytes: chosen.len(),
            }),
        }
    }
}

/// The length of `text` as a JSON string's content: serde_json escapes quotes, backslashes and
/// control characters, and leaves everything else (non-ASCII included) as it is.
fn json_string_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 2,
            0x00..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_escaped_length_is_what_serde_json_writes() {
        let text = "a\"b\\c\nd\te\u{1}f\u{7f}ü€ <x a=\"1\"/>";
        let written = serde_json::to_string(text).expect("json");
        assert_eq!(json_string_len(text), written.len() - 2);
    }

    #[test]
    fn small_representations_are_sent_as_they_are() {
        let rendered = Rendered::new("application/json", "{}".into()).expect("rendered");
        let chosen = rendered.select(true).expect("fits");
        assert_eq!(chosen.coding, Coding::Identity);
        assert_eq!(chosen.etag, etag(b"{}"));
        assert_eq!(rendered.weight(), 2);
    }

    #[test]
    fn gzip_has_its_own_tag_and_is_sent_when_accepted() {
        let text = "<event/>".repeat(500);
        let rendered = Rendered::new("application/xml", text.clone()).expect("rendered");
        let identity = rendered.select(false).expect("fits");
        let gzip = rendered.select(true).expect("fits");
        assert_eq!(identity.coding, Coding::Identity);
        assert_eq!(gzip.coding, Coding::Gzip);
        assert_ne!(identity.etag, gzip.etag);
        assert!(matches!(gzip.body(), Body::Binary(ref b) if b.len() == gzip.len()));
        assert!(matches!(identity.body(), Body::Text(ref t) if *t == text));
    }

    #[test]
    fn too_large_to_send_plain_asks_for_gzip_and_too_large_for_gzip_is_an_error() {
        // Repetitive text: it compresses far below the limit.
        let big = "x".repeat(MAX_BODY_IN_LAMBDA_RESPONSE + 1);
        let rendered = Rendered::new("application/json", big).expect("rendered");
        assert_eq!(
            rendered.select(true).map(|e| e.coding).ok(),
            Some(Coding::Gzip)
        );
        assert!(matches!(
            rendered.select(false),
            Err(GetScheduleError::TooLargeUncompressed { .. })
        ));
        // Quotes double in the Lambda response: half the limit in quotes does not fit plain.
        let quoted = "\"".repeat(MAX_BODY_IN_LAMBDA_RESPONSE / 2 + 1);
        let rendered = Rendered::new("application/json", quoted).expect("rendered");
        assert!(rendered.select(false).is_err());
        // Incompressible bytes that do not fit either way.
        let mut noise = String::with_capacity(MAX_BODY_IN_LAMBDA_RESPONSE + 1);
        let mut state: u32 = 0x1234_5678;
        while noise.len() <= MAX_BODY_IN_LAMBDA_RESPONSE {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            noise.push(char::from(b'!' + (state % 90) as u8));
        }
        let rendered = Rendered::new("text/plain", noise).expect("rendered");
        assert!(matches!(
            rendered.select(true),
            Err(GetScheduleError::TooLarge { .. })
        ));
    }
}
