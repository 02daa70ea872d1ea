//! Browser-based uploads: a POST policy (what the form may upload) signed with SigV4, as
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html> describes.
//! Pure: the credentials and the time come in, the form fields go out.

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::PresignError;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "s3";

/// What one form may upload: exactly this key, this content type, at most this many bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostForm {
    pub bucket: String,
    pub key: String,
    pub content_type: String,
    pub max_bytes: u64,
    pub expires_at: DateTime<Utc>,
}

/// The signer's credentials; a session token (a Lambda role's) goes into the policy and form.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// `{url, fields, expiresAt}`: POST `fields` and then the file (as the last part, named `file`)
/// to `url` as multipart/form-data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresignedPost {
    pub url: String,
    pub fields: BTreeMap<String, String>,
    pub expires_at: String,
}

/// The signature of a base64-encoded policy: HMAC-SHA256 under the SigV4 signing key of that
/// day, Region and S3, in hex.
pub fn sign_policy(
    encoded_policy: &str,
    secret_access_key: &str,
    signed_at: DateTime<Utc>,
    region: &str,
) -> String {
    let key = aws_sigv4::sign::v4::generate_signing_key(
        secret_access_key,
        SystemTime::from(signed_at),
        region,
        SERVICE,
    );
    aws_sigv4::sign::v4::calculate_signature(key, encoded_policy.as_bytes())
}

/// The policy document `form` stands for, signed by `credentials` at `now`.
pub fn policy_document(
    form: &PostForm,
    credentials: &SigningCredentials,
    region: &str,
    now: DateTime<Utc>,
) -> Value {
    let (credential, amz_date) = credential_and_date(credentials, region, now);
    let mut conditions = vec![
        json!({"bucket": form.bucket}),
        json!({"key": form.key}),
        json!({"Content-Type": form.content_type}),
        json!(["content-length-range", 1, form.max_bytes]),
        json!({"x-amz-algorithm": ALGORITHM}),
        json!({"x-amz-credential": credential}),
        json!({"x-amz-date": amz_date}),
    ];
    if let Some(token) = &credentials.session_token {
        conditions.push(json!({"x-amz-security-token": token}));
    }
    json!({
        "expiration": form.expires_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "conditions": conditions,
    })
}

fn credential_and_date(
    credentials: &SigningCredentials,
    region: &str,
    now: DateTime<Utc>,
) -> (String, String) {
    let credential = format!(
        "{}/{}/{region}/{SERVICE}/aws4_request",
        credentials.access_key_id,
        now.format("%Y%m%d")
    );
    (credential, now.format("%Y%m%dT%H%M%SZ").to_string())
}

