//! S3 ObjectCreated under `pictures/uploads/` (a speaker's picture, posted with the form of
//! create-picture-upload): each upload is checked, thumbnailed, set on its proposal and deleted;
//! junk is deleted and changes nothing. See [`upload_processing`].
//!
//! Every record is processed even when one fails. The invocation fails (and Lambda retries it)
//! only when a backend failed; a retry redoes nothing that was done.

pub mod s3_records;
pub mod upload_processing;

use cfp_domain::picture::{PictureObjects, PictureStore, UploadKey};
use cfp_observability::{Instrument, LogContext};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::s3_records::created_objects;
use crate::upload_processing::{Outcome, process_upload};

/// What the function needs, built once per instance.
pub struct Dependencies<'a> {
    /// The pictures bucket: records about any other bucket are ignored.
    pub bucket: &'a str,
    pub objects: &'a dyn PictureObjects,
    pub pictures: &'a dyn PictureStore,
}

/// The answer: what became of each upload (for logs and `cargo lambda invoke`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub uploads: Vec<UploadReport>,
    pub skipped: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    pub key: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A backend failed for at least one upload; the others were processed.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} uploads could not be processed; the first: {first}")]
pub struct RetryableFailure {
    pub failed: usize,
    pub total: usize,
    pub first: String,
}

pub async fn handle(
    event: Value,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
) -> Result<Report, RetryableFailure> {
    let (objects, skipped) = created_objects(&event);
    for record in &skipped {
        tracing::warn!(index = record.index, reason = %record.reason, "record skipped");
    }
    let mut report = Report {
        uploads: Vec::new(),
        skipped: skipped.len(),
    };
    let mut failures = Vec::new();
    for object in objects {
        if object.bucket != dependencies.bucket {
            tracing::warn!(bucket = %object.bucket, "a record about another bucket, skipped");
            report.skipped += 1;
            continue;
        }
        // The event and proposal the upload is for, in each line about it (when the key is an
        // upload key at all).
        let key = UploadKey::parse(&object.key);
        let proposal = key.as_ref().map(|key| key.proposal.to_string());
        let context = LogContext {
            event: key.as_ref().map(|key| key.event.as_str()),
            proposal: proposal.as_deref(),
            talk: None,
        };
        match process(object.key, dependencies, now)
            .instrument(context.span())
            .await
        {
            Ok(upload) => report.uploads.push(upload),
            Err(error) => failures.push(error),
        }
    }
    match failures.first() {
        None => Ok(report),
        Some(first) => Err(RetryableFailure {
            failed: failures.len(),
            total: failures.len() + report.uploads.len(),
            first: first.clone(),
        }),
    }
}

/// One upload through the pipeline, logged (and counted once its picture is set).
async fn process(
    key: String,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
) -> Result<UploadReport, String> {
    match process_upload(&key, dependencies.objects, dependencies.pictures, now).await {
        Ok(outcome) => {
            tracing::info!(key = %key, outcome = ?outcome, "upload processed");
            if let (Outcome::Applied { .. }, Some(upload)) = (&outcome, UploadKey::parse(&key)) {
                cfp_observability::metrics::picture_processed(upload.event.as_str());
            }
            Ok(UploadReport { key, outcome })
        }
        Err(error) => {
            tracing::error!(key = %key, %error, "upload not processed");
            Err(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::event::EventSlug;
    use cfp_domain::picture::in_memory::{InMemoryObjects, InMemoryPictures};
    use cfp_domain::proposal::{ProposalId, ProposalStatus};
    use cfp_domain::test_data::sample_event;

    const SAMPLE_KEY: &str = "pictures/uploads/devconf-2027/019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c/019a4b3f-0c21-7a55-8e0d-3b4c5d6e7f80";

    fn png() -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(image::RgbImage::new(30, 20))
            .write_to(&mut bytes, image::ImageFormat::Png)
            .expect("png");
        bytes.into_inner()
    }

    fn world() -> (InMemoryObjects, InMemoryPictures) {
        let pictures = InMemoryPictures::default();
        pictures.add(
            &EventSlug::parse("devconf-2027").expect("slug"),
            ProposalId::parse("019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c").expect("id"),
            ProposalStatus::Submitted,
        );
        (InMemoryObjects::default(), pictures)
    }

    #[tokio::test]
    async fn the_sample_event_sets_the_picture() {
        let (objects, pictures) = world();
        objects.insert(SAMPLE_KEY, png());
        let dependencies = Dependencies {
            bucket: "cfp-pictures-example",
            objects: &objects,
            pictures: &pictures,
        };
        let report = handle(
            sample_event("update-cfp-picture"),
            &dependencies,
            Utc::now(),
        )
        .await
        .expect("ok");
        assert_eq!(report.skipped, 0);
        assert_eq!(report.uploads.len(), 1);
        assert_eq!(report.uploads[0].key, SAMPLE_KEY);
        assert!(
            matches!(report.uploads[0].outcome, Outcome::Applied { .. }),
            "{report:?}"
        );
        assert!(objects.get(SAMPLE_KEY).is_none());
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["uploads"][0]["outcome"], "applied");
    }

    #[tokio::test]
    async fn other_buckets_and_odd_events_are_skipped_without_failing() {
        let (objects, pictures) = world();
        objects.insert(SAMPLE_KEY, png());
        let dependencies = Dependencies {
            bucket: "another-bucket",
            objects: &objects,
            pictures: &pictures,
        };
        let report = handle(
            sample_event("update-cfp-picture"),
            &dependencies,
            Utc::now(),
        )
        .await
        .expect("ok");
        assert_eq!(report.skipped, 1);
        assert!(objects.get(SAMPLE_KEY).is_some());
        for odd in [
            serde_json::json!({"Event": "s3:TestEvent", "Bucket": "x"}),
            serde_json::json!({}),
            serde_json::json!("text"),
        ] {
            let report = handle(odd, &dependencies, Utc::now()).await.expect("ok");
            assert!(report.uploads.is_empty());
        }
    }
}
