//! A DynamoDB stream record, as GetRecords returns it, turned into the record of Lambda's DynamoDB
//! event: `{"eventID", "eventName", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion",
//! "dynamodb": {...}, "eventSourceARN"}` with attribute values in DynamoDB JSON.

use std::collections::HashMap;

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// Why a stream record cannot be turned into a Lambda event record.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConversionError {
    #[error("the stream record has no `{0}`")]
    MissingField(&'static str),
    #[error("attribute `{attribute}` has a type this SDK does not know")]
    UnknownAttributeType { attribute: String },
    #[error("ApproximateCreationDateTime {0} is out of range")]
    TimestampOutOfRange(i64),
}

/// One record ready for delivery: its Lambda JSON plus what batching and failure reports need.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub sequence_number: String,
    /// `ApproximateCreationDateTime`, whole seconds as DynamoDB Streams reports it.
    pub created_at: DateTime<Utc>,
    pub json: Value,
    /// Bytes of `json` once encoded, for Lambda's payload limit.
    pub encoded_len: usize,
}

/// Converts `record` for delivery. `region` replaces the record's own `awsRegion` (the stack's
/// Region is what Lambda reports; moto always says us-east-1).
pub fn to_event_record(
    record: &Record,
    region: &str,
    stream_arn: &str,
) -> Result<EventRecord, ConversionError> {
    let change = record
        .dynamodb()
        .ok_or(ConversionError::MissingField("dynamodb"))?;
    let event_id = record
        .event_id()
        .ok_or(ConversionError::MissingField("eventID"))?;
    let event_name = record
        .event_name()
        .ok_or(ConversionError::MissingField("eventName"))?;
    let sequence_number = change
        .sequence_number()
        .ok_or(ConversionError::MissingField("SequenceNumber"))?;
    let created = change
        .approximate_creation_date_time()
        .ok_or(ConversionError::MissingField("ApproximateCreationDateTime"))?;
    let size_bytes = change
        .size_bytes()
        .ok_or(ConversionError::MissingField("SizeBytes"))?;
    // DynamoDB Streams timestamps are whole seconds; moto adds a fraction that Lambda never shows.
    let created_secs = created.secs();
    let created_at = DateTime::<Utc>::from_timestamp(created_secs, 0)
        .ok_or(ConversionError::TimestampOutOfRange(created_secs))?;

    let mut dynamodb = Map::new();
    dynamodb.insert("ApproximateCreationDateTime".into(), json!(created_secs));
    for (name, image) in [
        ("Keys", change.keys()),
        ("NewImage", change.new_image()),
        ("OldImage", change.old_image()),
    ] {
        if let Some(image) = image {
            dynamodb.insert(name.into(), item_to_json(image)?);
        }
    }
    dynamodb.insert("SequenceNumber".into(), json!(sequence_number));
    dynamodb.insert("SizeBytes".into(), json!(size_bytes));
    if let Some(view) = change.stream_view_type() {
        dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
    }

    let mut event = Map::new();
    event.insert("eventID".into(), json!(event_id));
    event.insert("eventName".into(), json!(event_name.as_str()));
    event.insert("eventVersion".into(), json!("1.1"));
    event.insert("eventSource".into(), json!("aws:dynamodb"));
    event.insert("awsRegion".into(), json!(region));
    event.insert("dynamodb".into(), Value::Object(dynamodb));
    event.insert("eventSourceARN".into(), json!(stream_arn));
    // Present on deletions by TTL: {"type": "Service", "principalId": "dynamodb.amazonaws.com"}.
    if let Some(identity) = record.user_identity() {
        let mut user = Map::new();
        if let Some(kind) = identity.r#type() {
            user.insert("type".into(), json!(kind));
        }
        if let Some(principal) = identity.principal_id() {
            user.insert("principalId".into(), json!(principal));
        }
        event.insert("userIdentity".into(), Value::Object(user));
    }

    let json = Value::Object(event);
    Ok(EventRecord {
        sequence_number: sequence_number.to_owned(),
        created_at,
        encoded_len: json.to_string().len(),
        json,
    })
}

