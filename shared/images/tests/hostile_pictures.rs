//! Hostile uploads against the picture checks: arbitrary bytes, real pictures truncated and
//! corrupted, pictures behind another format's signature, headers claiming absurd dimensions,
//! any limits. Nothing panics, every refusal is a typed error, and whatever is accepted really
//! is a picture of an allowed type within the limits: its format is the one its bytes say
//! (whatever type the upload was declared as), its dimensions are the header's and within the
//! limits, and its thumbnail is a square JPEG of the right side.

use std::io::Cursor;

use cfp_images::{
    PictureError, PictureFormat, PictureInfo, PictureLimits, THUMBNAIL_SIDE, inspect, thumbnail,
};
use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use proptest::prelude::*;

const LIMITS: PictureLimits = PictureLimits::SPEAKER_PICTURE;
const FORMATS: [ImageFormat; 3] = [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP];

fn encoded(width: u32, height: u32, format: ImageFormat, seed: u8) -> Vec<u8> {
    let picture = RgbaImage::from_fn(width, height, |x, y| {
        Rgba([
            (x as u8).wrapping_mul(seed),
            (y as u8).wrapping_add(seed),
            seed,
            if (x + y) % 3 == 0 { 128 } else { 255 },
        ])
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

/// A well-formed PNG (correct CRCs) whose IHDR claims any width, height, bit depth and colour
/// type, with a few bytes of image data.
fn png_claiming(width: u32, height: u32, depth: u8, colour: u8, data: &[u8]) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (name, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", data), (b"IEND", &[])] {
        let mut chunk = name.to_vec();
        chunk.extend_from_slice(data);
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

/// A real JPEG whose frame header (SOF0) is rewritten to claim `width` x `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = encoded(16, 16, ImageFormat::Jpeg, 7);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has SOF0");
    // FFC0, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

/// An extended WebP (VP8X) whose canvas claims `width` x `height` (1 to 2^24 each), followed by
/// `rest`.
fn webp_claiming(width: u32, height: u32, rest: &[u8]) -> Vec<u8> {
    let mut vp8x = vec![0u8; 4];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let mut body = b"WEBPVP8X".to_vec();
    body.extend_from_slice(&(vp8x.len() as u32).to_le_bytes());
    body.extend_from_slice(&vp8x);
    body.extend_from_slice(rest);
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
    webp.extend_from_slice(&body);
    webp
}

fn sniffed(format: PictureFormat) -> ImageFormat {
    match format {
        PictureFormat::Jpeg => ImageFormat::Jpeg,
        PictureFormat::Png => ImageFormat::Png,
        PictureFormat::WebP => ImageFormat::WebP,
    }
}

/// The invariants of one upload checked against `limits`: no panic (a panic fails the test),
/// and what passes is what it claims. Returns whether the thumbnail was made.
fn check(bytes: &[u8], limits: &PictureLimits) -> Result<bool, TestCaseError> {
    let inspected = check_header(bytes, limits)?;
    let made = thumbnail(bytes, limits);
    if let Err(error) = &inspected {
        // The thumbnail checks first, with the same verdict.
        prop_assert_eq!(made.as_ref().err(), Some(error));
    }
    match made {
        Ok(made) => {
            let info = inspected.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(made.source, info);
            prop_assert_eq!(made.format, PictureFormat::Jpeg);
            prop_assert_eq!(made.side, info.width.min(info.height).min(THUMBNAIL_SIDE));
            let decoded = image::load_from_memory_with_format(&made.bytes, ImageFormat::Jpeg)
                .map_err(|e| TestCaseError::fail(format!("the thumbnail is no JPEG: {e}")))?;
            prop_assert_eq!((decoded.width(), decoded.height()), (made.side, made.side));
            Ok(true)
        }
        Err(error) => {
            prop_assert!(!error.to_string().is_empty());
            Ok(false)
        }
    }
}

/// [`check`] up to the header: what passes `inspect` is what it claims.
fn check_header(
    bytes: &[u8],
    limits: &PictureLimits,
) -> Result<Result<PictureInfo, PictureError>, TestCaseError> {
    let inspected = inspect(bytes, limits);
    match &inspected {
        Ok(info) => {
            prop_assert!(bytes.len() as u64 <= limits.max_bytes);
            // The format is the bytes', by signature, and image's own guess agrees.
            prop_assert_eq!(PictureFormat::detect(bytes), Some(info.format));
            prop_assert_eq!(image::guess_format(bytes).ok(), Some(sniffed(info.format)));
            prop_assert!(
                limits.allows_dimensions(info.width, info.height),
                "{}x{} passed {:?}",
                info.width,
                info.height,
                limits
            );
        }
        Err(error) => prop_assert!(!error.to_string().is_empty()),
    }
    Ok(inspected)
}

/// Claims within the real limits but large would be decoded in full (garbage padded out to
/// tens of megapixels): thumbnails only below this side, to keep an unoptimised test fast;
/// larger claims get their header checked.
const DECODE_UP_TO: u32 = 300;

fn check_claim(bytes: &[u8]) -> Result<(), TestCaseError> {
    match check_header(bytes, &LIMITS)? {
        Ok(info) if info.width.max(info.height) <= DECODE_UP_TO => {
            check(bytes, &LIMITS)?;
        }
        _ => {}
    }
    Ok(())
}

/// Limits from tiny to the real ones.
fn limits() -> impl Strategy<Value = PictureLimits> {
    prop_oneof![
        3 => Just(LIMITS),
        1 => (1u64..200_000, 1u32..300, 1u32..300, 1u64..20_000, 1u64..400_000).prop_map(
            |(max_bytes, max_width, max_height, max_pixels, max_decode_bytes)| PictureLimits {
                max_bytes,
                max_width,
                max_height,
                max_pixels,
                max_decode_bytes,
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_are_refused_with_a_reason_or_are_a_picture(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        limits in limits(),
    ) {
        check(&bytes, &limits)?;
    }

    /// Real pictures pass, whatever they were declared as: the verdict comes from the bytes.
    #[test]
    fn real_pictures_pass_as_what_their_bytes_are(
        format in 0usize..3,
        width in 1u32..48,
        height in 1u32..48,
        seed in any::<u8>(),
        declared in prop::sample::select(vec!["image/png", "image/jpeg", "image/webp", "image/gif", "text/html", ""]),
    ) {
        let bytes = encoded(width, height, FORMATS[format], seed);
        let info = inspect(&bytes, &LIMITS).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(sniffed(info.format), FORMATS[format], "declared as {:?}", declared);
        prop_assert_eq!((info.width, info.height), (width, height));
        prop_assert!(check(&bytes, &LIMITS)?, "a real {}x{} picture got no thumbnail", width, height);
    }

    #[test]
    fn truncated_and_corrupted_pictures_never_panic(
        format in 0usize..3,
        width in 1u32..48,
        height in 1u32..48,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
        cut in any::<prop::sample::Index>(),
        limits in limits(),
    ) {
        let mut bytes = encoded(width, height, FORMATS[format], 3);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check(&bytes, &limits)?;
        let keep = cut.index(bytes.len());
        check(&bytes[..keep], &limits)?;
    }

    /// A picture of one format behind another's signature, or with a signature in front of it.
    #[test]
    fn spliced_formats_are_judged_by_their_first_bytes(
        outer in 0usize..3,
        inner in 0usize..3,
        keep in any::<prop::sample::Index>(),
    ) {
        let outer = encoded(8, 8, FORMATS[outer], 1);
        let inner = encoded(8, 8, FORMATS[inner], 2);
        let mut bytes = outer[..keep.index(outer.len())].to_vec();
        bytes.extend_from_slice(&inner);
        check(&bytes, &LIMITS)?;
        let mut prefixed = b"<html>".to_vec();
        prefixed.extend_from_slice(&inner);
        prop_assert_eq!(inspect(&prefixed, &LIMITS), Err(PictureError::NotAnImage));
    }

    /// Headers may claim anything; only dimensions within the limits may pass, and a claim
    /// beyond them is refused as such (never decoded, never a panic or an abort on allocation).
    #[test]
    fn absurd_dimensions_are_refused_before_decoding(
        width in prop_oneof![Just(0u32), 1u32..10, 5_000u32..7_000, any::<u32>()],
        height in prop_oneof![Just(0u32), 1u32..10, 5_000u32..7_000, any::<u32>()],
        depth in prop::sample::select(vec![1u8, 2, 4, 8, 16, 3, 0, 255]),
        colour in prop::sample::select(vec![0u8, 2, 3, 4, 6, 1, 7]),
        data in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let png = png_claiming(width, height, depth, colour, &data);
        check_claim(&png)?;
        if let Ok(info) = inspect(&png, &LIMITS) {
            prop_assert_eq!((info.width, info.height), (width, height));
        }

        let jpeg = jpeg_claiming(width as u16, height as u16);
        check_claim(&jpeg)?;

        let webp = webp_claiming(width % (1 << 24) + 1, height % (1 << 24) + 1, &data);
        check_claim(&webp)?;
        let chunks = encoded(8, 8, ImageFormat::WebP, 1)[12..].to_vec();
        let webp = webp_claiming(width % (1 << 24) + 1, height % (1 << 24) + 1, &chunks);
        check_claim(&webp)?;
    }
}

#[test]
fn a_valid_header_beyond_the_limits_is_refused_for_its_dimensions() {
    let png = png_claiming(
        100_000,
        100_000,
        8,
        6,
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    assert_eq!(
        inspect(&png, &LIMITS),
        Err(PictureError::DimensionsTooLarge {
            width: 100_000,
            height: 100_000
        })
    );
    assert_eq!(
        inspect(&jpeg_claiming(6_001, 10), &LIMITS),
        Err(PictureError::DimensionsTooLarge {
            width: 6_001,
            height: 10
        })
    );
    // A real picture's VP8L chunk after the claim: what a VP8X header needs to be read.
    let chunks = encoded(8, 8, ImageFormat::WebP, 1)[12..].to_vec();
    assert_eq!(
        inspect(&webp_claiming(6_001, 10, &chunks), &LIMITS),
        Err(PictureError::DimensionsTooLarge {
            width: 6_001,
            height: 10
        })
    );
    // A canvas of more than 2^32 pixels the WebP decoder refuses itself, before we see its
    // dimensions: refused, though as malformed.
    assert!(matches!(
        inspect(&webp_claiming(1 << 24, 1 << 24, &[]), &LIMITS),
        Err(PictureError::Malformed(_))
    ));
}
