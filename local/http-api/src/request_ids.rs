//! The identifiers API Gateway gives each request: the request id (`requestContext.requestId` and
//! the `apigw-requestid` response header, a short base64 string such as `Mc7UVioPPHcEKPA=`) and the
//! X-Ray trace id passed to the function in `x-amzn-trace-id` (`Root=1-<epoch hex>-<96 bits hex>`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub struct RequestIds {
    pub request_id: String,
    pub trace_id: String,
}

impl RequestIds {
    pub fn new(now: DateTime<Utc>) -> Self {
        let random = Uuid::new_v4();
        let bytes = random.as_bytes();
        let request_id = STANDARD.encode(&bytes[..11]);
        let trace_random: String = bytes[4..16].iter().map(|b| format!("{b:02x}")).collect();
        let trace_id = format!("Root=1-{:08x}-{trace_random}", now.timestamp());
        Self {
            request_id,
            trace_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_api_gateway_shapes() {
        let now = Utc::now();
        let ids = RequestIds::new(now);
        assert_eq!(ids.request_id.len(), 16);
        assert!(ids.request_id.ends_with('='));
        let parts: Vec<_> = ids.trace_id.split('-').collect();
        assert_eq!(parts.len(), 3, "{}", ids.trace_id);
        assert_eq!(parts[0], "Root=1");
        assert_eq!(parts[1], format!("{:08x}", now.timestamp()));
        assert_eq!(parts[2].len(), 24);
        assert_ne!(RequestIds::new(now).request_id, ids.request_id);
    }
}
