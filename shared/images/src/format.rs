//! The formats a speaker may upload, told apart by their first bytes.

/// JPEG, PNG or WebP: nothing else is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PictureFormat {
    Jpeg,
    Png,
    WebP,
}

impl PictureFormat {
    /// The format the bytes really are, from their signature; `None` for anything else.
    pub fn detect(bytes: &[u8]) -> Option<PictureFormat> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(PNG) {
            Some(PictureFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PictureFormat::Jpeg)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(PictureFormat::WebP)
        } else {
            None
        }
    }

    /// Its media type, as `Content-Type` says it.
    pub fn media_type(self) -> &'static str {
        match self {
            PictureFormat::Jpeg => "image/jpeg",
            PictureFormat::Png => "image/png",
            PictureFormat::WebP => "image/webp",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            PictureFormat::Jpeg => "jpg",
            PictureFormat::Png => "png",
            PictureFormat::WebP => "webp",
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            PictureFormat::Jpeg => image::ImageFormat::Jpeg,
            PictureFormat::Png => image::ImageFormat::Png,
            PictureFormat::WebP => image::ImageFormat::WebP,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_decide_not_names() {
        assert_eq!(
            PictureFormat::detect(b"\x89PNG\r\n\x1a\nrest"),
            Some(PictureFormat::Png)
        );
        assert_eq!(
            PictureFormat::detect(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(PictureFormat::Jpeg)
        );
        assert_eq!(
            PictureFormat::detect(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(PictureFormat::WebP)
        );
        for junk in [
            &b""[..],
            b"GIF89a",
            b"RIFF\0\0\0\0WAVEfmt ",
            b"\x89PNG",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"%PDF-1.7",
        ] {
            assert_eq!(PictureFormat::detect(junk), None, "{junk:?}");
        }
    }
}
