//! Speakers' pictures: where uploads and thumbnails live in the bucket, what a speaker may ask
//! to upload, and the ports the picture pipeline needs (the proposal's picture, the objects).
//!
//! The owner of a proposal asks for an upload form ([`request_picture_upload`]); the browser
//! posts the file straight to the bucket under an [`UploadKey`]; the upload's notification runs
//! the pipeline, which checks the bytes, writes a thumbnail, points the proposal at it
//! ([`PictureStore::set_picture`]) and deletes the upload.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{CfpError, StoreError};
use crate::event::EventSlug;
use crate::ports::ProposalStore;
use crate::proposal::ProposalId;
use crate::validation::FieldError;

/// The largest upload accepted (the presigned POST's `content-length-range` and the pipeline's
/// own check).
pub const MAX_UPLOAD_BYTES: u64 = 5 * 1024 * 1024;
/// How long an upload form stays valid.
pub const UPLOAD_FORM_LIFETIME: Duration = Duration::minutes(10);
/// Raw uploads; the template's notification filter and lifecycle rule use the same prefix.
pub const UPLOADS_PREFIX: &str = "pictures/uploads/";
pub const THUMBNAILS_PREFIX: &str = "pictures/thumbnails/";

/// The media types a speaker may upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureContentType {
    Jpeg,
    Png,
    WebP,
}

impl PictureContentType {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "image/jpeg" => Ok(PictureContentType::Jpeg),
            "image/png" => Ok(PictureContentType::Png),
            "image/webp" => Ok(PictureContentType::WebP),
            _ => Err(FieldError::new(
                "contentType",
                "must be image/jpeg, image/png or image/webp",
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            PictureContentType::Jpeg => "image/jpeg",
            PictureContentType::Png => "image/png",
            PictureContentType::WebP => "image/webp",
        }
    }
}

/// `POST /events/{event}/cfps/{id}/picture`'s body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PictureUploadRequest {
    pub content_type: String,
}

/// One upload: a UUID v7, so that of two uploads for a proposal the later one sorts last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadId(Uuid);

impl UploadId {
    pub fn generate() -> Self {
        UploadId(Uuid::now_v7())
    }

    /// The hyphenated form only, as handed out.
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 36)
            .then(|| Uuid::try_parse(raw).ok())
            .flatten()
            .map(UploadId)
    }
}

impl std::fmt::Display for UploadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// `pictures/uploads/<event>/<proposal id>/<upload id>`: the one key an upload form allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadKey {
    pub event: EventSlug,
    pub proposal: ProposalId,
    pub upload: UploadId,
}

impl UploadKey {
    /// The key as the pipeline receives it (already decoded from the notification's encoding);
    /// `None` for anything that is not exactly an upload key.
    pub fn parse(key: &str) -> Option<UploadKey> {
        let rest = key.strip_prefix(UPLOADS_PREFIX)?;
        let mut parts = rest.split('/');
        let (event, proposal, upload) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(UploadKey {
            event: EventSlug::parse(event).ok()?,
            proposal: ProposalId::parse(proposal).ok()?,
            upload: UploadId::parse(upload)?,
        })
    }

    pub fn thumbnail_key(&self, digest: &str, extension: &str) -> String {
        format!(
            "{THUMBNAILS_PREFIX}{}/{}/{digest}.{extension}",
            self.event, self.proposal
        )
    }
}

impl std::fmt::Display for UploadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{UPLOADS_PREFIX}{}/{}/{}",
            self.event, self.proposal, self.upload
        )
    }
}

/// What an upload form is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureUpload {
    pub key: UploadKey,
    pub content_type: PictureContentType,
    pub max_bytes: u64,
    pub expires_at: DateTime<Utc>,
}

