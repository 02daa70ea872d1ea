//! The description's request schemas checked against the request types and rules of the code
//! they describe: the fields each request type takes (as serde reports them), the bounds the
//! domain enforces, and its enumerations and formats, so that neither can change without the
//! other.

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use cfp_domain::event::{
        DurationMinutes, EventName, EventSlug, NamedRequest, NewEventRequest, RoomName,
        SessionTypeName, SessionTypeRequest, TrackName,
    };
    use cfp_domain::listing::PageLimit;
    use cfp_domain::picture::{PictureContentType, PictureUploadRequest};
    use cfp_domain::proposal::{
        Abstract, Bio, Description, Language, NewProposalRequest, ProposalChangesRequest,
        ProposalStatus, SpeakerChangesRequest, SpeakerName, SpeakerRequest, Title,
    };
    use cfp_domain::team::{Role, UserId};
    use cfp_domain::use_cases::TeamMemberRequest;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use crate::openapi::Spec;

    fn spec() -> Spec {
        Spec::load().expect("openapi/openapi.yaml")
    }

    fn schema<'a>(spec: &'a Spec, pointer: &str) -> &'a Value {
        spec.document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("the description has no {pointer}"))
    }

    /// The fields `T` takes: serde names them all when it refuses an unknown one
    /// (`deny_unknown_fields`), which also proves that it does refuse unknown fields.
    fn fields_of<T: DeserializeOwned>() -> BTreeSet<String> {
        let error = match serde_json::from_value::<T>(json!({"unknownFieldProbe": 1})) {
            Ok(_) => panic!("the type accepts unknown fields"),
            Err(error) => error.to_string(),
        };
        let expected = error
            .split_once("expected")
            .unwrap_or_else(|| panic!("not an unknown-field error: {error}"))
            .1;
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    fn properties(spec: &Spec, pointer: &str) -> BTreeSet<String> {
        let object = spec
            .resolve(schema(spec, pointer))
            .expect("a schema")
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{pointer} has no properties"));
        object.keys().cloned().collect()
    }

    #[test]
    fn each_request_schema_has_exactly_the_fields_its_type_takes() {
        let spec = spec();
        let schemas = "/components/schemas";
        let cases = [
            (
                format!("{schemas}/NewEvent"),
                fields_of::<NewEventRequest>(),
            ),
            (
                format!("{schemas}/NamedRequest"),
                fields_of::<NamedRequest>(),
            ),
            (
                format!("{schemas}/NewEvent/properties/sessionTypes/items"),
                fields_of::<SessionTypeRequest>(),
            ),
            (
                format!("{schemas}/NewProposal"),
                fields_of::<NewProposalRequest>(),
            ),
            (
                format!("{schemas}/NewProposal/properties/speaker"),
                fields_of::<SpeakerRequest>(),
            ),
            (
                format!("{schemas}/ProposalChanges"),
                fields_of::<ProposalChangesRequest>(),
            ),
            (
                format!("{schemas}/ProposalChanges/properties/speaker"),
                fields_of::<SpeakerChangesRequest>(),
            ),
            (
                format!("{schemas}/TeamMember"),
                fields_of::<TeamMemberRequest>(),
            ),
            (
                format!("{schemas}/PictureUploadRequest"),
                fields_of::<PictureUploadRequest>(),
            ),
        ];
        for (pointer, fields) in cases {
            assert!(!fields.is_empty(), "{pointer}: no fields read");
            assert_eq!(properties(&spec, &pointer), fields, "{pointer}");
            let closed = spec.resolve(schema(&spec, &pointer)).expect("a schema");
            assert_eq!(
                closed["additionalProperties"], false,
                "{pointer}: the type refuses unknown fields, so must the schema"
            );
        }
    }

    #[test]
    fn the_bounds_are_the_domains() {
        let spec = spec();
        let number = |pointer: &str| {
            schema(&spec, pointer)
                .as_u64()
                .unwrap_or_else(|| panic!("{pointer} is not a number"))
        };
        let as_u64 = |n: usize| u64::try_from(n).expect("a small number");
        let s = "/components/schemas";
        let cases = [
            (format!("{s}/Slug/minLength"), as_u64(EventSlug::MIN_CHARS)),
            (format!("{s}/Slug/maxLength"), as_u64(EventSlug::MAX_CHARS)),
            (
                format!("{s}/SingleLine200/maxLength"),
                as_u64(EventName::MAX_CHARS),
            ),
            (
                format!("{s}/SingleLine200/maxLength"),
                as_u64(Title::MAX_CHARS),
            ),
            (
                format!("{s}/SingleLine100/maxLength"),
                as_u64(RoomName::MAX_CHARS),
            ),
            (
                format!("{s}/SingleLine100/maxLength"),
                as_u64(TrackName::MAX_CHARS),
            ),
            (
                format!("{s}/SingleLine100/maxLength"),
                as_u64(SessionTypeName::MAX_CHARS),
            ),
            (
                format!("{s}/SingleLine100/maxLength"),
                as_u64(SpeakerName::MAX_CHARS),
            ),
            (
                format!("{s}/NewProposal/properties/abstract/maxLength"),
                as_u64(Abstract::MAX_CHARS),
            ),
            (
                format!("{s}/ProposalChanges/properties/abstract/maxLength"),
                as_u64(Abstract::MAX_CHARS),
            ),
            (
                format!("{s}/NewProposal/properties/description/anyOf/0/maxLength"),
                as_u64(Description::MAX_CHARS),
            ),
            (format!("{s}/Bio/anyOf/0/maxLength"), as_u64(Bio::MAX_CHARS)),
            (
                format!("{s}/Language/maxLength"),
                as_u64(Language::MAX_CHARS),
            ),
            (
                format!(
                    "{s}/NewEvent/properties/sessionTypes/items/properties/durationMinutes/minimum"
                ),
                DurationMinutes::MIN,
            ),
            (
                format!(
                    "{s}/NewEvent/properties/sessionTypes/items/properties/durationMinutes/maximum"
                ),
                DurationMinutes::MAX,
            ),
            (
                "/components/parameters/UserId/schema/maxLength".to_owned(),
                as_u64(UserId::MAX_CHARS),
            ),
            (
                "/components/parameters/Limit/schema/maximum".to_owned(),
                u64::from(PageLimit::MAX),
            ),
        ];
        for (pointer, expected) in &cases {
            assert_eq!(number(pointer), *expected, "{pointer}");
        }
        let search = schema(&spec, "/paths/~1events~1{event}~1talks/get/parameters");
        let parameter = |name: &str| {
            search
                .as_array()
                .and_then(|list| list.iter().find(|p| p["name"] == name))
                .unwrap_or_else(|| panic!("search has no parameter {name}"))
        };
        assert_eq!(
            parameter("q")["schema"]["maxLength"],
            cfp_search::MAX_QUERY_CHARS
        );
        assert_eq!(
            parameter("limit")["schema"]["maximum"],
            cfp_search::MAX_LIMIT
        );
    }

    #[test]
    fn the_enumerations_are_the_domains() {
        let spec = spec();
        let values = |pointer: &str| -> Vec<String> {
            schema(&spec, pointer)
                .as_array()
                .unwrap_or_else(|| panic!("{pointer} is not a list"))
                .iter()
                .map(|v| v.as_str().expect("a string").to_owned())
                .collect()
        };
        let statuses = values("/components/schemas/ProposalStatus/enum");
        for status in &statuses {
            let parsed = ProposalStatus::parse(status).expect("a status of the description");
            assert_eq!(parsed.as_str(), status);
        }
        assert_eq!(
            statuses.len(),
            4,
            "submitted, confirmed, rejected, withdrawn"
        );
        let roles = values("/components/schemas/TeamMember/properties/role/enum");
        for role in &roles {
            assert_eq!(Role::parse(role).expect("a role").as_str(), role);
        }
        assert_eq!(roles.len(), 2);
        let types = values("/components/schemas/PictureUploadRequest/properties/contentType/enum");
        for content_type in &types {
            let parsed = PictureContentType::parse(content_type).expect("a picture type");
            assert_eq!(parsed.as_str(), content_type);
        }
        assert_eq!(types.len(), 3);
        // And nothing else is taken.
        assert!(ProposalStatus::parse("accepted").is_err());
        assert!(Role::parse("admin").is_err());
        assert!(PictureContentType::parse("image/gif").is_err());
    }

    /// The patterns agree with the parsers: a slug is valid to both or to neither, and what the
    /// code takes as a language the description does not refuse.
    #[test]
    fn the_patterns_agree_with_the_parsers() {
        let spec = spec();
        let valid = |name: &str, value: &str| {
            spec.validator(&json!({"$ref": format!("#/components/schemas/{name}")}))
                .expect("a schema")
                .is_valid(&json!(value))
        };
        let long = "a".repeat(64);
        let too_long = "a".repeat(65);
        for slug in [
            "abc", "a-b", "a--b", "1-2", "dev-2027", &long, &too_long, "ab", "-ab", "ab-", "AB",
            "a_b", "a b", "ä-b", "",
        ] {
            assert_eq!(
                valid("Slug", slug),
                EventSlug::parse(slug).is_ok(),
                "slug {slug:?}"
            );
        }
        for language in [
            "en",
            "de-CH",
            "zh-Hant-TW",
            "sr-Latn",
            "es-419",
            "english",
            "x-klingon",
            "en-",
            "i-klingon",
            "",
        ] {
            if Language::parse(language).is_ok() {
                assert!(valid("Language", language), "language {language:?}");
            }
        }
        for text in [
            "A title",
            "line\nbreak",
            "tab\there",
            "bell\u{7}",
            "c1\u{9b}",
        ] {
            assert_eq!(
                valid("SingleLine200", text),
                Title::parse(text).is_ok(),
                "title {text:?}"
            );
            assert_eq!(
                valid("MultiLine", text),
                Abstract::parse(text).is_ok(),
                "abstract {text:?}"
            );
        }
    }
}
