//! S3 for the speakers' pictures: upload forms a browser posts straight to the bucket
//! ([`PostPresigner`], a SigV4-signed POST policy, which the AWS SDK for Rust does not offer),
//! and the bucket as the picture pipeline's [`cfp_domain::picture::PictureObjects`].

mod error;
mod picture_bucket;
mod post_policy;
mod presigner;

pub use error::PresignError;
pub use picture_bucket::PictureBucket;
pub use post_policy::{PostForm, PresignedPost, SigningCredentials, presign_post, sign_policy};
pub use presigner::PostPresigner;
