//! From the SNS envelope moto puts on a subscribed queue (raw delivery off) to the record SNS sends
//! to a Lambda subscription: the same notification, with Lambda's field names (`SigningCertUrl`,
//! `UnsubscribeUrl`), the subscription's ARN and `Subject` and `MessageAttributes` always present.

use serde_json::{Map, Value, json};

/// What is wrong with an envelope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnsMessageError {
    #[error("the message is not a JSON object: {0}")]
    NotJson(String),
    #[error("the envelope has no `{0}` string")]
    Missing(&'static str),
}

/// The `Records[]` entry of Lambda's SNS event for one envelope.
pub fn sns_record(envelope: &str, subscription_arn: &str) -> Result<Value, SnsMessageError> {
    let value: Value =
        serde_json::from_str(envelope).map_err(|e| SnsMessageError::NotJson(e.to_string()))?;
    let Value::Object(envelope) = value else {
        return Err(SnsMessageError::NotJson("not an object".into()));
    };
    let text = |key: &'static str| -> Result<Value, SnsMessageError> {
        envelope
            .get(key)
            .filter(|v| v.is_string())
            .cloned()
            .ok_or(SnsMessageError::Missing(key))
    };
    let topic_arn = text("TopicArn")?;
    let unsubscribe_url = match envelope.get("UnsubscribeURL").and_then(Value::as_str) {
        // moto's URL names a made-up subscription; point it at the real one.
        Some(url) => match url.split_once("SubscriptionArn=") {
            Some((base, _)) => format!("{base}SubscriptionArn={subscription_arn}"),
            None => url.to_owned(),
        },
        None => String::new(),
    };
    let attributes = match envelope.get("MessageAttributes") {
        Some(Value::Object(attributes)) => attributes.clone(),
        _ => Map::new(),
    };
    Ok(json!({
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": envelope.get("Type").cloned().unwrap_or_else(|| json!("Notification")),
            "MessageId": text("MessageId")?,
            "TopicArn": topic_arn,
            "Subject": envelope.get("Subject").cloned().unwrap_or(Value::Null),
            "Message": text("Message")?,
            "Timestamp": text("Timestamp")?,
            "SignatureVersion": envelope.get("SignatureVersion").cloned().unwrap_or_else(|| json!("1")),
            "Signature": envelope.get("Signature").cloned().unwrap_or_else(|| json!("")),
            "SigningCertUrl": envelope.get("SigningCertURL").cloned().unwrap_or_else(|| json!("")),
            "UnsubscribeUrl": unsubscribe_url,
            "MessageAttributes": attributes,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBSCRIPTION: &str = "arn:aws:sns:eu-central-1:123456789012:events:2bcfbf39";

    #[test]
    fn an_envelope_becomes_a_lambda_sns_record() {
        let envelope = json!({
            "Type": "Notification", "MessageId": "m-1",
            "TopicArn": "arn:aws:sns:eu-central-1:123456789012:events",
            "Message": "{\"talk\":\"t1\"}", "Timestamp": "2026-01-01T10:00:00.123Z",
            "SignatureVersion": "2", "Signature": "c2ln",
            "SigningCertURL": "https://sns.eu-central-1.amazonaws.com/x.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:made:up",
            "MessageAttributes": {"kind": {"Type": "String", "Value": "talk.confirmed"}}
        })
        .to_string();
        let record = sns_record(&envelope, SUBSCRIPTION).expect("converts");
        assert_eq!(
            record["Sns"]["UnsubscribeUrl"],
            format!(
                "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SUBSCRIPTION}"
            )
        );
        let event: aws_lambda_events::event::sns::SnsEvent =
            serde_json::from_value(json!({ "Records": [record] })).expect("an SnsEvent");
        let record = &event.records[0];
        assert_eq!(record.event_source, "aws:sns");
        assert_eq!(record.event_subscription_arn, SUBSCRIPTION);
        assert_eq!(record.sns.message, "{\"talk\":\"t1\"}");
        assert_eq!(record.sns.subject, None);
        assert_eq!(
            record.sns.signing_cert_url,
            "https://sns.eu-central-1.amazonaws.com/x.pem"
        );
        assert_eq!(
            record.sns.message_attributes["kind"].value,
            "talk.confirmed"
        );
        assert_eq!(record.sns.message_attributes["kind"].data_type, "String");
    }

    #[test]
    fn bad_envelopes_are_named() {
        assert!(matches!(
            sns_record("[", SUBSCRIPTION),
            Err(SnsMessageError::NotJson(_))
        ));
        assert!(matches!(
            sns_record("[]", SUBSCRIPTION),
            Err(SnsMessageError::NotJson(_))
        ));
        assert_eq!(
            sns_record(
                r#"{"TopicArn":"t","MessageId":"m","Timestamp":"t"}"#,
                SUBSCRIPTION
            ),
            Err(SnsMessageError::Missing("Message"))
        );
    }
}
