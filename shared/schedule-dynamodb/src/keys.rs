//! Key, entity and attribute names of the table layout, in one place.

use cfp_schedule::{ReleaseNumber, TalkId};
use uuid::Uuid;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";
pub(crate) const ENTITY: &str = "entity";
pub(crate) const EVENT_SLUG: &str = "eventSlug";
pub(crate) const VERSION: &str = "version";
/// The table's TTL attribute (epoch seconds), as template.yaml declares it.
pub(crate) const EXPIRES_AT: &str = "expiresAt";
/// A draft's or a release chunk's gzip-compressed bytes.
pub(crate) const BODY: &str = "body";

pub(crate) const EVENT_ENTITY: &str = "event";
pub(crate) const TALK_ENTITY: &str = "talk";
pub(crate) const TALK_NUMBER_ENTITY: &str = "talk-number";
pub(crate) const DRAFT_ENTITY: &str = "draft";
/// updateSearchIndex's stream filter selects new releases by this value: keep them in step.
pub(crate) const RELEASE_ENTITY: &str = "release";
pub(crate) const RELEASE_CHUNK_ENTITY: &str = "release-chunk";

pub(crate) const EVENT_SK: &str = "EVENT";
pub(crate) const TALK_NUMBER_SK: &str = "TALKNUMBER";
pub(crate) const DRAFT_SK: &str = "DRAFT";
pub(crate) const TALK_SK_PREFIX: &str = "TALK#";
/// `RELEASE#` and `RELEASECHUNK#` differ in their 8th character, so a `begins_with` on the one
/// never meets the other.
pub(crate) const RELEASE_SK_PREFIX: &str = "RELEASE#";
const RELEASE_CHUNK_SK_PREFIX: &str = "RELEASECHUNK#";

pub(crate) fn event_pk(event: &str) -> String {
    format!("EVENT#{event}")
}

pub(crate) fn talk_sk(talk: TalkId) -> String {
    format!("{TALK_SK_PREFIX}{talk}")
}

/// Zero-padded so that the sort key orders releases by number.
pub(crate) fn release_sk(number: ReleaseNumber) -> String {
    format!("{RELEASE_SK_PREFIX}{:010}", number.get())
}

/// The prefix of one release attempt's chunks.
pub(crate) fn release_chunk_prefix(number: ReleaseNumber, attempt: Uuid) -> String {
    format!("{RELEASE_CHUNK_SK_PREFIX}{:010}#{attempt}#", number.get())
}

pub(crate) fn release_chunk_sk(number: ReleaseNumber, attempt: Uuid, index: usize) -> String {
    format!("{}{index:04}", release_chunk_prefix(number, attempt))
}

/// "pk / sk", for error messages about one item.
pub(crate) fn describe(pk: &str, sk: &str) -> String {
    format!("{pk} / {sk}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_keys_sort_by_number_and_never_match_each_other() {
        let n = |n| ReleaseNumber::new(n).expect("number");
        assert_eq!(release_sk(n(7)), "RELEASE#0000000007");
        assert!(release_sk(n(9)) < release_sk(n(10)));
        assert!(release_sk(n(10)) < release_sk(n(u32::MAX)));
        let attempt = Uuid::nil();
        let chunk = release_chunk_sk(n(7), attempt, 3);
        assert_eq!(
            chunk,
            "RELEASECHUNK#0000000007#00000000-0000-0000-0000-000000000000#0003"
        );
        assert!(!chunk.starts_with(RELEASE_SK_PREFIX));
        assert!(chunk.starts_with(&release_chunk_prefix(n(7), attempt)));
        assert!(
            !release_chunk_sk(n(70), attempt, 0).starts_with(&release_chunk_prefix(n(7), attempt))
        );
    }
}
