//! What an invocation or a stream record is about, as fields of every log line logged within it.

use lambda_http::RequestExt;
use tracing::Span;
use tracing::field::Empty;

/// Longer than any slug, UUID or talk id.
const MAX_ID_CHARS: usize = 100;

/// The event, proposal and talk some work is about, where known.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogContext<'a> {
    /// The event's slug.
    pub event: Option<&'a str>,
    pub proposal: Option<&'a str>,
    pub talk: Option<&'a str>,
}

impl LogContext<'_> {
    /// A span whose fields (`eventSlug`, `proposalId`, `talkId`) every line logged inside it
    /// carries. Values that are not shaped like a slug or an id are left out: they may come
    /// straight from a caller, and an address or a token must never reach the log.
    ///
    /// An ERROR-level span, so that the context is kept whatever level `RUST_LOG` lets through.
    pub fn span(&self) -> Span {
        let span = tracing::error_span!(
            "context",
            eventSlug = Empty,
            proposalId = Empty,
            talkId = Empty
        );
        if let Some(event) = self.event.filter(|v| is_identifier(v)) {
            span.record("eventSlug", event);
        }
        if let Some(proposal) = self.proposal.filter(|v| is_identifier(v)) {
            span.record("proposalId", proposal);
        }
        if let Some(talk) = self.talk.filter(|v| is_identifier(v)) {
            span.record("talkId", talk);
        }
        span
    }
}

/// The context of an HTTP API request, from its path parameters (`{event}`, `{id}` of a
/// proposal, `{talkId}`), as the template names them.
pub fn http_request_span(request: &lambda_http::Request) -> Span {
    let parameters = request.path_parameters_ref();
    let parameter = |name: &str| parameters.and_then(|p| p.first(name));
    LogContext {
        event: parameter("event"),
        proposal: parameter("id"),
        talk: parameter("talkId"),
    }
    .span()
}

/// Adds a proposal to the current [`LogContext`] span once it is known (a new proposal's id is
/// made by the handler, not given in the path), so that the lines after carry it.
pub fn record_proposal(id: &str) {
    if is_identifier(id) {
        Span::current().record("proposalId", id);
    }
}

/// Slugs, UUIDs and talk ids: ASCII letters, digits, `-` and `_`; never `@`, `.` or `/`.
pub(crate) fn is_identifier(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ID_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_ids_are_identifiers() {
        assert!(is_identifier("devconf-2027"));
        assert!(is_identifier("019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c"));
    }

    #[test]
    fn addresses_tokens_and_oversized_values_are_not() {
        assert!(!is_identifier("ada@example.org"));
        assert!(!is_identifier("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"));
        assert!(!is_identifier(""));
        assert!(!is_identifier(&"a".repeat(MAX_ID_CHARS + 1)));
        assert!(!is_identifier("a b"));
    }
}
