//! Request bodies the tests send.

use serde_json::{Value, json};

pub fn unique_slug() -> String {
    format!("conf-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// An event whose CfP closes in a month.
pub fn event_body(slug: &str) -> Value {
    let closes = chrono::Utc::now() + chrono::Duration::days(30);
    event_body_closing(slug, &closes.to_rfc3339())
}

pub fn event_body_closing(slug: &str, cfp_closes_at: &str) -> Value {
    json!({
        "slug": slug,
        "name": "DevConf 2027",
        "timeZone": "Europe/Berlin",
        "startDate": "2027-06-10",
        "endDate": "2027-06-12",
        "cfpClosesAt": cfp_closes_at,
        "rooms": [{"name": "Main Hall"}, {"name": "Room 2"}],
        "tracks": [{"name": "Cloud"}, {"name": "Rust"}],
        "sessionTypes": [{"name": "Talk", "durationMinutes": 30}, {"name": "Workshop", "durationMinutes": 120}]
    })
}

/// A valid proposal for an event made from [`event_body`].
pub fn proposal_body(title: &str) -> Value {
    proposal_by(title, "Ada Lovelace")
}

/// [`proposal_body`] given by another speaker (the schedule tells speakers apart by name).
pub fn proposal_by(title: &str, speaker: &str) -> Value {
    json!({
        "title": title,
        "abstract": "How we made the conference backend cost nothing while idle.",
        "description": "A longer description of the talk.",
        "sessionType": "Talk",
        "track": "Cloud",
        "language": "en",
        "speaker": {"name": speaker, "bio": "Writes programs for engines."}
    })
}
