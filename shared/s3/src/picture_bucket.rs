//! [`PictureObjects`] on the pictures bucket.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::primitives::ByteStream;
use cfp_domain::StoreError;
use cfp_domain::picture::PictureObjects;

#[derive(Debug, Clone)]
pub struct PictureBucket {
    client: Client,
    bucket: String,
}

impl PictureBucket {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        PictureBucket {
            client,
            bucket: bucket.into(),
        }
    }

    pub fn name(&self) -> &str {
        &self.bucket
    }
}

/// The whole error chain: it goes to the log.
fn backend<E: std::error::Error>(operation: &'static str, error: E) -> StoreError {
    StoreError::Backend {
        operation,
        message: DisplayErrorContext(&error).to_string(),
    }
}

#[async_trait]
impl PictureObjects for PictureBucket {
    async fn size_of(&self, key: &str) -> Result<Option<u64>, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(
                head.content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
            )),
            Err(error) => match error.into_service_error() {
                HeadObjectError::NotFound(_) => Ok(None),
                other => Err(backend("HeadObject", other)),
            },
        }
    }

    async fn fetch(&self, key: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            // Never more than one byte past the limit, whatever the object has become.
            .range(format!("bytes=0-{max_bytes}"))
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => {
                return match error.into_service_error() {
                    GetObjectError::NoSuchKey(_) => Ok(None),
                    other => Err(backend("GetObject", other)),
                };
            }
        };
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| backend("GetObject (body)", e))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| backend("PutObject", e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| backend("DeleteObject", e))?;
        Ok(())
    }
}
