//! What a speaker declares about a picture, and the upload keys the pipeline is handed: any
//! input parses or is refused, never panics. A declared content type is one of exactly three
//! (the bytes are judged by cfp-images, whatever was declared); an upload key is accepted only
//! in its one canonical form.

use cfp_domain::picture::{PictureContentType, PictureUploadRequest, UploadKey};
use proptest::prelude::*;

const ALLOWED: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

/// Content types as browsers send them, near misses, and anything.
fn declared() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "image/jpeg",
            "image/png",
            "image/webp",
            "IMAGE/PNG",
            "image/jpg",
            "image/gif",
            "image/svg+xml",
            "image/png; charset=utf-8",
            " image/png",
            "image/png\0",
            "text/html",
            "application/octet-stream",
            "",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
        "image/[a-z+.-]{0,12}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    prop_oneof![
        // Well-formed, or nearly: the right shape with hostile parts.
        (
            prop::sample::select(vec![
                "pictures/uploads/",
                "pictures/thumbnails/",
                "",
                "/pictures/uploads/"
            ]),
            prop_oneof!["[a-z0-9-]{1,20}", any::<String>(), Just("..".to_owned())],
            prop_oneof![uuid, any::<String>()],
            prop_oneof![uuid, any::<String>(), Just(String::new())],
            prop::sample::select(vec!["", "/", "/x", "%2F"]),
        )
            .prop_map(|(prefix, event, proposal, upload, tail)| {
                format!("{prefix}{event}/{proposal}/{upload}{tail}")
            }),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn only_the_three_picture_types_may_be_declared(raw in declared()) {
        match PictureContentType::parse(&raw) {
            Ok(parsed) => {
                prop_assert!(ALLOWED.contains(&raw.as_str()), "{:?} accepted", raw);
                prop_assert_eq!(parsed.as_str(), raw.as_str());
            }
            Err(error) => {
                prop_assert!(!ALLOWED.contains(&raw.as_str()), "{:?} refused", raw);
                prop_assert_eq!(error.field.as_str(), "contentType");
            }
        }
    }

    #[test]
    fn upload_requests_from_any_json_never_panic(raw in declared(), extra in any::<bool>()) {
        let mut body = serde_json::json!({ "contentType": raw });
        if extra {
            body["filename"] = serde_json::json!("me.png");
        }
        let parsed = serde_json::from_value::<PictureUploadRequest>(body);
        // Unknown fields are refused, not ignored.
        prop_assert_eq!(parsed.is_ok(), !extra);
    }

    #[test]
    fn upload_keys_are_accepted_only_in_their_canonical_form(raw in key()) {
        if let Some(key) = UploadKey::parse(&raw) {
            prop_assert_eq!(key.to_string(), raw.clone());
            let thumbnail = key.thumbnail_key("digest", "jpg");
            prop_assert!(thumbnail.starts_with("pictures/thumbnails/"), "{}", thumbnail);
            prop_assert!(!thumbnail.contains(".."), "{}", thumbnail);
        }
    }
}
