//! A stream record's new image, read as a release header: which event, which release. The rest
//! of the header (where its chunks are) is the store's business; only these are read here.

use cfp_schedule::ReleaseNumber;
use serde::Deserialize;

/// The `entity` of release headers, as `cfp-schedule-dynamodb` writes them and the template's
/// stream filter selects them.
pub const RELEASE_ENTITY: &str = "release";

/// A new release of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub event: String,
    pub number: ReleaseNumber,
}

#[derive(Debug, thiserror::Error)]
#[error("a release header image is malformed: {0}")]
pub struct MalformedImage(String);

#[derive(Deserialize)]
struct Entity {
    entity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    event_slug: String,
    number: u32,
}

impl ReleaseRecord {
    /// The release an image announces; `None` when the image is not a release header.
    pub fn from_image(image: &serde_dynamo::Item) -> Result<Option<Self>, MalformedImage> {
        let entity: Entity = serde_dynamo::from_item(image.clone())
            .map_err(|error| MalformedImage(error.to_string()))?;
        if entity.entity.as_deref() != Some(RELEASE_ENTITY) {
            return Ok(None);
        }
        let header: Header = serde_dynamo::from_item(image.clone())
            .map_err(|error| MalformedImage(error.to_string()))?;
        if header.event_slug.trim().is_empty() {
            return Err(MalformedImage("eventSlug is empty".into()));
        }
        let number = ReleaseNumber::new(header.number)
            .ok_or_else(|| MalformedImage("number is 0".into()))?;
        Ok(Some(ReleaseRecord {
            event: header.event_slug,
            number,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(value: serde_json::Value) -> serde_dynamo::Item {
        serde_json::from_value(value).expect("an image")
    }

    #[test]
    fn a_release_header_names_its_event_and_number() {
        let header = image(json!({
            "pk": {"S": "EVENT#devconf-2027"},
            "sk": {"S": "RELEASE#0000000003"},
            "entity": {"S": "release"},
            "eventSlug": {"S": "devconf-2027"},
            "number": {"N": "3"},
            "releasedAt": {"S": "2027-05-01T12:00:00Z"},
            "attempt": {"S": "0190a000-0000-7000-8000-000000000001"},
            "chunks": {"N": "1"}
        }));
        assert_eq!(
            ReleaseRecord::from_image(&header).expect("well-formed"),
            Some(ReleaseRecord {
                event: "devconf-2027".into(),
                number: ReleaseNumber::new(3).expect("3"),
            })
        );
    }

    #[test]
    fn other_items_are_not_releases() {
        for other in [
            json!({"entity": {"S": "release-chunk"}, "eventSlug": {"S": "x"}}),
            json!({"entity": {"S": "talk"}}),
            json!({"pk": {"S": "EVENT#x"}}),
            json!({}),
        ] {
            assert_eq!(
                ReleaseRecord::from_image(&image(other.clone())).expect("read"),
                None,
                "{other}"
            );
        }
    }

    #[test]
    fn a_malformed_release_header_is_an_error() {
        for bad in [
            json!({"entity": {"S": "release"}, "number": {"N": "1"}}),
            json!({"entity": {"S": "release"}, "eventSlug": {"S": "x"}}),
            json!({"entity": {"S": "release"}, "eventSlug": {"S": "x"}, "number": {"N": "0"}}),
            json!({"entity": {"S": "release"}, "eventSlug": {"S": "x"}, "number": {"N": "-1"}}),
            json!({"entity": {"S": "release"}, "eventSlug": {"S": " "}, "number": {"N": "1"}}),
            json!({"entity": {"S": "release"}, "eventSlug": {"N": "5"}, "number": {"N": "1"}}),
            json!({"entity": {"N": "1"}}),
        ] {
            assert!(
                ReleaseRecord::from_image(&image(bad.clone())).is_err(),
                "{bad}"
            );
        }
    }
}
