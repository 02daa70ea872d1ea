//! How API Gateway hands a token's claims to the function: every claim becomes a string.
//! Strings stay as they are, numbers and booleans become their text, arrays become
//! `"[a b c]"` (which is how `cognito:groups` arrives) and objects their JSON text.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The claims as `requestContext.authorizer.jwt.claims` carries them.
pub fn stringify_claims(claims: &Map<String, Value>) -> BTreeMap<String, String> {
    claims
        .iter()
        .map(|(name, value)| (name.clone(), claim_text(value)))
        .collect()
}

fn claim_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(claim_text).collect();
            format!("[{}]", items.join(" "))
        }
        // Objects (and null) have no plainer form than their JSON text.
        Value::Object(_) | Value::Null => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_become_strings_as_api_gateway_writes_them() {
        let claims = json!({
            "sub": "abc-123",
            "cognito:groups": ["admins", "speakers"],
            "email_verified": true,
            "exp": 1_700_000_000,
            "ratio": 1.5,
            "empty": [],
            "address": {"country": "DE"},
            "nothing": null,
            "nested": [["a", 1], "b"],
        });
        let Value::Object(claims) = claims else {
            panic!("test claims are an object")
        };
        let text = stringify_claims(&claims);
        assert_eq!(text["sub"], "abc-123");
        assert_eq!(text["cognito:groups"], "[admins speakers]");
        assert_eq!(text["email_verified"], "true");
        assert_eq!(text["exp"], "1700000000");
        assert_eq!(text["ratio"], "1.5");
        assert_eq!(text["empty"], "[]");
        assert_eq!(text["address"], r#"{"country":"DE"}"#);
        assert_eq!(text["nothing"], "null");
        assert_eq!(text["nested"], "[[a 1] b]");
    }
}