/// The owner of a proposal asks to upload a picture for it.
pub async fn request_picture_upload(
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    id: &str,
    request: PictureUploadRequest,
    now: DateTime<Utc>,
) -> Result<PictureUpload, CfpError> {
    let slug = EventSlug::parse(slug).map_err(|_| CfpError::EventNotFound(slug.to_owned()))?;
    let id = ProposalId::parse(id).map_err(|_| CfpError::ProposalNotFound)?;
    let proposal = proposals
        .get_proposal(&slug, id)
        .await?
        .ok_or(CfpError::ProposalNotFound)?;
    if !caller.owns(&proposal) {
        return Err(CfpError::Forbidden(
            "only the speaker may upload the proposal's picture",
        ));
    }
    // An upload for a proposal that takes no picture would only be stored for nothing.
    if !proposal.status.takes_pictures() {
        return Err(CfpError::InvalidTransition {
            status: proposal.status.as_str(),
            action: "given a picture",
        });
    }
    let content_type = PictureContentType::parse(&request.content_type)
        .map_err(|e| CfpError::Validation(vec![e]))?;
    Ok(PictureUpload {
        key: UploadKey {
            event: slug,
            proposal: id,
            upload: UploadId::generate(),
        },
        content_type,
        max_bytes: MAX_UPLOAD_BYTES,
        expires_at: now + UPLOAD_FORM_LIFETIME,
    })
}

/// The proposal's picture, as the pipeline sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub thumbnail_key: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// The upload it was made from: a redelivered notification of it changes nothing.
    pub upload: UploadId,
    pub updated_at: DateTime<Utc>,
}

/// What [`PictureStore::set_picture`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PictureUpdate {
    /// The proposal points at the new picture; its version went up by one. `replaced` is the
    /// thumbnail it pointed at before, if any: nothing refers to it any more.
    Applied { replaced: Option<String> },
    /// It already pointed at this very upload's picture (a redelivery).
    AlreadyApplied,
    /// It points at a later upload's picture already; this one is stale.
    Superseded,
    /// No such proposal, or one that takes no picture (withdrawn or rejected).
    ProposalGone,
}

#[async_trait]
pub trait PictureStore: Send + Sync {
    /// Points the proposal at `picture` and bumps its version, only if the proposal exists,
    /// takes pictures, and has no picture from this or a later upload.
    async fn set_picture(
        &self,
        event: &EventSlug,
        id: ProposalId,
        picture: &Picture,
    ) -> Result<PictureUpdate, StoreError>;
}

/// The pictures bucket, as the pipeline uses it.
#[async_trait]
pub trait PictureObjects: Send + Sync {
    /// The object's size; `None` when it does not exist (any more).
    async fn size_of(&self, key: &str) -> Result<Option<u64>, StoreError>;
    /// The object's bytes, at most `max_bytes + 1` of them (so that an object that grew past
    /// the limit after it was measured still shows as too large); `None` when it does not exist.
    async fn fetch(&self, key: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, StoreError>;
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    /// Deleting what is not there is no error.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
}

/// In-memory adapters of the picture ports, for handler tests.
#[cfg(any(test, feature = "in-memory"))]
pub mod in_memory {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::Mutex;

    use super::*;
    use crate::proposal::ProposalStatus;

    /// A proposal's status, version and picture: what `set_picture` looks at.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PictureTarget {
        pub status: ProposalStatus,
        pub version: u32,
        pub picture: Option<Picture>,
    }

    #[derive(Debug, Default)]
    pub struct InMemoryPictures {
        targets: Mutex<HashMap<(EventSlug, ProposalId), PictureTarget>>,
    }

    impl InMemoryPictures {
        pub fn add(&self, event: &EventSlug, id: ProposalId, status: ProposalStatus) {
            let target = PictureTarget {
                status,
                version: 1,
                picture: None,
            };
            self.lock().insert((event.clone(), id), target);
        }

        pub fn target(&self, event: &EventSlug, id: ProposalId) -> Option<PictureTarget> {
            self.lock().get(&(event.clone(), id)).cloned()
        }

