//! A square thumbnail of a picture that passed [`inspect`]: centre crop, scaled down, JPEG.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageError, Rgb, RgbImage};

use crate::error::PictureError;
use crate::format::PictureFormat;
use crate::inspection::{PictureInfo, inspect};
use crate::limits::PictureLimits;

/// Thumbnails are at most this many pixels a side; smaller pictures are not scaled up.
pub const THUMBNAIL_SIDE: u32 = 400;

const JPEG_QUALITY: u8 = 85;

/// A square JPEG thumbnail and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub format: PictureFormat,
    /// Width and height of the (square) thumbnail.
    pub side: u32,
    pub source: PictureInfo,
}

/// Checks the upload, decodes it within `limits` and makes its thumbnail.
pub fn thumbnail(bytes: &[u8], limits: &PictureLimits) -> Result<Thumbnail, PictureError> {
    let source = inspect(bytes, limits)?;
    let mut reader =
        image::ImageReader::with_format(Cursor::new(bytes), source.format.image_format());
    reader.limits(limits.decoder_limits());
    let picture = reader.decode().map_err(|error| match error {
        ImageError::Limits(_) => PictureError::DimensionsTooLarge {
            width: source.width,
            height: source.height,
        },
        other => PictureError::Malformed(other.to_string()),
    })?;
    let square = centre_square(&picture);
    let side = square.width().min(THUMBNAIL_SIDE);
    let scaled = if side < square.width() {
        square.resize_exact(side, side, FilterType::CatmullRom)
    } else {
        square
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
        .encode_image(&on_white(&scaled))
        .map_err(|error| PictureError::Malformed(format!("encoding the thumbnail: {error}")))?;
    Ok(Thumbnail {
        bytes,
        format: PictureFormat::Jpeg,
        side,
        source,
    })
}

/// The largest square in the middle of the picture.
fn centre_square(picture: &DynamicImage) -> DynamicImage {
    let (width, height) = (picture.width(), picture.height());
    let side = width.min(height);
    picture.crop_imm((width - side) / 2, (height - side) / 2, side, side)
}

/// JPEG has no transparency: transparent parts become white rather than whatever colour the
/// invisible pixels happen to carry.
fn on_white(picture: &DynamicImage) -> RgbImage {
    let rgba = picture.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            // (c*a + 255*(255-a)) / 255 stays within 0..=255.
            u8::try_from((c * a + 255 * (255 - a)) / 255).unwrap_or(u8::MAX)
        };
        Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::{ImageFormat, Rgba, RgbaImage};
    use proptest::prelude::*;

    const LIMITS: PictureLimits = PictureLimits::SPEAKER_PICTURE;

    /// A width x height picture with a gradient, in `format`.
    pub(crate) fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let picture = RgbaImage::from_fn(width, height, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
        });
        let picture = match format {
            // The JPEG encoder takes no alpha.
            ImageFormat::Jpeg => DynamicImage::ImageRgb8(DynamicImage::from(picture).to_rgb8()),
            _ => DynamicImage::ImageRgba8(picture),
        };
        let mut bytes = Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).expect("encoding");
        bytes.into_inner()
    }

    /// A tiny, well-formed PNG (signature, IHDR, one IDAT, IEND, correct CRCs) whose IHDR claims
    /// width x height: a few dozen bytes that would decode into width * height * 4 bytes.
    pub(crate) fn huge_png_header(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        for (name, data) in [
            (&b"IHDR"[..], &ihdr[..]),
            // zlib of one zero byte: the start of the first row, and nothing more.
            (
                b"IDAT",
                &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
            ),
            (b"IEND", &[]),
        ] {
            let mut chunk = name.to_vec();
            chunk.extend_from_slice(data);
            png.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
            png.extend_from_slice(&chunk);
            png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn decoded(thumbnail: &Thumbnail) -> DynamicImage {
        image::load_from_memory_with_format(&thumbnail.bytes, ImageFormat::Jpeg)
            .expect("the thumbnail is a JPEG")
    }

    #[test]
    fn each_format_gets_a_square_jpeg_thumbnail() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let made = thumbnail(&encoded(900, 500, format), &LIMITS).expect("a thumbnail");
            assert_eq!(made.side, THUMBNAIL_SIDE, "{format:?}");
            assert_eq!(made.format, PictureFormat::Jpeg);
            assert_eq!((made.source.width, made.source.height), (900, 500));
            let picture = decoded(&made);
            assert_eq!(
                (picture.width(), picture.height()),
                (400, 400),
                "{format:?}"
            );
        }
    }

    #[test]
    fn small_pictures_are_cropped_not_scaled_up() {
        let made = thumbnail(&encoded(120, 80, ImageFormat::Png), &LIMITS).expect("thumbnail");
        assert_eq!(made.side, 80);
        let picture = decoded(&made);
        assert_eq!((picture.width(), picture.height()), (80, 80));
    }

    #[test]
    fn the_same_upload_gives_the_same_thumbnail() {
        let bytes = encoded(300, 200, ImageFormat::Png);
        assert_eq!(thumbnail(&bytes, &LIMITS), thumbnail(&bytes, &LIMITS));
    }

    #[test]
    fn transparency_becomes_white() {
        let clear = RgbaImage::from_pixel(10, 10, Rgba([0, 0, 0, 0]));
        let mut bytes = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(clear)
            .write_to(&mut bytes, ImageFormat::Png)
            .expect("png");
        let made = thumbnail(&bytes.into_inner(), &LIMITS).expect("thumbnail");
        let pixel = decoded(&made).to_rgb8().get_pixel(5, 5).0;
        assert!(pixel.iter().all(|c| *c > 245), "{pixel:?}");
    }

    #[test]
    fn a_non_image_is_refused() {
        assert_eq!(
            thumbnail(b"#!/bin/sh\nrm -rf /\n", &LIMITS),
            Err(PictureError::NotAnImage)
        );
    }

    #[test]
    fn a_truncated_image_is_malformed() {
        let bytes = encoded(200, 200, ImageFormat::Png);
        let truncated = &bytes[..bytes.len() / 2];
        assert!(
            matches!(
                thumbnail(truncated, &LIMITS),
                Err(PictureError::Malformed(_))
            ),
            "{:?}",
            thumbnail(truncated, &LIMITS)
        );
    }

    #[test]
    fn a_huge_dimension_header_is_refused() {
        assert_eq!(
            thumbnail(&huge_png_header(100_000, 100_000), &LIMITS),
            Err(PictureError::DimensionsTooLarge {
                width: 100_000,
                height: 100_000
            })
        );
    }

    /// A small, valid, highly compressible PNG whose pixels would need far more memory than the
    /// decoder may allocate: refused by the limits, never allocated.
    #[test]
    fn a_decompression_bomb_is_refused() {
        let (width, height) = (6000, 6000);
        let bomb = RgbaImage::new(width, height); // all zero: compresses to almost nothing
        let mut bytes = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(bomb)
            .write_to(&mut bytes, ImageFormat::Png)
            .expect("png");
        let bytes = bytes.into_inner();
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        // Within the pixel limits but over the decoder's allocation bound (6000*6000*4 = 144 MB).
        let stingy = PictureLimits {
            max_decode_bytes: 16 * 1024 * 1024,
            ..LIMITS
        };
        assert_eq!(
            thumbnail(&bytes, &stingy),
            Err(PictureError::DimensionsTooLarge { width, height })
        );
        // And with the real limits, a 7000x7000 bomb never gets past its header.
        let bigger = huge_png_header(7000, 7000);
        assert!(matches!(
            thumbnail(&bigger, &LIMITS),
            Err(PictureError::DimensionsTooLarge { .. })
        ));
    }

    fn valid_samples() -> Vec<Vec<u8>> {
        [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP]
            .into_iter()
            .map(|format| encoded(24, 16, format))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = thumbnail(&bytes, &LIMITS);
        }

        #[test]
        fn random_bytes_behind_a_real_signature_never_panic(
            which in 0usize..4,
            tail in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            let signatures: [&[u8]; 4] = [
                b"\x89PNG\r\n\x1a\n",
                &[0xFF, 0xD8, 0xFF],
                b"RIFF\x00\x10\x00\x00WEBPVP8 ",
                b"RIFF\x00\x10\x00\x00WEBPVP8L",
            ];
            let mut bytes = signatures[which].to_vec();
            bytes.extend_from_slice(&tail);
            let _ = thumbnail(&bytes, &LIMITS);
        }

        #[test]
        fn mutated_valid_images_never_panic(
            which in 0usize..3,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = valid_samples().swap_remove(which);
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            let _ = thumbnail(&bytes, &LIMITS);
            let keep = cut.index(bytes.len());
            let _ = thumbnail(&bytes[..keep], &LIMITS);
        }
    }
}