/// The form fields for `form`, to be posted to `url`.
pub fn presign_post(
    url: &str,
    form: &PostForm,
    credentials: &SigningCredentials,
    region: &str,
    now: DateTime<Utc>,
) -> Result<PresignedPost, PresignError> {
    let policy = policy_document(form, credentials, region, now);
    let policy = serde_json::to_vec(&policy).map_err(|e| PresignError::Policy(e.to_string()))?;
    let encoded = STANDARD.encode(policy);
    let signature = sign_policy(&encoded, &credentials.secret_access_key, now, region);
    let (credential, amz_date) = credential_and_date(credentials, region, now);
    let mut fields = BTreeMap::from([
        ("key".to_owned(), form.key.clone()),
        ("Content-Type".to_owned(), form.content_type.clone()),
        ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
        ("x-amz-credential".to_owned(), credential),
        ("x-amz-date".to_owned(), amz_date),
        ("policy".to_owned(), encoded),
        ("x-amz-signature".to_owned(), signature),
    ]);
    if let Some(token) = &credentials.session_token {
        fields.insert("x-amz-security-token".to_owned(), token.clone());
    }
    Ok(PresignedPost {
        url: url.to_owned(),
        fields,
        expires_at: form.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The worked example of the S3 API reference ("Example: Browser-Based Upload using HTTP
    /// POST (Using AWS Signature Version 4)"): its base64 policy and the signature it documents.
    #[test]
    fn signs_the_documented_example() {
        let encoded = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
        let at = Utc
            .with_ymd_and_hms(2015, 12, 29, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(
            sign_policy(
                encoded,
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                at,
                "us-east-1"
            ),
            "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
        );
    }

    fn form(now: DateTime<Utc>) -> PostForm {
        PostForm {
            bucket: "pictures-bucket".into(),
            key: "pictures/uploads/devconf-2027/p/u".into(),
            content_type: "image/png".into(),
            max_bytes: 5 * 1024 * 1024,
            expires_at: now + chrono::Duration::minutes(10),
        }
    }

    fn credentials(token: Option<&str>) -> SigningCredentials {
        SigningCredentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(str::to_owned),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 5)
            .single()
            .expect("time")
    }

    #[test]
    fn the_policy_binds_key_type_size_and_expiry() {
        let policy = policy_document(&form(now()), &credentials(None), "eu-central-1", now());
        assert_eq!(policy["expiration"], "2026-11-02T09:40:05.000Z");
        let conditions = policy["conditions"].as_array().expect("conditions");
        for expected in [
            json!({"bucket": "pictures-bucket"}),
            json!({"key": "pictures/uploads/devconf-2027/p/u"}),
            json!({"Content-Type": "image/png"}),
            json!(["content-length-range", 1, 5_242_880]),
            json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
            json!({"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20261102/eu-central-1/s3/aws4_request"}),
            json!({"x-amz-date": "20261102T093005Z"}),
        ] {
            assert!(
                conditions.contains(&expected),
                "{expected} missing from {policy}"
            );
        }
        // Exact matches only: no starts-with that would let the form write anywhere else.
        assert!(!policy.to_string().contains("starts-with"), "{policy}");
        assert!(!policy.to_string().contains("security-token"), "{policy}");
    }

    #[test]
    fn a_session_token_goes_into_policy_and_fields() {
        let credentials = credentials(Some("FwoGZXIvYXdzE-token"));
        let post = presign_post(
            "https://b.example",
            &form(now()),
            &credentials,
            "eu-central-1",
            now(),
        )
        .expect("signed");
        assert_eq!(
            post.fields.get("x-amz-security-token").map(String::as_str),
            Some("FwoGZXIvYXdzE-token")
        );
        let policy: Value =
            serde_json::from_slice(&STANDARD.decode(&post.fields["policy"]).expect("base64"))
                .expect("json");
        assert!(
            policy["conditions"]
                .as_array()
                .expect("conditions")
                .contains(&json!({"x-amz-security-token": "FwoGZXIvYXdzE-token"})),
            "{policy}"
        );
    }

    #[test]
    fn the_fields_carry_the_signed_policy_and_its_signature() {
        let post = presign_post(
            "https://b.example/",
            &form(now()),
            &credentials(None),
            "eu-central-1",
            now(),
        )
        .expect("signed");
        assert_eq!(post.url, "https://b.example/");
        assert_eq!(post.expires_at, "2026-11-02T09:40:05Z");
        let fields = &post.fields;
        assert_eq!(fields["key"], "pictures/uploads/devconf-2027/p/u");
        assert_eq!(fields["Content-Type"], "image/png");
        assert_eq!(fields["x-amz-algorithm"], "AWS4-HMAC-SHA256");
        assert_eq!(
            fields["x-amz-credential"],
            "AKIAIOSFODNN7EXAMPLE/20261102/eu-central-1/s3/aws4_request"
        );
        assert_eq!(fields["x-amz-date"], "20261102T093005Z");
        // The signature is the policy's, as S3 recomputes it from the form.
        assert_eq!(
            fields["x-amz-signature"],
            sign_policy(
                &fields["policy"],
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                now(),
                "eu-central-1"
            )
        );
        assert_eq!(fields["x-amz-signature"].len(), 64);
        // Another secret, day or Region signs differently.
        let other = sign_policy(&fields["policy"], "other", now(), "eu-central-1");
        assert_ne!(fields["x-amz-signature"], other);
        let next_day = sign_policy(
            &fields["policy"],
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            now() + chrono::Duration::days(1),
            "eu-central-1",
        );
        assert_ne!(fields["x-amz-signature"], next_day);
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let shown = format!("{:?}", credentials(Some("tok")));
        assert!(
            !shown.contains("wJalr") && !shown.contains("tok"),
            "{shown}"
        );
    }
}