        fn lock(
            &self,
        ) -> std::sync::MutexGuard<'_, HashMap<(EventSlug, ProposalId), PictureTarget>> {
            self.targets.lock().unwrap_or_else(|p| p.into_inner())
        }
    }

    #[async_trait]
    impl PictureStore for InMemoryPictures {
        async fn set_picture(
            &self,
            event: &EventSlug,
            id: ProposalId,
            picture: &Picture,
        ) -> Result<PictureUpdate, StoreError> {
            let mut targets = self.lock();
            let Some(target) = targets.get_mut(&(event.clone(), id)) else {
                return Ok(PictureUpdate::ProposalGone);
            };
            if !target.status.takes_pictures() {
                return Ok(PictureUpdate::ProposalGone);
            }
            match target.picture.as_ref().map(|p| p.upload) {
                Some(current) if current == picture.upload => Ok(PictureUpdate::AlreadyApplied),
                Some(current) if current > picture.upload => Ok(PictureUpdate::Superseded),
                _ => {
                    let replaced = target.picture.replace(picture.clone());
                    target.version += 1;
                    Ok(PictureUpdate::Applied {
                        replaced: replaced.map(|p| p.thumbnail_key),
                    })
                }
            }
        }
    }

    /// Objects by key, with their content types.
    #[derive(Debug, Default)]
    pub struct InMemoryObjects {
        objects: Mutex<BTreeMap<String, (Vec<u8>, String)>>,
    }

    impl InMemoryObjects {
        fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (Vec<u8>, String)>> {
            self.objects.lock().unwrap_or_else(|p| p.into_inner())
        }

        pub fn insert(&self, key: &str, bytes: Vec<u8>) {
            self.lock()
                .insert(key.to_owned(), (bytes, "application/octet-stream".into()));
        }

        pub fn get(&self, key: &str) -> Option<(Vec<u8>, String)> {
            self.lock().get(key).cloned()
        }

        pub fn keys(&self) -> Vec<String> {
            self.lock().keys().cloned().collect()
        }
    }

    #[async_trait]
    impl PictureObjects for InMemoryObjects {
        async fn size_of(&self, key: &str) -> Result<Option<u64>, StoreError> {
            Ok(self.lock().get(key).map(|(bytes, _)| bytes.len() as u64))
        }

        async fn fetch(&self, key: &str, max_bytes: u64) -> Result<Option<Vec<u8>>, StoreError> {
            let keep = usize::try_from(max_bytes.saturating_add(1)).unwrap_or(usize::MAX);
            Ok(self
                .lock()
                .get(key)
                .map(|(bytes, _)| bytes.iter().take(keep).copied().collect()))
        }

        async fn put(
            &self,
            key: &str,
            bytes: Vec<u8>,
            content_type: &str,
        ) -> Result<(), StoreError> {
            self.lock()
                .insert(key.to_owned(), (bytes, content_type.to_owned()));
            Ok(())
        }

        async fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.lock().remove(key);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::test_data;

    #[test]
    fn upload_keys_round_trip_and_nothing_else_parses() {
        let key = UploadKey {
            event: EventSlug::parse("devconf-2027").expect("slug"),
            proposal: ProposalId::generate(),
            upload: UploadId::generate(),
        };
        let text = key.to_string();
        assert!(text.starts_with("pictures/uploads/devconf-2027/"), "{text}");
        assert_eq!(UploadKey::parse(&text), Some(key.clone()));
        for bad in [
            String::new(),
            "pictures/uploads/".into(),
            format!("{text}/more"),
            text.replace("uploads", "thumbnails"),
            format!("pictures/uploads/devconf-2027/{}", key.proposal),
            format!("pictures/uploads/Dev Conf/{}/{}", key.proposal, key.upload),
            format!("pictures/uploads/devconf-2027/{}/x", key.proposal),
        ] {
            assert_eq!(UploadKey::parse(&bad), None, "{bad:?}");
        }
        assert_eq!(
            key.thumbnail_key("abc", "jpg"),
            format!("pictures/thumbnails/devconf-2027/{}/abc.jpg", key.proposal)
        );
    }

    #[test]
    fn later_uploads_sort_later() {
        let first = UploadId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(UploadId::generate() > first);
    }

    async fn store() -> (InMemoryStore, ProposalId) {
        let store = InMemoryStore::with_event(test_data::event());
        let proposal = test_data::proposal();
        store.insert_proposal(&proposal).await.expect("stored");
        (store, proposal.id)
    }

    fn body(content_type: &str) -> PictureUploadRequest {
        PictureUploadRequest {
            content_type: content_type.into(),
        }
    }

    #[tokio::test]
    async fn the_owner_gets_a_form_bound_to_a_fresh_key() {
        let (store, id) = store().await;
        let now = test_data::before_close();
        let upload = request_picture_upload(
            &store,
            &test_data::speaker(),
            "devconf-2027",
            &id.to_string(),
            body("image/webp"),
            now,
        )
        .await
        .expect("a form");
        assert_eq!(upload.key.proposal, id);
        assert_eq!(upload.content_type, PictureContentType::WebP);
        assert_eq!(upload.max_bytes, MAX_UPLOAD_BYTES);
        assert_eq!(upload.expires_at, now + Duration::minutes(10));
    }

    #[tokio::test]
    async fn withdrawn_and_rejected_proposals_get_no_form_submitted_and_confirmed_do() {
        let now = test_data::before_close();
        let submitted = test_data::proposal();
        let by = test_data::admin().user_id;
        let confirmed = submitted
            .decide(crate::proposal::Action::Confirm, &by, now)
            .expect("confirmed");
        let rejected = submitted
            .decide(crate::proposal::Action::Reject, &by, now)
            .expect("rejected");
        let withdrawn = submitted.withdraw(now).expect("withdrawn");
        for (proposal, accepted) in [
            (submitted, true),
            (confirmed, true),
            (rejected, false),
            (withdrawn, false),
        ] {
            let store = InMemoryStore::with_event(test_data::event());
            store.insert_proposal(&proposal).await.expect("stored");
            let result = request_picture_upload(
                &store,
                &test_data::speaker(),
                "devconf-2027",
                &proposal.id.to_string(),
                body("image/png"),
                now,
            )
            .await;
            let status = proposal.status.as_str();
            if accepted {
                assert!(result.is_ok(), "{status}: {result:?}");
            } else {
                match result {
                    Err(error @ CfpError::InvalidTransition { .. }) => assert_eq!(
                        error.to_string(),
                        format!("a {status} proposal cannot be given a picture")
                    ),
                    other => panic!("{status}: {other:?}"),
                }
            }
        }
    }

    #[tokio::test]
    async fn others_are_forbidden_bad_types_invalid_unknown_ids_not_found() {
        let (store, id) = store().await;
        let now = test_data::before_close();
        let id = id.to_string();
        for caller in [test_data::other_speaker(), test_data::admin()] {
            let result = request_picture_upload(
                &store,
                &caller,
                "devconf-2027",
                &id,
                body("image/png"),
                now,
            )
            .await;
            assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        }
        for bad in ["image/gif", "image/svg+xml", "", "IMAGE/PNG", "text/html"] {
            let result = request_picture_upload(
                &store,
                &test_data::speaker(),
                "devconf-2027",
                &id,
                body(bad),
                now,
            )
            .await;
            assert!(
                matches!(&result, Err(CfpError::Validation(e)) if e[0].field == "contentType"),
                "{bad}: {result:?}"
            );
        }
        let missing = ProposalId::generate().to_string();
        for (slug, id) in [
            ("devconf-2027", missing.as_str()),
            ("devconf-2027", "x"),
            ("other", id.as_str()),
        ] {
            let result = request_picture_upload(
                &store,
                &test_data::speaker(),
                slug,
                id,
                body("image/png"),
                now,
            )
            .await;
            assert!(
                matches!(
                    result,
                    Err(CfpError::ProposalNotFound | CfpError::EventNotFound(_))
                ),
                "{result:?}"
            );
        }
    }
}
