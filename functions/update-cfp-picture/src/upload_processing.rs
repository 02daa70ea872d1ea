//! One upload through the pipeline: measure, fetch, check and thumbnail, store the thumbnail,
//! point the proposal at it, delete the upload. Junk is deleted and leaves the proposal as it
//! was; only a failing backend is an error (worth a retry). Safe to run twice on one upload.

use cfp_domain::StoreError;
use cfp_domain::picture::{
    MAX_UPLOAD_BYTES, Picture, PictureObjects, PictureStore, PictureUpdate, UploadKey,
};
use cfp_images::{PictureLimits, thumbnail};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What became of one upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Outcome {
    /// The proposal points at the new thumbnail.
    Applied { thumbnail_key: String },
    /// A redelivery: the proposal pointed at this upload's thumbnail already.
    AlreadyApplied { thumbnail_key: String },
    /// A later upload's picture is in place already; this one was dropped.
    Superseded,
    /// Not a picture within limits, or for no (live) proposal: deleted.
    Refused { reason: String },
    /// The upload is gone already (processed before).
    Missing,
}

/// Limits for speakers' pictures; the byte limit is the one the upload form enforces.
pub const LIMITS: PictureLimits = PictureLimits {
    max_bytes: MAX_UPLOAD_BYTES,
    ..PictureLimits::SPEAKER_PICTURE
};

/// Runs the pipeline for the object at `raw_key` (decoded) in the pictures bucket.
pub async fn process_upload(
    raw_key: &str,
    objects: &dyn PictureObjects,
    pictures: &dyn PictureStore,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let Some(key) = UploadKey::parse(raw_key) else {
        return refuse(objects, raw_key, "not an upload key".to_owned()).await;
    };
    let Some(size) = objects.size_of(raw_key).await? else {
        return Ok(Outcome::Missing);
    };
    if size > LIMITS.max_bytes {
        let reason = format!("{size} bytes, more than {}", LIMITS.max_bytes);
        return refuse(objects, raw_key, reason).await;
    }
    let Some(bytes) = objects.fetch(raw_key, LIMITS.max_bytes).await? else {
        return Ok(Outcome::Missing);
    };
    let made = match thumbnail(&bytes, &LIMITS) {
        Ok(made) => made,
        Err(error) => return refuse(objects, raw_key, error.to_string()).await,
    };
    let thumbnail_key = key.thumbnail_key(&digest(&key, &bytes), made.format.extension());
    objects
        .put(&thumbnail_key, made.bytes, made.format.media_type())
        .await?;
    let picture = Picture {
        thumbnail_key: thumbnail_key.clone(),
        content_type: made.format.media_type().to_owned(),
        width: made.side,
        height: made.side,
        upload: key.upload,
        updated_at: now,
    };
    let outcome = match pictures
        .set_picture(&key.event, key.proposal, &picture)
        .await?
    {
        PictureUpdate::Applied { replaced } => {
            if let Some(old) = replaced.filter(|old| *old != thumbnail_key) {
                objects.delete(&old).await?;
            }
            Outcome::Applied { thumbnail_key }
        }
        PictureUpdate::AlreadyApplied => Outcome::AlreadyApplied { thumbnail_key },
        update @ (PictureUpdate::Superseded | PictureUpdate::ProposalGone) => {
            // The thumbnail's name is this upload's own: nothing else refers to it.
            objects.delete(&thumbnail_key).await?;
            match update {
                PictureUpdate::Superseded => Outcome::Superseded,
                _ => Outcome::Refused {
                    reason: "no such proposal, or it was withdrawn".to_owned(),
                },
            }
        }
    };
    // Last: if anything above failed, the retry finds the upload still there.
    objects.delete(raw_key).await?;
    Ok(outcome)
}

async fn refuse(
    objects: &dyn PictureObjects,
    raw_key: &str,
    reason: String,
) -> Result<Outcome, StoreError> {
    objects.delete(raw_key).await?;
    Ok(Outcome::Refused { reason })
}

