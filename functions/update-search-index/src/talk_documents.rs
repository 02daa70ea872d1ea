//! A release's talks as the search index sees them: public data only (speakers' names, never
//! their e-mail addresses or bios), times in the event's time zone.

use cfp_schedule::Release;
use cfp_search::TalkDocument;

pub fn talk_documents(release: &Release) -> Vec<TalkDocument> {
    let frame = &release.frame;
    let time_zone = frame.time_zone();
    release
        .talks
        .iter()
        .map(|scheduled| {
            let talk = &scheduled.talk;
            TalkDocument {
                id: talk.id.to_string(),
                slug: talk.slug(frame.slug()),
                title: talk.title.clone(),
                abstract_text: talk.abstract_.clone(),
                speakers: talk
                    .speakers
                    .iter()
                    .map(|speaker| speaker.name.clone())
                    .collect(),
                track: talk.track.clone(),
                language: talk.language.clone(),
                room: scheduled.room.clone(),
                start: scheduled.start.with_timezone(&time_zone).fixed_offset(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_schedule::test_data;

    #[test]
    fn each_released_talk_becomes_a_document_in_the_events_time() {
        let release = test_data::release(&[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-10T10:00:00+02:00"),
        ]);
        let documents = talk_documents(&release);
        assert_eq!(documents.len(), 2);
        let first = &documents[0];
        assert_eq!(first.id, test_data::talk_id(1).to_string());
        assert_eq!(first.slug, "devconf-2027-1-talk-number-1");
        assert_eq!(first.title, "Talk number 1");
        assert_eq!(first.abstract_text, "What talk 1 is about.");
        assert_eq!(first.speakers, ["Speaker 1"]);
        assert_eq!(first.track.as_deref(), Some("Rust"));
        assert_eq!(first.language.as_deref(), Some("en"));
        assert_eq!(first.room, "Main");
        // Berlin in June: +02:00, as the schedule shows it.
        assert_eq!(first.start.to_rfc3339(), "2027-06-10T09:00:00+02:00");
        assert_eq!(documents[1].room, "Side");
    }

    #[test]
    fn no_bio_or_picture_reaches_the_index() {
        let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        let json = serde_json::to_string(&talk_documents(&release)).expect("json");
        assert!(!json.contains("Writes Rust."), "{json}");
        assert!(!json.contains('@'), "{json}");
    }
}
