//! A talk taken from a submitted proposal all the way to a released, searchable schedule: what
//! tests of the public routes need before they have anything to look at.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::{Caller, Stack, User, eventually};

/// How long the topic and the streams may take to carry a change to the schedule and the index.
const DELIVERY: Duration = Duration::from_secs(60);

impl Stack {
    /// Confirms the proposal `talk` of `slug` (as `confirmer`), places it in the draft (as
    /// `scheduler`), releases the schedule and waits until a search for `word` finds it.
    ///
    /// The schedule hears of the event, its team and the talk through the topic: the draft is
    /// refused until it has, so saving it is retried; with `scheduler` an organiser named after
    /// the event was created, the wait also covers that team change.
    pub async fn release_searchable_talk(
        &self,
        slug: &str,
        talk: &str,
        confirmer: &User,
        scheduler: &User,
        word: &str,
    ) {
        let confirmed = self
            .send(
                Method::POST,
                &format!("/events/{slug}/cfps/{talk}/confirm"),
                &confirmer.caller(),
                None,
                &[],
            )
            .await;
        assert_eq!(confirmed.status, 200, "{confirmed:?}");
        let draft = json!({"slots": [
            {"talkId": talk, "room": "Main Hall", "start": "2027-06-10T10:00:00+02:00"}
        ]});
        eventually("the schedule to accept the draft", DELIVERY, || async {
            let saved = self
                .send(
                    Method::PUT,
                    &format!("/events/{slug}/schedule"),
                    &scheduler.caller(),
                    Some(&draft),
                    &[],
                )
                .await;
            (saved.status == 200).then_some(())
        })
        .await;
        let released = self
            .send(
                Method::POST,
                &format!("/events/{slug}/schedule/releases"),
                &scheduler.caller(),
                Some(&json!({"name": "Released for a test"})),
                &[],
            )
            .await;
        assert_eq!(released.status, 201, "{released:?}");
        eventually("the search index to find the talk", DELIVERY, || async {
            let found = self
                .get(&format!("/events/{slug}/talks?q={word}"), Caller::Anonymous)
                .await;
            found.json["hits"]
                .as_array()
                .is_some_and(|hits| hits.iter().any(|hit| hit["talkId"] == talk))
                .then_some(())
        })
        .await;
    }
}
