//! `POST /events/{event}/cfps/{id}/picture`: the proposal's owner gets a presigned POST form
//! bound to one upload key, the declared content type and a size limit, valid for minutes.
//!
//! The form is only a signature and changes nothing, so a repeated request gets a fresh form;
//! with an `Idempotency-Key` a retry gets the same one again. A withdrawn or rejected proposal
//! gets none (409). The upload's notification does the rest (function update-cfp-picture).

use cfp_domain::picture::{PictureUploadRequest, request_picture_upload};
use cfp_domain::ports::{IdempotencyStore, ProposalStore};
use cfp_http::{
    ApiError, Body, JsonResponse, ProposalPath, Request, Response, caller, idempotent, json_body,
    respond,
};
use cfp_s3::PostPresigner;
use chrono::{DateTime, Utc};

/// 200 with `{url, fields, expiresAt}`, or a problem.
pub async fn handle(
    request: Request,
    proposals: &dyn ProposalStore,
    idempotency: &dyn IdempotencyStore,
    presigner: &PostPresigner,
    now: DateTime<Utc>,
) -> Response<Body> {
    idempotent(request, idempotency, now, |request| async move {
        respond(create_picture_upload(&request, proposals, presigner, now).await)
    })
    .await
}

async fn create_picture_upload(
    request: &Request,
    proposals: &dyn ProposalStore,
    presigner: &PostPresigner,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let path = ProposalPath::of(request)?;
    let body: PictureUploadRequest = json_body(request)?;
    let upload =
        request_picture_upload(proposals, &caller, &path.event, &path.id, body, now).await?;
    let form = presigner
        .presign(
            &upload.key.to_string(),
            upload.content_type.as_str(),
            upload.max_bytes,
            upload.expires_at,
            now,
        )
        .await
        .map_err(|error| ApiError::Internal(format!("presigning the upload: {error}")))?;
    tracing::info!(key = %upload.key, "upload form issued");
    JsonResponse::ok(&form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
    use base64::Engine;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::ports::ProposalStore;
    use cfp_domain::proposal::{Action, ProposalId};
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("create-picture-upload")
    }

    async fn store() -> InMemoryStore {
        test_data::store_with_sample_proposal(test_data::event()).await
    }

    fn presigner() -> PostPresigner {
        let credentials = Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            Some("session".into()),
            None,
            "test",
        );
        PostPresigner::new(
            "cfp-pictures",
            "https://cfp-pictures.s3.eu-central-1.amazonaws.com",
            "eu-central-1",
            SharedCredentialsProvider::new(credentials),
        )
    }

    async fn call(store: &InMemoryStore, event: &Value) -> Response<Body> {
        handle(
            request(event),
            store,
            store,
            &presigner(),
            test_data::before_close(),
        )
        .await
    }

    #[tokio::test]
    async fn the_sample_event_gets_a_form_for_one_key() {
        let store = store().await;
        let response = call(&store, &sample()).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        let body = body_json(&response);
        assert_eq!(
            body["url"],
            "https://cfp-pictures.s3.eu-central-1.amazonaws.com"
        );
        let key = body["fields"]["key"].as_str().expect("a key");
        assert!(
            key.starts_with(&format!(
                "pictures/uploads/devconf-2027/{}/",
                test_data::SAMPLE_PROPOSAL_ID
            )),
            "{key}"
        );
        assert_eq!(body["fields"]["Content-Type"], "image/png");
        assert_eq!(body["fields"]["x-amz-security-token"], "session");
        assert!(body["expiresAt"].is_string());
        let policy = base64::engine::general_purpose::STANDARD
            .decode(body["fields"]["policy"].as_str().expect("policy"))
            .expect("base64");
        let policy: Value = serde_json::from_slice(&policy).expect("json");
        assert!(
            policy["conditions"]
                .as_array()
                .expect("conditions")
                .contains(&serde_json::json!(["content-length-range", 1, 5_242_880])),
            "{policy}"
        );
    }

    #[tokio::test]
    async fn each_form_has_its_own_key() {
        let store = store().await;
        let first = body_json(&call(&store, &sample()).await);
        let second = body_json(&call(&store, &sample()).await);
        assert_ne!(first["fields"]["key"], second["fields"]["key"]);
    }

    #[tokio::test]
    async fn an_idempotency_key_replays_the_same_form() {
        let store = store().await;
        let mut event = sample();
        event["headers"]["idempotency-key"] = "picture-once".into();
        let first = call(&store, &event).await;
        let again = call(&store, &event).await;
        assert_eq!(first.status().as_u16(), 200, "{first:?}");
        assert_eq!(again.status().as_u16(), 200, "{again:?}");
        assert_eq!(body_json(&again), body_json(&first));
        assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
        let mut other_type = event.clone();
        set_body(
            &mut other_type,
            r#"{"contentType": "image/webp"}"#,
            Some("application/json"),
        );
        assert_problem(
            &call(&store, &other_type).await,
            422,
            "idempotency-key-reused",
        );
    }

    #[tokio::test]
    async fn a_withdrawn_or_rejected_proposal_gets_no_form() {
        let now = test_data::before_close();
        let submitted = test_data::sample_proposal();
        let rejected = submitted
            .decide(Action::Reject, &test_data::admin().user_id, now)
            .expect("rejected");
        let withdrawn = submitted.withdraw(now).expect("withdrawn");
        for (closed, status) in [(rejected, "rejected"), (withdrawn, "withdrawn")] {
            let store = store().await;
            store
                .replace_proposal(&submitted, &closed)
                .await
                .expect("stored");
            let problem = assert_problem(&call(&store, &sample()).await, 409, "invalid-transition");
            assert_eq!(
                problem["detail"],
                format!("a {status} proposal cannot be given a picture")
            );
        }
    }

    #[tokio::test]
    async fn another_speaker_is_403_and_nobody_is_401() {
        let store = store().await;
        let mut other = sample();
        set_claim(
            &mut other,
            "sub",
            Some(test_data::other_speaker().user_id.as_str()),
        );
        assert_problem(&call(&store, &other).await, 403, "forbidden");
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");
    }

    #[tokio::test]
    async fn bad_bodies_are_refused() {
        let store = store().await;
        for (body, status, name) in [
            (r#"{"contentType": "image/gif"}"#, 422, "validation-failed"),
            (r#"{"contentType": 5}"#, 422, "validation-failed"),
            (r#"{}"#, 422, "validation-failed"),
            (
                r#"{"contentType": "image/png", "size": 1}"#,
                422,
                "validation-failed",
            ),
            (r#"{"contentType": "#, 400, "malformed-json"),
        ] {
            let mut event = sample();
            set_body(&mut event, body, Some("application/json"));
            let problem = assert_problem(&call(&store, &event).await, status, name);
            if body.contains("gif") {
                assert_eq!(problem["errors"][0]["field"], "contentType");
            }
        }
    }

    #[tokio::test]
    async fn unknown_proposals_are_404_and_failures_500() {
        let store = store().await;
        let mut unknown = sample();
        set_path_parameter(&mut unknown, "id", &ProposalId::generate().to_string());
        assert_problem(&call(&store, &unknown).await, 404, "proposal-not-found");
        store.fail(true);
        assert_problem(&call(&store, &sample()).await, 500, "internal-error");
    }
}
