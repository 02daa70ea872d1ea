//! How large a picture may be, in bytes and in pixels.

/// Limits a picture must be within before it is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureLimits {
    /// The upload's size; the presigned POST enforces the same bound.
    pub max_bytes: u64,
    pub max_width: u32,
    pub max_height: u32,
    /// width x height.
    pub max_pixels: u64,
    /// What the decoder may allocate at most: a bound even if a header lies about its size.
    pub max_decode_bytes: u64,
}

impl PictureLimits {
    /// 5 MiB, at most 6000 pixels a side and 40 megapixels.
    pub const SPEAKER_PICTURE: PictureLimits = PictureLimits {
        max_bytes: 5 * 1024 * 1024,
        max_width: 6000,
        max_height: 6000,
        max_pixels: 40_000_000,
        // 40 MP as RGBA is 160 MB; allow that and a little working space, no more.
        max_decode_bytes: 192 * 1024 * 1024,
    };

    pub fn allows_dimensions(&self, width: u32, height: u32) -> bool {
        width > 0
            && height > 0
            && width <= self.max_width
            && height <= self.max_height
            && u64::from(width) * u64::from(height) <= self.max_pixels
    }

    pub(crate) fn decoder_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_width);
        limits.max_image_height = Some(self.max_height);
        limits.max_alloc = Some(self.max_decode_bytes);
        limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bound_counts() {
        let limits = PictureLimits::SPEAKER_PICTURE;
        assert!(limits.allows_dimensions(6000, 6000));
        assert!(limits.allows_dimensions(1, 1));
        assert!(!limits.allows_dimensions(0, 10));
        assert!(!limits.allows_dimensions(6001, 10));
        assert!(!limits.allows_dimensions(10, 6001));
        let tight = PictureLimits {
            max_pixels: 100,
            ..limits
        };
        assert!(tight.allows_dimensions(10, 10));
        assert!(!tight.allows_dimensions(10, 11));
    }
}
