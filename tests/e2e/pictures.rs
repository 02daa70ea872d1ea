//! Speakers' pictures end to end: the owner gets a presigned POST form over the API, posts a real
//! picture straight to the bucket (moto) with it, the bucket's notification (the template's S3
//! event, delivered by the local runner) runs the pipeline (update-cfp-picture), and the proposal
//! ends up pointing at a square thumbnail. Junk is deleted and changes nothing.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::pictures::{png, post_with_form};
use cfp_e2e::{Caller, Stack, User, eventually};
use serde_json::{Value, json};

struct Proposal {
    speaker: User,
    slug: String,
    id: String,
}

async fn proposal(stack: &Stack) -> Proposal {
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body("Pictures, please"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().expect("an id").to_owned();
    Proposal { speaker, slug, id }
}

fn bucket(stack: &Stack) -> &str {
    stack
        .info
        .bucket
        .as_deref()
        .expect("the stack has a bucket")
}

/// A tiny well-formed PNG whose header claims 100000x100000 pixels.
fn huge_dimension_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (name, data) in [
        (&b"IHDR"[..], &ihdr[..]),
        (
            b"IDAT",
            &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
        ),
        (b"IEND", &[]),
    ] {
        let mut chunk = name.to_vec();
        chunk.extend_from_slice(data);
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

async fn upload_form(
    stack: &Stack,
    caller: Caller,
    proposal: &Proposal,
    content_type: &str,
) -> cfp_e2e::ApiResponse {
    stack
        .post(
            &format!("/events/{}/cfps/{}/picture", proposal.slug, proposal.id),
            caller,
            &json!({"contentType": content_type}),
        )
        .await
}

/// Waits until the bucket's notification of `key` has run the pipeline, successfully.
async fn notified(stack: &Stack, key: &str) {
    eventually(
        &format!("the notification of {key}"),
        Duration::from_secs(30),
        || async {
            let runs = stack.invocations("update-cfp-picture").await;
            let ours: Vec<&Value> = runs
                .iter()
                .filter(|run| {
                    run.pointer("/payload/Records/0/s3/object/key")
                        .and_then(Value::as_str)
                        .map(|k| k.replace("%2F", "/"))
                        .as_deref()
                        == Some(key)
                })
                .collect();
            if let Some(failed) = ours.iter().find(|run| run["outcome"] != "Success") {
                panic!("the pipeline failed on {key}: {failed}");
            }
            (!ours.is_empty()).then_some(())
        },
    )
    .await;
}

/// The upload's ObjectCreated event once more, straight through the Invoke API, as a redelivery.
async fn deliver(stack: &Stack, key: &str) -> Value {
    let event = json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": stack.info.region,
        "eventTime": chrono::Utc::now().to_rfc3339(),
        "eventName": "ObjectCreated:Post",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket(stack), "arn": format!("arn:aws:s3:::{}", bucket(stack))},
            // Form-encoded, as S3 encodes keys in events.
            "object": {"key": key.replace('/', "%2F"), "size": 1},
        },
    }]});
    let (status, error, response) = stack.invoke("update-cfp-picture", &event).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(error, None, "the pipeline failed: {response}");
    response
}

async fn stored(stack: &Stack, proposal: &Proposal) -> HashMap<String, AttributeValue> {
    stack
        .stored_proposals(&proposal.slug)
        .await
        .into_iter()
        .find(|item| item.get("id").and_then(|v| v.as_s().ok()) == Some(&proposal.id))
        .expect("the proposal is stored")
}

fn version(item: &HashMap<String, AttributeValue>) -> u64 {
    item["version"].as_n().expect("n").parse().expect("number")
}

