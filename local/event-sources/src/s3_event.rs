//! From the S3 notification moto sends to a queue to the record AWS S3 sends to Lambda: moto leaves
//! out `userIdentity`, `requestParameters`, `responseElements`, the bucket's `ownerIdentity` and
//! the object's `sequencer`, and encodes keys with Python's `quote_plus` (`/` becomes `%2F`);
//! AWS form-encodes keys but keeps `/`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// What is wrong with a notification message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum S3MessageError {
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("the message has no Records array")]
    NoRecords,
    #[error("record #{0} has no s3.object.key string")]
    NoKey(usize),
}

/// A notification message from the queue: S3's test event, or its records.
#[derive(Debug, Clone, PartialEq)]
pub enum S3Message {
    /// `s3:TestEvent`, sent when a notification configuration is set.
    Test,
    Records(Vec<Value>),
}

/// Parses the body of a message S3 (moto) sent to the queue.
pub fn parse_message(body: &str) -> Result<S3Message, S3MessageError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| S3MessageError::NotJson(e.to_string()))?;
    if value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(S3Message::Test);
    }
    match value.get("Records") {
        Some(Value::Array(records)) => Ok(S3Message::Records(records.clone())),
        _ => Err(S3MessageError::NoRecords),
    }
}

/// The notification configuration a record was sent for.
pub fn configuration_id(record: &Value) -> Option<&str> {
    record
        .pointer("/s3/configurationId")
        .and_then(Value::as_str)
}

/// Numbers the objects' `sequencer`s: larger for later events, as S3's are for one key.
#[derive(Debug, Default)]
pub struct Sequencer(AtomicU64);

impl Sequencer {
    fn next(&self) -> String {
        // S3's sequencers are upper-case hex strings of 16 or more digits.
        format!("{:016X}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// Completes `record` (index `index` of its message) into the record AWS sends.
pub fn complete_record(
    mut record: Value,
    index: usize,
    sequencer: &Sequencer,
) -> Result<Value, S3MessageError> {
    let moto_key = record
        .pointer("/s3/object/key")
        .and_then(Value::as_str)
        .ok_or(S3MessageError::NoKey(index))?;
    let key = aws_key_encoding(&form_decode(moto_key));
    let request_id = short_id(16);
    let Some(object) = record.as_object_mut() else {
        return Err(S3MessageError::NoKey(index));
    };
    object
        .entry("userIdentity")
        .or_insert_with(|| json!({ "principalId": "AWS:CFPLOCALEXAMPLE" }));
    object
        .entry("requestParameters")
        .or_insert_with(|| json!({ "sourceIPAddress": "127.0.0.1" }));
    object.entry("responseElements").or_insert_with(|| {
        json!({
            "x-amz-request-id": request_id,
            "x-amz-id-2": format!("{}/{}", short_id(32), short_id(24)),
        })
    });
    if let Some(bucket) = record
        .pointer_mut("/s3/bucket")
        .and_then(Value::as_object_mut)
    {
        bucket
            .entry("ownerIdentity")
            .or_insert_with(|| json!({ "principalId": "CFPLOCALOWNER" }));
    }
    if let Some(object) = record
        .pointer_mut("/s3/object")
        .and_then(Value::as_object_mut)
    {
        object.insert("key".into(), Value::String(key));
        object
            .entry("sequencer")
            .or_insert_with(|| Value::String(sequencer.next()));
    }
    Ok(record)
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("k={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Encodes an object key the way S3 event notifications do: form encoding (spaces as `+`), with
/// `/` left as it is.
pub fn aws_key_encoding(key: &str) -> String {
    key.split('/')
        .map(|segment| form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>())
        .collect::<Vec<_>>()
        .join("/")
}

/// An upper-case alphanumeric id of `len` characters, like S3's request ids.
fn short_id(len: usize) -> String {
    uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase()
        .chars()
        .cycle()
        .take(len)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moto_message(key: &str) -> String {
        json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-central-1",
            "eventTime": "2026-01-01T10:00:00.123Z", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "Fn-Upload",
                   "bucket": {"name": "b", "arn": "arn:aws:s3:::b"},
                   "object": {"key": key, "size": 3, "eTag": "abc"}}
        }]})
        .to_string()
    }

    #[test]
    fn keys_are_encoded_as_aws_does() {
        assert_eq!(
            aws_key_encoding("uploads/my photo.jpg"),
            "uploads/my+photo.jpg"
        );
        assert_eq!(
            aws_key_encoding("a/b=c&d:é.png"),
            "a/b%3Dc%26d%3A%C3%A9.png"
        );
        assert_eq!(
            form_decode("uploads%2Fmy+photo%2B1.jpg"),
            "uploads/my photo+1.jpg"
        );
    }

    #[test]
    fn a_moto_record_becomes_an_s3_event_record() {
        let S3Message::Records(records) =
            parse_message(&moto_message("uploads%2Fa+b%2Fc%2B.jpg")).expect("parses")
        else {
            panic!("records expected")
        };
        let sequencer = Sequencer::default();
        let record = complete_record(records[0].clone(), 0, &sequencer).expect("completes");
        assert_eq!(configuration_id(&record), Some("Fn-Upload"));
        assert_eq!(record["s3"]["object"]["key"], "uploads/a+b/c%2B.jpg");
        assert_eq!(record["s3"]["object"]["sequencer"], "0000000000000001");
        let event: aws_lambda_events::event::s3::S3Event =
            serde_json::from_value(json!({ "Records": [record] })).expect("an S3Event");
        let record = &event.records[0];
        assert_eq!(record.event_name.as_deref(), Some("ObjectCreated:Put"));
        assert_eq!(
            record.s3.object.key.as_deref(),
            Some("uploads/a+b/c%2B.jpg")
        );
        assert_eq!(record.s3.bucket.name.as_deref(), Some("b"));
        assert!(record.response_elements.contains_key("x-amz-request-id"));
        let second = complete_record(records[0].clone(), 0, &sequencer).expect("completes");
        assert_eq!(second["s3"]["object"]["sequencer"], "0000000000000002");
    }

    #[test]
    fn test_events_and_bad_messages() {
        assert_eq!(
            parse_message(r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}"#),
            Ok(S3Message::Test)
        );
        assert!(matches!(
            parse_message("{"),
            Err(S3MessageError::NotJson(_))
        ));
        assert_eq!(parse_message("{}"), Err(S3MessageError::NoRecords));
        assert_eq!(
            complete_record(json!({"s3": {}}), 4, &Sequencer::default()),
            Err(S3MessageError::NoKey(4))
        );
    }
}
