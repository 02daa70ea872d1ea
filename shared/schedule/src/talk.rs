//! The schedule's own copy of a confirmed talk: what the public schedule shows of it, never an
//! e-mail address or the proposal's owner.

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::InvalidInput;

/// A talk's id: its proposal's UUID. It doubles as the talk's `guid` in the exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TalkId(Uuid);

impl TalkId {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Uuid::try_parse(raw)
            .map(TalkId)
            .map_err(|_| InvalidInput::one("talkId", "must be a UUID"))
    }

    pub fn new(id: Uuid) -> Self {
        TalkId(id)
    }

    pub fn uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for TalkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The stable positive integer frab and c3voc want as an event's `id`.
///
/// Allocated (1, 2, ...) per event the first time the schedule hears of a talk and kept forever
/// after, also when the talk is withdrawn and confirmed again. Allocation rather than a hash of
/// the UUID: apps read this id into 32-bit integers, and 31 hash bits would collide for a
/// thousand talks with a chance of about 1 in 4,000 - which the XSD's uniqueness rule would
/// reject. The store allocates it atomically (a per-event counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TalkNumber(NonZeroU32);

impl TalkNumber {
    pub fn new(n: u32) -> Option<Self> {
        NonZeroU32::new(n).map(TalkNumber)
    }

    pub fn first() -> Self {
        TalkNumber(NonZeroU32::MIN)
    }

    pub fn next(&self) -> Option<Self> {
        self.0.checked_add(1).map(TalkNumber)
    }

    pub fn get(&self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for TalkNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Speaker {
    pub name: String,
    pub bio: Option<String>,
    /// The S3 key of the speaker's picture thumbnail.
    pub thumbnail_key: Option<String>,
}

impl Speaker {
    /// How the conflict checker tells speakers apart. The CfP context's messages carry no owner
    /// id (by design: only what the public may see), so a speaker is their name, compared
    /// case-insensitively with runs of white space collapsed.
    pub fn identity(&self) -> String {
        let mut identity = String::with_capacity(self.name.len());
        for word in self.name.split_whitespace() {
            if !identity.is_empty() {
                identity.push(' ');
            }
            // Word by word is the same as the whole: white space ends a final-sigma context.
            if word.is_ascii() {
                identity.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            } else {
                identity.push_str(&word.to_lowercase());
            }
        }
        identity
    }
}

/// A confirmed talk as the schedule knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Talk {
    pub id: TalkId,
    pub number: TalkNumber,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    pub description: Option<String>,
    pub session_type: String,
    pub track: Option<String>,
    pub language: Option<String>,
    pub speakers: Vec<Speaker>,
}

impl Talk {
    /// The `guid` of the exports: the proposal's UUID, stable for the talk's life.
    pub fn guid(&self) -> Uuid {
        self.id.uuid()
    }

    /// A unique, URL-safe slug: `<event>-<number>-<title words>`. The number makes it unique; the
    /// result matches c3voc's `^[a-z0-9_-]+[a-z0-9]$`.
    pub fn slug(&self, event_slug: &str) -> String {
        const MAX_TITLE_CHARS: usize = 50;
        let title = slug::slugify(&self.title);
        let mut title: String = title.chars().take(MAX_TITLE_CHARS).collect();
        while title.ends_with('-') {
            title.pop();
        }
        let head = format!("{}-{}", slug::slugify(event_slug), self.number);
        if title.is_empty() {
            head
        } else {
            format!("{head}-{title}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    #[test]
    fn slugs_are_unique_by_number_and_url_safe() {
        let mut talk = test_data::talk(7);
        talk.title = "Ünïcode & <XML>: a --- talk!".into();
        assert_eq!(
            talk.slug("devconf-2027"),
            "devconf-2027-7-unicode-xml-a-talk"
        );
        talk.title = "!!!".into();
        assert_eq!(talk.slug("devconf-2027"), "devconf-2027-7");
        talk.title = "a".repeat(49) + " b";
        let slug = talk.slug("devconf-2027");
        assert!(!slug.ends_with('-'), "{slug}");
    }

    #[test]
    fn speakers_are_told_apart_by_their_normalised_name() {
        let speaker = |name: &str| Speaker {
            name: name.into(),
            bio: None,
            thumbnail_key: None,
        };
        assert_eq!(
            speaker(" Ada   Lovelace ").identity(),
            speaker("ada lovelace").identity()
        );
        assert_ne!(
            speaker("Ada Lovelace").identity(),
            speaker("Ada King").identity()
        );
    }

    proptest::proptest! {
        /// The identity is the name's words joined by one space, lower-cased as a whole (the
        /// obvious way, which allocates three times), for any name.
        #[test]
        fn identities_are_the_lower_cased_words(name in "(\\PC|[ \t\nΣσςİK])*") {
            let obvious = name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            let speaker = Speaker { name, bio: None, thumbnail_key: None };
            proptest::prop_assert_eq!(speaker.identity(), obvious);
        }
    }

    #[test]
    fn final_sigmas_lower_case_as_in_the_whole_name() {
        let speaker = |name: &str| Speaker {
            name: name.into(),
            bio: None,
            thumbnail_key: None,
        };
        assert_eq!(speaker("ΟΔΥΣΣΕΥΣ  ΑΣ").identity(), "οδυσσευς ας");
    }

    #[test]
    fn talk_ids_are_uuids() {
        assert!(TalkId::parse("019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c").is_ok());
        for bad in ["", "42", "019a4b2c-7d10-7e3a-9b1c", "not a uuid"] {
            assert!(TalkId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