async fn exists(stack: &Stack, key: &str) -> bool {
    stack
        .s3
        .head_object()
        .bucket(bucket(stack))
        .key(key)
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn the_owner_uploads_a_picture_and_the_proposal_gets_a_square_thumbnail() {
    let stack = &Stack::connect().await;
    let proposal = proposal(stack).await;
    let form = upload_form(stack, proposal.speaker.caller(), &proposal, "image/png").await;
    assert_eq!(form.status, 200, "{form:?}");
    let key = form.json["fields"]["key"]
        .as_str()
        .expect("a key")
        .to_owned();
    assert!(
        key.starts_with(&format!(
            "pictures/uploads/{}/{}/",
            proposal.slug, proposal.id
        )),
        "{key}"
    );
    assert_eq!(form.json["fields"]["Content-Type"], "image/png");
    assert!(form.json["expiresAt"].is_string(), "{:?}", form.json);

    post_with_form(stack, &form.json, png(640, 360)).await;
    notified(stack, &key).await;

    let item = eventually(
        "the proposal's picture",
        Duration::from_secs(30),
        || async {
            let item = stored(stack, &proposal).await;
            item.contains_key("picture").then_some(item)
        },
    )
    .await;
    assert_eq!(version(&item), 2, "one version more: {item:?}");
    let picture = item["picture"].as_m().expect("a map");
    let thumbnail_key = picture["thumbnailKey"].as_s().expect("a key").clone();
    assert!(
        thumbnail_key.starts_with(&format!(
            "pictures/thumbnails/{}/{}/",
            proposal.slug, proposal.id
        )),
        "{thumbnail_key}"
    );
    assert_eq!(
        picture["contentType"].as_s().ok().map(String::as_str),
        Some("image/jpeg")
    );
    assert_eq!(
        picture["width"].as_n().ok().map(String::as_str),
        Some("360")
    );
    assert_eq!(
        picture["height"].as_n().ok().map(String::as_str),
        Some("360")
    );

    let thumbnail = stack
        .s3
        .get_object()
        .bucket(bucket(stack))
        .key(&thumbnail_key)
        .send()
        .await
        .expect("the thumbnail is stored");
    let bytes = thumbnail.body.collect().await.expect("body").into_bytes();
    let decoded = image::load_from_memory(&bytes).expect("the thumbnail decodes");
    assert_eq!(decoded.width(), decoded.height(), "square");
    assert_eq!(decoded.width(), 360);
    assert!(!exists(stack, &key).await, "the upload is deleted");

    // Delivered once more (at least once delivery): nothing changes.
    let report = deliver(stack, &key).await;
    assert_eq!(report["uploads"][0]["outcome"], "missing", "{report}");
    let again = stored(stack, &proposal).await;
    assert_eq!(version(&again), 2);
    assert_eq!(again["picture"], item["picture"]);
}

#[tokio::test]
async fn junk_uploads_are_deleted_and_the_proposal_stays_as_it_was() {
    let stack = &Stack::connect().await;
    let proposal = proposal(stack).await;
    let mut truncated = png(300, 300);
    truncated.truncate(truncated.len() / 2);
    for (what, bytes) in [
        ("a non-image", b"#!/bin/sh\necho not a picture\n".to_vec()),
        ("a truncated image", truncated),
        ("a huge-dimension image", huge_dimension_png()),
    ] {
        let form = upload_form(stack, proposal.speaker.caller(), &proposal, "image/png").await;
        assert_eq!(form.status, 200, "{what}: {form:?}");
        let key = form.json["fields"]["key"]
            .as_str()
            .expect("a key")
            .to_owned();
        post_with_form(stack, &form.json, bytes).await;
        // Runs without failing (a failure would be retried, and reported by `notified`).
        notified(stack, &key).await;
        eventually(
            &format!("{what} deleted"),
            Duration::from_secs(30),
            || async { (!exists(stack, &key).await).then_some(()) },
        )
        .await;
        let item = stored(stack, &proposal).await;
        assert_eq!(version(&item), 1, "{what}: {item:?}");
        assert!(!item.contains_key("picture"), "{what}: {item:?}");
    }
}

#[tokio::test]
async fn only_the_owner_gets_a_form_and_only_for_picture_types() {
    let stack = &Stack::connect().await;
    let proposal = proposal(stack).await;
    let other = stack.user(None).await;
    upload_form(stack, other.caller(), &proposal, "image/png")
        .await
        .problem(403);
    let anonymous = upload_form(stack, Caller::Anonymous, &proposal, "image/png").await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    for bad in ["image/gif", "text/html", "image/svg+xml"] {
        let refused = upload_form(stack, proposal.speaker.caller(), &proposal, bad).await;
        let problem = refused.problem(422);
        assert_eq!(problem["errors"][0]["field"], "contentType", "{problem}");
    }
    for good in ["image/jpeg", "image/webp"] {
        let form = upload_form(stack, proposal.speaker.caller(), &proposal, good).await;
        assert_eq!(form.status, 200, "{form:?}");
        assert_eq!(form.json["fields"]["Content-Type"], good);
    }
}