fn item_to_json(item: &HashMap<String, AttributeValue>) -> Result<Value, ConversionError> {
    item.iter()
        .map(|(name, value)| Ok((name.clone(), attribute_to_json(name, value)?)))
        .collect::<Result<Map<_, _>, _>>()
        .map(Value::Object)
}

/// One attribute value in DynamoDB JSON (`{"S": ...}`, `{"N": "..."}`, `{"B": base64}`, ...).
/// `name` names the attribute in errors.
fn attribute_to_json(name: &str, value: &AttributeValue) -> Result<Value, ConversionError> {
    Ok(match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(blob) => json!({ "B": BASE64.encode(blob.as_ref()) }),
        AttributeValue::Ss(set) => json!({ "SS": set }),
        AttributeValue::Ns(set) => json!({ "NS": set }),
        AttributeValue::Bs(set) => {
            json!({ "BS": set.iter().map(|b| BASE64.encode(b.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::M(map) => json!({ "M": item_to_json(map)? }),
        AttributeValue::L(list) => json!({
            "L": list
                .iter()
                .map(|v| attribute_to_json(name, v))
                .collect::<Result<Vec<_>, _>>()?
        }),
        AttributeValue::Null(is_null) => json!({ "NULL": is_null }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        _ => {
            return Err(ConversionError::UnknownAttributeType {
                attribute: name.to_owned(),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodbstreams::primitives::{Blob, DateTime as SdkDateTime};
    use aws_sdk_dynamodbstreams::types::{Identity, OperationType, StreamRecord, StreamViewType};

    use super::*;

    const ARN: &str =
        "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp/stream/2026-01-01T00:00:00.000";

    fn modify_record() -> Record {
        let change = StreamRecord::builder()
            .approximate_creation_date_time(SdkDateTime::from_secs_f64(1_700_000_000.75))
            .keys("pk", AttributeValue::S("EVENT#rustconf".into()))
            .keys("sk", AttributeValue::S("CFP#1".into()))
            .new_image("pk", AttributeValue::S("EVENT#rustconf".into()))
            .new_image("votes", AttributeValue::N("42".into()))
            .new_image(
                "picture",
                AttributeValue::B(Blob::new(vec![0u8, 1, 2, 255])),
            )
            .new_image(
                "tags",
                AttributeValue::Ss(vec!["rust".into(), "aws".into()]),
            )
            .new_image("scores", AttributeValue::Ns(vec!["1".into(), "2.5".into()]))
            .new_image("blobs", AttributeValue::Bs(vec![Blob::new(b"hi".to_vec())]))
            .new_image(
                "speaker",
                AttributeValue::M(HashMap::from([
                    ("name".to_owned(), AttributeValue::S("Ferris".into())),
                    ("bio".to_owned(), AttributeValue::Null(true)),
                ])),
            )
            .new_image(
                "slots",
                AttributeValue::L(vec![
                    AttributeValue::N("1".into()),
                    AttributeValue::Bool(false),
                ]),
            )
            .new_image("confirmed", AttributeValue::Bool(true))
            .old_image("votes", AttributeValue::N("41".into()))
            .sequence_number("1100000000017454423010")
            .size_bytes(321)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build();
        Record::builder()
            .event_id("e1")
            .event_name(OperationType::Modify)
            .event_version("1.0")
            .event_source("aws:dynamodb")
            .aws_region("us-east-1")
            .dynamodb(change)
            .build()
    }

    fn convert(record: &Record) -> EventRecord {
        match to_event_record(record, "eu-central-1", ARN) {
            Ok(converted) => converted,
            Err(e) => panic!("conversion failed: {e}"),
        }
    }

    #[test]
    fn converts_to_lambdas_record_shape() {
        let converted = convert(&modify_record());
        assert_eq!(converted.sequence_number, "1100000000017454423010");
        assert_eq!(converted.created_at.timestamp(), 1_700_000_000);
        assert_eq!(converted.encoded_len, converted.json.to_string().len());
        let expected = json!({
            "eventID": "e1",
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-central-1",
            "eventSourceARN": ARN,
            "dynamodb": {
                "ApproximateCreationDateTime": 1_700_000_000,
                "Keys": {"pk": {"S": "EVENT#rustconf"}, "sk": {"S": "CFP#1"}},
                "NewImage": {
                    "pk": {"S": "EVENT#rustconf"},
                    "votes": {"N": "42"},
                    "picture": {"B": "AAEC/w=="},
                    "tags": {"SS": ["rust", "aws"]},
                    "scores": {"NS": ["1", "2.5"]},
                    "blobs": {"BS": ["aGk="]},
                    "speaker": {"M": {"name": {"S": "Ferris"}, "bio": {"NULL": true}}},
                    "slots": {"L": [{"N": "1"}, {"BOOL": false}]},
                    "confirmed": {"BOOL": true}
                },
                "OldImage": {"votes": {"N": "41"}},
                "SequenceNumber": "1100000000017454423010",
                "SizeBytes": 321,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        });
        assert_eq!(converted.json, expected);
    }

    #[test]
    fn the_record_deserializes_as_a_lambda_dynamodb_event() {
        let converted = convert(&modify_record());
        let payload = json!({ "Records": [converted.json] });
        let event: aws_lambda_events::event::dynamodb::Event = match serde_json::from_value(payload)
        {
            Ok(event) => event,
            Err(e) => panic!("not a Lambda DynamoDB event: {e}"),
        };
        let record = &event.records[0];
        assert_eq!(record.event_name, "MODIFY");
        assert_eq!(record.aws_region, "eu-central-1");
        assert_eq!(record.event_source_arn.as_deref(), Some(ARN));
        assert_eq!(
            record.change.approximate_creation_date_time.timestamp(),
            1_700_000_000
        );
        assert_eq!(
            record.change.sequence_number.as_deref(),
            Some("1100000000017454423010")
        );
        assert_eq!(record.change.size_bytes, 321);
        assert_eq!(record.change.keys.len(), 2);
        assert_eq!(record.change.new_image.len(), 9);
        assert_eq!(record.change.old_image.len(), 1);
    }

    #[test]
    fn an_insert_has_no_old_image_and_ttl_deletions_carry_the_identity() {
        let change = StreamRecord::builder()
            .approximate_creation_date_time(SdkDateTime::from_secs(1))
            .keys("pk", AttributeValue::S("k".into()))
            .old_image("pk", AttributeValue::S("k".into()))
            .sequence_number("7")
            .size_bytes(3)
            .stream_view_type(StreamViewType::OldImage)
            .build();
        let record = Record::builder()
            .event_id("e2")
            .event_name(OperationType::Remove)
            .dynamodb(change)
            .user_identity(
                Identity::builder()
                    .r#type("Service")
                    .principal_id("dynamodb.amazonaws.com")
                    .build(),
            )
            .build();
        let converted = convert(&record).json;
        assert_eq!(converted["eventName"], "REMOVE");
        assert!(converted["dynamodb"].get("NewImage").is_none());
        assert_eq!(converted["dynamodb"]["OldImage"], json!({"pk": {"S": "k"}}));
        assert_eq!(
            converted["userIdentity"],
            json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"})
        );
    }

    #[test]
    fn incomplete_records_are_errors() {
        let record = Record::builder().event_id("e").build();
        assert_eq!(
            to_event_record(&record, "r", ARN),
            Err(ConversionError::MissingField("dynamodb"))
        );
        let record = Record::builder()
            .event_id("e")
            .event_name(OperationType::Insert)
            .dynamodb(StreamRecord::builder().size_bytes(1).build())
            .build();
        assert_eq!(
            to_event_record(&record, "r", ARN),
            Err(ConversionError::MissingField("SequenceNumber"))
        );
    }
}
