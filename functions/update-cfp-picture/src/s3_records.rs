//! The objects an S3 notification names. Read leniently from JSON: S3 events differ between
//! senders (moto leaves out fields AWS sends), and no shape of event may crash the function.

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// One record's object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedObject {
    pub bucket: String,
    /// Decoded: S3 events carry keys form-encoded (`+` for a space, `%XX` for the rest).
    pub key: String,
}

/// A record that names no object, or one that was not created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRecord {
    pub index: usize,
    pub reason: String,
}

/// The created objects of an S3 event, and the records skipped. `s3:TestEvent` has none.
pub fn created_objects(event: &Value) -> (Vec<CreatedObject>, Vec<SkippedRecord>) {
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, record) in records.iter().enumerate() {
        match created_object(record) {
            Ok(object) => objects.push(object),
            Err(reason) => skipped.push(SkippedRecord { index, reason }),
        }
    }
    (objects, skipped)
}

fn created_object(record: &Value) -> Result<CreatedObject, String> {
    if let Some(name) = record.get("eventName").and_then(Value::as_str)
        && !name.starts_with("ObjectCreated:")
    {
        return Err(format!("event {name} creates no object"));
    }
    let bucket = record
        .pointer("/s3/bucket/name")
        .and_then(Value::as_str)
        .ok_or("no s3.bucket.name")?;
    let key = record
        .pointer("/s3/object/key")
        .and_then(Value::as_str)
        .ok_or("no s3.object.key")?;
    Ok(CreatedObject {
        bucket: bucket.to_owned(),
        key: decode_key(key)?,
    })
}

/// As AWS documents for S3 event keys: form encoding, `+` first, then percent escapes.
pub fn decode_key(encoded: &str) -> Result<String, String> {
    let plus_as_space = encoded.replace('+', " ");
    percent_decode_str(&plus_as_space)
        .decode_utf8()
        .map(|key| key.into_owned())
        .map_err(|_| "the key is not UTF-8 once decoded".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_form_decoded() {
        assert_eq!(
            decode_key("pictures/uploads/a/b/c"),
            Ok("pictures/uploads/a/b/c".into())
        );
        assert_eq!(
            decode_key("pictures%2Fuploads%2Fa"),
            Ok("pictures/uploads/a".into())
        );
        assert_eq!(decode_key("my+photo%2B1.png"), Ok("my photo+1.png".into()));
        assert!(decode_key("%FF%FE").is_err());
    }

    #[test]
    fn records_without_objects_are_skipped_and_test_events_have_none() {
        let event = json!({"Records": [
            {"eventName": "ObjectCreated:Post", "s3": {"bucket": {"name": "b"}, "object": {"key": "k%2F1"}}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}},
            {"s3": {"bucket": {"name": "b"}}},
            "not a record",
            {"s3": {"bucket": {"name": "b"}, "object": {"key": "no-event-name"}}},
        ]});
        let (objects, skipped) = created_objects(&event);
        assert_eq!(
            objects,
            vec![
                CreatedObject {
                    bucket: "b".into(),
                    key: "k/1".into()
                },
                CreatedObject {
                    bucket: "b".into(),
                    key: "no-event-name".into()
                },
            ]
        );
        assert_eq!(
            skipped.iter().map(|s| s.index).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        for nothing in [
            json!({"Event": "s3:TestEvent"}),
            json!(null),
            json!([1]),
            json!({"Records": 3}),
        ] {
            assert_eq!(created_objects(&nothing), (vec![], vec![]));
        }
    }
}
