//! Why a picture was refused.

/// Everything that can be wrong with an uploaded picture. None of these is worth a retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("the upload is {size} bytes, more than the {limit} allowed")]
    TooLarge { size: u64, limit: u64 },
    #[error("the upload is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the picture is {width}x{height} pixels, beyond the limits")]
    DimensionsTooLarge { width: u32, height: u32 },
    #[error("the picture is damaged or truncated: {0}")]
    Malformed(String),
}
