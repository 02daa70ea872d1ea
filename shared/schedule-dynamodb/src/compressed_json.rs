//! Bodies too big for a plain item (a release embeds every talk; a draft may hold 5,000 slots):
//! gzip-compressed JSON, cut into pieces that each fit an item with room to spare.

use std::io::Write;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The most compressed bytes one item carries. DynamoDB's item limit is 400 KB including
/// attribute names and the key; this leaves ample room for those.
pub(crate) const MAX_PIECE_BYTES: usize = 350_000;

/// Why a body could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("cannot be encoded: {0}")]
    Encode(String),
    #[error("is not gzip-compressed JSON of the expected shape: {0}")]
    Decode(String),
}

pub(crate) fn compress<T: Serialize>(value: &T) -> Result<Vec<u8>, BodyError> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    serde_json::to_writer(&mut encoder, value).map_err(|e| BodyError::Encode(e.to_string()))?;
    encoder
        .flush()
        .map_err(|e| BodyError::Encode(e.to_string()))?;
    encoder
        .finish()
        .map_err(|e| BodyError::Encode(e.to_string()))
}

/// Any damage (not gzip, truncated, bad checksum, JSON of another shape) is an error.
pub(crate) fn decompress<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    serde_json::from_reader(GzDecoder::new(bytes)).map_err(|e| BodyError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_schedule::Release;

    fn release() -> Release {
        cfp_schedule::test_data::release(&[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-10T09:00:00+02:00"),
        ])
    }

    #[test]
    fn a_release_round_trips() {
        let release = release();
        let bytes = compress(&release).expect("compressed");
        assert_eq!(&bytes[..2], [0x1f, 0x8b], "gzip magic");
        assert_eq!(
            decompress::<Release>(&bytes).expect("decompressed"),
            release
        );
    }

    #[test]
    fn damaged_bodies_are_errors_not_panics() {
        let bytes = compress(&release()).expect("compressed");
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0xff;
        let damaged: [&[u8]; 5] = [
            &[],
            b"not gzip at all",
            &bytes[..bytes.len() / 2],
            &flipped,
            &bytes[..bytes.len() - 4],
        ];
        for bytes in damaged {
            assert!(
                matches!(decompress::<Release>(bytes), Err(BodyError::Decode(_))),
                "{bytes:?}"
            );
        }
        // Well-formed gzip of JSON of another shape.
        let other = compress(&serde_json::json!({"number": "one"})).expect("compressed");
        assert!(decompress::<Release>(&other).is_err());
    }
}
