//! The people and the event of one run: an admin who opens an event's CfP, and the speakers,
//! each signed up with an address unique to the run, signed in for a real ID token.

use std::sync::Arc;

use cfp_local::stack::StackInfo;
use cfp_local::users::LocalUsers;

use crate::error::LoadError;

/// Every user of a run signs in with this (the pool's password policy accepts it).
const PASSWORD: &str = "Correct-Horse-9-Battery";
/// Sign-ups in flight at once: moto's Cognito is one process, and setup is not what is measured.
const SIGN_UPS_AT_ONCE: usize = 8;

/// A signed-in speaker of the run.
#[derive(Debug, Clone)]
pub struct Speaker {
    pub email: String,
    /// The speaker's display name on its proposals.
    pub name: String,
    pub id_token: String,
}

/// The address of the run's `index`th speaker (or the admin): unique to the run.
pub fn address(run_id: &str, who: &str) -> String {
    format!("load-{run_id}-{who}@speakers.test")
}

/// Signs up the run's admin and opens an event with a CfP closing in a month; its slug.
pub async fn open_event(
    users: &LocalUsers,
    http: &reqwest::Client,
    api_url: &str,
    run_id: &str,
) -> Result<String, LoadError> {
    let email = address(run_id, "admin");
    let tokens = users
        .create_and_sign_in(&email, PASSWORD, &["admins".to_owned()])
        .await
        .map_err(|source| LoadError::Users { email, source })?;
    let slug = cfp_e2e::fixtures::unique_slug();
    let response = http
        .post(format!("{}/events", api_url.trim_end_matches('/')))
        .bearer_auth(&tokens.id_token)
        .json(&cfp_e2e::fixtures::event_body(&slug))
        .send()
        .await
        .map_err(|source| LoadError::Http {
            what: format!("creating the event {slug}"),
            source,
        })?;
    let status = response.status().as_u16();
    if status != 201 {
        let body = response.text().await.unwrap_or_default();
        return Err(LoadError::EventRefused { slug, status, body });
    }
    Ok(slug)
}

/// Signs up and signs in `count` speakers, a few at a time.
pub async fn speakers(
    users: &LocalUsers,
    run_id: &str,
    count: usize,
) -> Result<Vec<Speaker>, LoadError> {
    let limit = Arc::new(tokio::sync::Semaphore::new(SIGN_UPS_AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..count {
        let (users, limit) = (users.clone(), Arc::clone(&limit));
        let email = address(run_id, &format!("speaker{index}"));
        tasks.spawn(async move {
            // The semaphore is never closed: acquiring fails only after `close`.
            let _permit = limit.acquire_owned().await;
            match users.create_and_sign_in(&email, PASSWORD, &[]).await {
                Ok(tokens) => Ok((
                    index,
                    Speaker {
                        name: format!("Load Speaker {index}"),
                        email,
                        id_token: tokens.id_token,
                    },
                )),
                Err(source) => Err(LoadError::Users { email, source }),
            }
        });
    }
    let mut speakers = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        speakers.push(done??);
    }
    speakers.sort_by_key(|(index, _)| *index);
    Ok(speakers.into_iter().map(|(_, speaker)| speaker).collect())
}

/// The API URL of the stack, or why there is none.
pub fn api_url(info: &StackInfo) -> Result<&str, LoadError> {
    info.api_url
        .as_deref()
        .ok_or(LoadError::MissingInStack("apiUrl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_unique_to_the_run() {
        assert_ne!(address("a", "speaker1"), address("b", "speaker1"));
        assert_ne!(address("a", "speaker1"), address("a", "speaker2"));
    }
}