/// Names the thumbnail after the upload and its content: the same upload always gets the same
/// name, and no two uploads share one.
fn digest(key: &UploadKey, bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key.to_string().as_bytes());
    hasher.update([0]);
    hasher.update(bytes);
    hex::encode(&hasher.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::event::EventSlug;
    use cfp_domain::picture::UploadId;
    use cfp_domain::picture::in_memory::{InMemoryObjects, InMemoryPictures};
    use cfp_domain::proposal::{ProposalId, ProposalStatus};
    use image::{DynamicImage, ImageFormat, RgbImage};
    use std::io::Cursor;

    pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut bytes = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut bytes, ImageFormat::Png)
            .expect("png");
        bytes.into_inner()
    }

    struct World {
        objects: InMemoryObjects,
        pictures: InMemoryPictures,
        event: EventSlug,
        proposal: ProposalId,
    }

    fn world() -> World {
        let world = World {
            objects: InMemoryObjects::default(),
            pictures: InMemoryPictures::default(),
            event: EventSlug::parse("devconf-2027").expect("slug"),
            proposal: ProposalId::generate(),
        };
        world
            .pictures
            .add(&world.event, world.proposal, ProposalStatus::Submitted);
        world
    }

    impl World {
        fn upload(&self, bytes: Vec<u8>) -> String {
            let key = UploadKey {
                event: self.event.clone(),
                proposal: self.proposal,
                upload: UploadId::generate(),
            }
            .to_string();
            self.objects.insert(&key, bytes);
            key
        }

        async fn process(&self, key: &str) -> Outcome {
            process_upload(key, &self.objects, &self.pictures, Utc::now())
                .await
                .expect("no backend failure")
        }

        fn version(&self) -> u32 {
            self.pictures
                .target(&self.event, self.proposal)
                .expect("target")
                .version
        }
    }

    #[tokio::test]
    async fn a_picture_becomes_a_thumbnail_and_the_upload_goes() {
        let world = world();
        let key = world.upload(png(800, 600));
        let Outcome::Applied { thumbnail_key } = world.process(&key).await else {
            panic!("not applied");
        };
        assert!(thumbnail_key.starts_with(&format!(
            "pictures/thumbnails/devconf-2027/{}/",
            world.proposal
        )));
        assert!(thumbnail_key.ends_with(".jpg"));
        assert_eq!(world.objects.keys(), vec![thumbnail_key.clone()]);
        let (bytes, content_type) = world.objects.get(&thumbnail_key).expect("thumbnail");
        assert_eq!(content_type, "image/jpeg");
        let thumb = image::load_from_memory(&bytes).expect("decodes");
        assert_eq!((thumb.width(), thumb.height()), (400, 400));
        let target = world
            .pictures
            .target(&world.event, world.proposal)
            .expect("target");
        assert_eq!(target.version, 2);
        let picture = target.picture.expect("a picture");
        assert_eq!((picture.width, picture.height), (400, 400));
        assert_eq!(picture.thumbnail_key, thumbnail_key);
    }

    #[tokio::test]
    async fn a_redelivery_changes_nothing() {
        let world = world();
        let bytes = png(50, 50);
        let key = world.upload(bytes.clone());
        let first = world.process(&key).await;
        // Delivered again after the upload was deleted: nothing to do.
        assert_eq!(world.process(&key).await, Outcome::Missing);
        // Delivered again before the upload was deleted (a crash between the update and the
        // delete): same thumbnail, no second version bump.
        world.objects.insert(&key, bytes);
        let Outcome::Applied { thumbnail_key } = first else {
            panic!("{first:?}")
        };
        assert_eq!(
            world.process(&key).await,
            Outcome::AlreadyApplied {
                thumbnail_key: thumbnail_key.clone()
            }
        );
        assert_eq!(world.version(), 2);
        assert_eq!(world.objects.keys(), vec![thumbnail_key]);
    }

    #[tokio::test]
    async fn a_new_picture_replaces_the_old_thumbnail_and_a_stale_one_is_dropped() {
        let world = world();
        let older = world.upload(png(40, 40));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let newer = world.upload(png(60, 60));
        let Outcome::Applied { thumbnail_key } = world.process(&newer).await else {
            panic!("newer not applied")
        };
        assert_eq!(world.process(&older).await, Outcome::Superseded);
        assert_eq!(world.objects.keys(), vec![thumbnail_key.clone()]);
        assert_eq!(world.version(), 2);

        let latest = world.upload(png(70, 70));
        let Outcome::Applied {
            thumbnail_key: latest_thumbnail,
        } = world.process(&latest).await
        else {
            panic!("latest not applied")
        };
        assert_eq!(world.objects.keys(), vec![latest_thumbnail]);
        assert_eq!(world.version(), 3);
    }

    #[tokio::test]
    async fn junk_is_deleted_and_the_proposal_left_alone() {
        let world = world();
        let mut truncated = png(300, 300);
        truncated.truncate(truncated.len() / 2);
        let cases: Vec<Vec<u8>> = vec![
            b"just text".to_vec(),
            truncated,
            vec![0u8; (MAX_UPLOAD_BYTES + 1) as usize],
            {
                // A PNG header claiming 100000x100000.
                let mut png = png(1, 1);
                png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
                png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
                png
            },
        ];
        for bytes in cases {
            let key = world.upload(bytes);
            let outcome = world.process(&key).await;
            assert!(matches!(outcome, Outcome::Refused { .. }), "{outcome:?}");
            assert!(
                world.objects.keys().is_empty(),
                "{:?}",
                world.objects.keys()
            );
        }
        assert_eq!(world.version(), 1);
        assert!(
            world
                .pictures
                .target(&world.event, world.proposal)
                .expect("t")
                .picture
                .is_none()
        );
    }

    #[tokio::test]
    async fn uploads_for_unknown_or_withdrawn_proposals_and_odd_keys_are_deleted() {
        let world = world();
        let unknown = UploadKey {
            event: world.event.clone(),
            proposal: ProposalId::generate(),
            upload: UploadId::generate(),
        }
        .to_string();
        world.objects.insert(&unknown, png(20, 20));
        assert!(matches!(
            world.process(&unknown).await,
            Outcome::Refused { .. }
        ));

        let withdrawn = ProposalId::generate();
        world
            .pictures
            .add(&world.event, withdrawn, ProposalStatus::Withdrawn);
        let key = UploadKey {
            event: world.event.clone(),
            proposal: withdrawn,
            upload: UploadId::generate(),
        }
        .to_string();
        world.objects.insert(&key, png(20, 20));
        assert!(matches!(world.process(&key).await, Outcome::Refused { .. }));

        world
            .objects
            .insert("pictures/uploads/whatever.png", png(20, 20));
        assert!(matches!(
            world.process("pictures/uploads/whatever.png").await,
            Outcome::Refused { .. }
        ));
        assert!(
            world.objects.keys().is_empty(),
            "{:?}",
            world.objects.keys()
        );
    }
}
