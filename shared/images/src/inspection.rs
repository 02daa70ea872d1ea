//! What an upload is, read from its bytes and its header only: nothing is decoded here.

use std::io::Cursor;

use crate::error::PictureError;
use crate::format::PictureFormat;
use crate::limits::PictureLimits;

/// A picture whose format and header passed the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureInfo {
    pub format: PictureFormat,
    pub width: u32,
    pub height: u32,
}

/// Checks size, format (by content) and the header's dimensions against `limits`, in that order,
/// without decoding a single pixel.
pub fn inspect(bytes: &[u8], limits: &PictureLimits) -> Result<PictureInfo, PictureError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_bytes {
        return Err(PictureError::TooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let format = PictureFormat::detect(bytes).ok_or(PictureError::NotAnImage)?;
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format.image_format());
    // Only the allocation bound here: the dimensions are compared below, so that a header
    // claiming huge ones is reported as such rather than as a decoder error.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(limits.max_decode_bytes);
    reader.limits(header_limits);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| PictureError::Malformed(error.to_string()))?;
    if !limits.allows_dimensions(width, height) {
        return Err(PictureError::DimensionsTooLarge { width, height });
    }
    Ok(PictureInfo {
        format,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thumbnail::tests::{encoded, huge_png_header};

    const LIMITS: PictureLimits = PictureLimits::SPEAKER_PICTURE;

    #[test]
    fn reads_each_format_and_its_dimensions() {
        for format in [
            image::ImageFormat::Jpeg,
            image::ImageFormat::Png,
            image::ImageFormat::WebP,
        ] {
            let bytes = encoded(64, 48, format);
            let info = inspect(&bytes, &LIMITS).expect("a valid picture");
            assert_eq!((info.width, info.height), (64, 48), "{format:?}");
            assert_eq!(info.format.image_format(), format);
        }
    }

    #[test]
    fn a_huge_header_is_refused_before_decoding() {
        assert_eq!(
            inspect(&huge_png_header(100_000, 100_000), &LIMITS),
            Err(PictureError::DimensionsTooLarge {
                width: 100_000,
                height: 100_000
            })
        );
        // Within each side but over the pixel count.
        let tight = PictureLimits {
            max_pixels: 1_000,
            ..LIMITS
        };
        assert!(matches!(
            inspect(&encoded(40, 40, image::ImageFormat::Png), &tight),
            Err(PictureError::DimensionsTooLarge { .. })
        ));
    }

    #[test]
    fn size_comes_first() {
        let tiny = PictureLimits {
            max_bytes: 10,
            ..LIMITS
        };
        assert_eq!(
            inspect(&[0u8; 11], &tiny),
            Err(PictureError::TooLarge {
                size: 11,
                limit: 10
            })
        );
    }

    #[test]
    fn text_and_other_formats_are_not_images() {
        for junk in [&b"hello"[..], b"", b"GIF89a\x01\x00\x01\x00", b"<svg/>"] {
            assert_eq!(inspect(junk, &LIMITS), Err(PictureError::NotAnImage));
        }
    }

    #[test]
    fn a_bare_signature_is_malformed() {
        assert!(matches!(
            inspect(b"\x89PNG\r\n\x1a\n", &LIMITS),
            Err(PictureError::Malformed(_))
        ));
    }
}
