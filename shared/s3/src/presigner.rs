//! Upload forms with the function's own credentials, to the bucket's endpoint as the SDK
//! resolves it (virtual-hosted on AWS, path-style under a custom IP endpoint such as moto's).

use aws_sdk_s3::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_sdk_s3::config::{ProvideCredentials, SharedCredentialsProvider};
use chrono::{DateTime, Utc};

use crate::error::PresignError;
use crate::post_policy::{PostForm, PresignedPost, SigningCredentials, presign_post};

/// Signs upload forms for one bucket. Built once per instance.
#[derive(Debug, Clone)]
pub struct PostPresigner {
    bucket: String,
    url: String,
    region: String,
    credentials: SharedCredentialsProvider,
}

impl PostPresigner {
    /// Resolves the bucket's URL with the SDK's own S3 endpoint rules, so that `AWS_ENDPOINT_URL`,
    /// FIPS and dual-stack settings apply to forms as they do to the SDK's requests.
    pub async fn resolve(
        bucket: impl Into<String>,
        region: impl Into<String>,
        endpoint_url: Option<&str>,
        use_fips: bool,
        use_dual_stack: bool,
        credentials: SharedCredentialsProvider,
    ) -> Result<PostPresigner, PresignError> {
        let (bucket, region) = (bucket.into(), region.into());
        let params = Params::builder()
            .bucket(bucket.clone())
            .region(region.clone())
            .set_endpoint(endpoint_url.map(str::to_owned))
            .use_fips(use_fips)
            .use_dual_stack(use_dual_stack)
            .build()
            .map_err(|e| PresignError::Endpoint(e.to_string()))?;
        let endpoint = DefaultResolver::new()
            .resolve_endpoint(&params)
            .await
            .map_err(|e| PresignError::Endpoint(e.to_string()))?;
        Ok(PostPresigner::new(
            bucket,
            endpoint.url(),
            region,
            credentials,
        ))
    }

    /// A presigner posting to `url` (the bucket's endpoint).
    pub fn new(
        bucket: impl Into<String>,
        url: impl Into<String>,
        region: impl Into<String>,
        credentials: SharedCredentialsProvider,
    ) -> PostPresigner {
        PostPresigner {
            bucket: bucket.into(),
            url: url.into(),
            region: region.into(),
            credentials,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A form for `key` with its content type and size limit, valid until `expires_at`.
    pub async fn presign(
        &self,
        key: &str,
        content_type: &str,
        max_bytes: u64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<PresignedPost, PresignError> {
        // Asked per form: role credentials rotate, and the provider caches them.
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| PresignError::Credentials(e.to_string()))?;
        let credentials = SigningCredentials {
            access_key_id: credentials.access_key_id().to_owned(),
            secret_access_key: credentials.secret_access_key().to_owned(),
            session_token: credentials.session_token().map(str::to_owned),
        };
        let form = PostForm {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            content_type: content_type.to_owned(),
            max_bytes,
            expires_at,
        };
        presign_post(&self.url, &form, &credentials, &self.region, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::config::Credentials;

    fn credentials() -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(Credentials::new(
            "AKID",
            "secret",
            Some("token".into()),
            None,
            "test",
        ))
    }

    #[tokio::test]
    async fn resolves_virtual_hosted_urls_on_aws_and_path_style_on_an_ip_endpoint() {
        let aws = PostPresigner::resolve(
            "cfp-pictures",
            "eu-central-1",
            None,
            false,
            false,
            credentials(),
        )
        .await
        .expect("resolved");
        assert_eq!(
            aws.url(),
            "https://cfp-pictures.s3.eu-central-1.amazonaws.com"
        );
        let local = PostPresigner::resolve(
            "cfp-pictures",
            "eu-central-1",
            Some("http://127.0.0.1:5000"),
            false,
            false,
            credentials(),
        )
        .await
        .expect("resolved");
        assert_eq!(local.url(), "http://127.0.0.1:5000/cfp-pictures");
    }

    #[tokio::test]
    async fn forms_carry_the_providers_credentials() {
        let presigner = PostPresigner::new("b", "https://b.example", "eu-central-1", credentials());
        let now = Utc::now();
        let post = presigner
            .presign(
                "k",
                "image/png",
                10,
                now + chrono::Duration::minutes(10),
                now,
            )
            .await
            .expect("signed");
        assert!(post.fields["x-amz-credential"].starts_with("AKID/"));
        assert_eq!(post.fields["x-amz-security-token"], "token");
        assert_eq!(post.fields["key"], "k");
    }
}
