//! S3 for the speakers' pictures: upload forms a browser posts straight to the bucket
//! ([`PostPresigner`], a SigV4-signed POST policy, which the AWS SDK for Rust does not offer),
//! and the bucket as the picture pipeline's [`cfp_domain::picture::PictureObjects`]. And the
//! search index blobs, one per event, as [`cfp_search::IndexBlobStore`] ([`SearchIndexBucket`]).

mod client;
mod error;
mod picture_bucket;
mod post_policy;
mod presigner;
#[cfg(feature = "search-index")]
mod search_index_blob;

pub use client::client;
pub use error::PresignError;
pub use picture_bucket::PictureBucket;
pub use post_policy::{PostForm, PresignedPost, SigningCredentials, presign_post, sign_policy};
pub use presigner::PostPresigner;
#[cfg(feature = "search-index")]
pub use search_index_blob::{MAX_INDEX_BYTES, SEARCH_INDEX_PREFIX, SearchIndexBucket};
