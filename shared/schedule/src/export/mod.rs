//! The exports of a release: c3voc `schedule.json`, frab `schedule.xml` and iCalendar, each with
//! an ETag (a hash of its bytes).

mod c3voc_json;
mod etag;
mod frab_xml;
mod icalendar;
#[cfg(feature = "export-validation")]
pub mod validation;

pub use c3voc_json::c3voc_json;
pub use etag::etag;
pub use frab_xml::frab_xml;
pub use icalendar::icalendar;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;
use uuid::Uuid;

use crate::error::InvalidInput;
use crate::release::{Release, ScheduledTalk};

/// The export's failure: only the writer can fail, and it writes to memory.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the export failed: {0}")]
    Write(String),
}

/// Where the exports point: the public API (a talk's page is `GET /events/{e}/talks/{id}`) and,
/// when pictures are served, the base URL of the thumbnails.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExportLinks {
    api: Url,
    media: Option<Url>,
}

impl ExportLinks {
    pub fn new(api_base: &str, media_base: Option<&str>) -> Result<Self, InvalidInput> {
        let parse = |field: &str, raw: &str| {
            let url =
                Url::parse(raw).map_err(|_| InvalidInput::one(field, "must be an absolute URL"))?;
            if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
                return Err(InvalidInput::one(field, "must be an http(s) URL"));
            }
            Ok(url)
        };
        Ok(ExportLinks {
            api: parse("apiBase", api_base)?,
            media: media_base.map(|m| parse("mediaBase", m)).transpose()?,
        })
    }

    fn join(base: &Url, segments: &[&str]) -> String {
        let mut url = base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.to_string()
    }

    pub fn talk_url(&self, event: &str, talk: &ScheduledTalk) -> String {
        Self::join(
            &self.api,
            &["events", event, "talks", &talk.talk.id.to_string()],
        )
    }

    /// [`ExportLinks::talk_url`] for many talks of one event: the URL up to the talk's id is
    /// built once (a talk id, a hyphenated UUID, needs no escaping in a path).
    pub fn talk_urls(&self, event: &str) -> TalkUrls {
        TalkUrls {
            prefix: Self::join(&self.api, &["events", event, "talks", ""]),
        }
    }

    pub fn picture_url(&self, key: &str) -> Option<String> {
        let media = self.media.as_ref()?;
        let segments: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
        Some(Self::join(media, &segments))
    }

    pub fn schedule_url(&self, event: &str) -> String {
        Self::join(&self.api, &["events", event, "schedule"])
    }

    pub fn host(&self) -> &str {
        self.api.host_str().unwrap_or("cfp.invalid")
    }
}

/// The talk pages of one event; see [`ExportLinks::talk_urls`].
#[derive(Debug, Clone)]
pub struct TalkUrls {
    prefix: String,
}

impl TalkUrls {
    pub fn of(&self, talk: &ScheduledTalk) -> String {
        format!("{}{}", self.prefix, talk.talk.id)
    }
}

fn local(release: &Release, t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&release.frame.time_zone())
}

/// `HH:MM`, as frab and c3voc write durations.
fn hours_minutes(talk: &ScheduledTalk) -> String {
    let minutes = (talk.end - talk.start).num_minutes().max(0);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// c3voc's acronym pattern is `^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$`: after the first
/// character no hyphen, at least four characters. Event slugs are `a-z0-9` with inner hyphens.
fn acronym(slug: &str) -> String {
    let mut acronym: String = slug
        .chars()
        .enumerate()
        .map(|(i, c)| match c {
            'a'..='z' | '0'..='9' | '_' => c,
            '-' if i == 0 => c,
            _ => '_',
        })
        .collect();
    while acronym.chars().count() < 4 {
        acronym.push('_');
    }
    acronym
}

/// A stable UUID for a room, from the event and the room's name.
fn room_guid(links: &ExportLinks, event: &str, room: &str) -> Uuid {
    let name = ExportLinks::join(&links.api, &["events", event, "rooms", room]);
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())
}

/// The talks by local day and room, each list in release order: one pass over the release
/// rather than one per day and room.
fn by_day_and_room(
    release: &Release,
) -> std::collections::HashMap<(chrono::NaiveDate, &str), Vec<&ScheduledTalk>> {
    let mut grouped: std::collections::HashMap<_, Vec<&ScheduledTalk>> =
        std::collections::HashMap::new();
    for t in &release.talks {
        grouped
            .entry((release.frame.local_day(t.start), t.room.as_str()))
            .or_default()
            .push(t);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_fit_c3voc() {
        assert_eq!(acronym("devconf-2027"), "devconf_2027");
        assert_eq!(acronym("abc"), "abc_");
        assert_eq!(acronym("rc3"), "rc3_");
    }

    #[test]
    fn links_are_absolute_http_urls() {
        let links = ExportLinks::new(
            "https://api.example.org/v1/",
            Some("https://cdn.example.org"),
        )
        .expect("links");
        assert_eq!(
            links.schedule_url("devconf-2027"),
            "https://api.example.org/v1/events/devconf-2027/schedule"
        );
        assert_eq!(
            links.picture_url("pictures/a b.webp").as_deref(),
            Some("https://cdn.example.org/pictures/a%20b.webp")
        );
        let release = crate::test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        for base in [
            "https://api.example.org/v1/",
            "https://api.example.org",
            "http://h/a%20b",
        ] {
            let links = ExportLinks::new(base, None).expect("links");
            for event in ["devconf-2027", "a b/c"] {
                assert_eq!(
                    links.talk_urls(event).of(&release.talks[0]),
                    links.talk_url(event, &release.talks[0])
                );
            }
        }
        for bad in ["", "api.example.org", "ftp://x.org", "mailto:a@b.org"] {
            assert!(ExportLinks::new(bad, None).is_err(), "{bad:?}");
        }
    }
}
