//! For the stream functions' handler tests: their sample events as Lambda hands them over, copies
//! of a record with the changes a test needs, and the failures a batch response reports.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use serde_json::Value;

/// A DynamoDB stream event, as the runtime deserializes it.
pub fn stream_event(json: Value) -> Event {
    serde_json::from_value(json).expect("a DynamoDB stream event")
}

/// The sequence numbers a batch response reports as failed.
pub fn failures(response: &DynamoDbEventResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .filter_map(|failure| failure.item_identifier.clone())
        .collect()
}

/// A copy of the sample's first record with its own sequence number, changed by `change`.
pub fn record_copy(
    sample: &Value,
    sequence_number: &str,
    change: impl FnOnce(&mut Value),
) -> Value {
    let mut record = sample["Records"][0].clone();
    record["dynamodb"]["SequenceNumber"] = Value::String(sequence_number.to_owned());
    change(&mut record);
    record
}

/// Sets a string attribute of a stream image (`NewImage` / `OldImage`).
pub fn set_string(image: &mut Value, attribute: &str, value: &str) {
    image[attribute]["S"] = Value::String(value.to_owned());
}

/// An event item's image as a stream record carries it (DynamoDB JSON).
pub fn event_image(event: &cfp_domain::event::Event) -> Value {
    let item: serde_dynamo::Item =
        serde_dynamo::to_item(crate::event_item::EventItem::from(event)).expect("an event item");
    serde_json::to_value(item).expect("DynamoDB JSON")
}

/// A stream record of the event's item with its own sequence number: an `INSERT` of `new`, or
/// with `old` a `MODIFY` from `old` to `new`.
pub fn event_record(
    sequence_number: &str,
    old: Option<&cfp_domain::event::Event>,
    new: &cfp_domain::event::Event,
) -> Value {
    let image = event_image(new);
    let mut record = serde_json::json!({
        "eventID": format!("event-{sequence_number}"),
        "eventName": if old.is_some() { "MODIFY" } else { "INSERT" },
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-central-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1796121000,
            "Keys": {"pk": image["pk"].clone(), "sk": image["sk"].clone()},
            "NewImage": image,
            "SequenceNumber": sequence_number,
            "SizeBytes": 900,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    });
    if let Some(old) = old {
        record["dynamodb"]["OldImage"] = event_image(old);
    }
    record
}
