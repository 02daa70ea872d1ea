//! Listing proposals a page at a time: which proposals (an event's, by state, or a speaker's
//! own), how many per page, and the opaque cursor that continues a listing. Newest first: a
//! proposal id is a UUID v7, so ids order proposals by submission time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::event::EventSlug;
use crate::proposal::{Proposal, ProposalId, ProposalStatus};
use crate::team::UserId;
use crate::validation::InvalidValue;

/// Which proposals a listing shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// An event's proposals, in one state or all.
    Event {
        event: EventSlug,
        status: Option<ProposalStatus>,
    },
    /// A speaker's own, across events.
    Owner(UserId),
}

impl Listing {
    /// Ties a cursor to the listing it came from.
    fn scope(&self) -> String {
        match self {
            Listing::Event { event, status } => format!(
                "event:{event}:{}",
                status.map_or("all", |status| status.as_str())
            ),
            Listing::Owner(_) => "me".to_owned(),
        }
    }

    pub fn includes(&self, proposal: &Proposal) -> bool {
        match self {
            Listing::Event { event, status } => {
                proposal.event == *event && status.is_none_or(|status| proposal.status == status)
            }
            Listing::Owner(owner) => proposal.owner == *owner,
        }
    }
}

/// Proposals per page: 1..=100, 20 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u8);

impl PageLimit {
    pub const DEFAULT: PageLimit = PageLimit(20);
    pub const MAX: u8 = 100;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        raw.parse::<u8>()
            .ok()
            .filter(|limit| (1..=Self::MAX).contains(limit))
            .map(PageLimit)
            .ok_or_else(|| InvalidValue::invalid("must be a whole number from 1 to 100"))
    }

    pub fn get(&self) -> usize {
        usize::from(self.0)
    }
}

/// Where a listing continues: after this proposal. Clients see only an opaque string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    scope: String,
    pub event: EventSlug,
    pub id: ProposalId,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorJson {
    s: String,
    e: String,
    i: String,
}

impl ListCursor {
    /// The cursor that continues `listing` after `last`.
    pub fn after(listing: &Listing, last: &Proposal) -> Self {
        ListCursor {
            scope: listing.scope(),
            event: last.event.clone(),
            id: last.id,
        }
    }

    /// base64url (no padding) of a small JSON document.
    pub fn encode(&self) -> String {
        let json = serde_json::json!({"s": self.scope, "e": self.event.as_str(), "i": self.id.to_string()});
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    /// A cursor this service handed out for `listing`; anything else is refused.
    pub fn decode(raw: &str, listing: &Listing) -> Result<Self, InvalidValue> {
        let refused = || InvalidValue::invalid("is not a cursor of this listing");
        // Far longer than any cursor this service makes; keeps decoding cheap.
        if raw.len() > 512 {
            return Err(refused());
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| refused())?;
        // serde would also read the struct from an array of its fields; only objects are ours.
        if bytes.first() != Some(&b'{') {
            return Err(refused());
        }
        let json: CursorJson = serde_json::from_slice(&bytes).map_err(|_| refused())?;
        if json.s != listing.scope() {
            return Err(refused());
        }
        let event = EventSlug::parse(&json.e).map_err(|_| refused())?;
        let id = ProposalId::parse(&json.i).map_err(|_| refused())?;
        if let Listing::Event { event: listed, .. } = listing
            && *listed != event
        {
            return Err(refused());
        }
        Ok(ListCursor {
            scope: json.s,
            event,
            id,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: PageLimit,
    pub after: Option<ListCursor>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub items: Vec<Proposal>,
    /// `None` on the last page.
    pub next: Option<ListCursor>,
}

impl Page {
    /// The page from up to `limit + 1` proposals, newest first: the extra one only says that
    /// there is more.
    pub fn from_overfetch(listing: &Listing, mut items: Vec<Proposal>, limit: PageLimit) -> Page {
        let more = items.len() > limit.get();
        items.truncate(limit.get());
        let next = if more {
            items.last().map(|last| ListCursor::after(listing, last))
        } else {
            None
        };
        Page { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    fn event_listing(status: Option<ProposalStatus>) -> Listing {
        Listing::Event {
            event: test_data::event().slug,
            status,
        }
    }

    #[test]
    fn limits_are_1_to_100() {
        assert_eq!(PageLimit::parse("1").map(|l| l.get()), Ok(1));
        assert_eq!(PageLimit::parse("100").map(|l| l.get()), Ok(100));
        assert_eq!(PageLimit::DEFAULT.get(), 20);
        for bad in [
            "0",
            "101",
            "-1",
            "",
            "ten",
            "20.0",
            " 20",
            "256",
            "99999999999",
        ] {
            assert!(PageLimit::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_are_url_safe() {
        let listing = event_listing(Some(ProposalStatus::Submitted));
        let cursor = ListCursor::after(&listing, &test_data::proposal());
        let encoded = cursor.encode();
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{encoded}"
        );
        assert_eq!(ListCursor::decode(&encoded, &listing), Ok(cursor));
    }

    #[test]
    fn a_cursor_of_another_listing_is_refused() {
        let submitted = event_listing(Some(ProposalStatus::Submitted));
        let encoded = ListCursor::after(&submitted, &test_data::proposal()).encode();
        for other in [
            event_listing(None),
            event_listing(Some(ProposalStatus::Confirmed)),
            Listing::Owner(test_data::speaker().user_id),
            Listing::Event {
                event: EventSlug::parse("other-conf").expect("slug"),
                status: Some(ProposalStatus::Submitted),
            },
        ] {
            assert!(ListCursor::decode(&encoded, &other).is_err(), "{other:?}");
        }
    }

    #[test]
    fn garbage_and_forgeries_are_refused() {
        let listing = event_listing(None);
        let forge = |json: serde_json::Value| URL_SAFE_NO_PAD.encode(json.to_string());
        let id = test_data::proposal().id.to_string();
        for bad in [
            String::new(),
            "!!!".to_owned(),
            "eyJ".to_owned(),
            "x".repeat(600),
            URL_SAFE_NO_PAD.encode("not json"),
            forge(serde_json::json!({"s": "event:devconf-2027:all", "e": "devconf-2027"})),
            forge(
                serde_json::json!({"s": "event:devconf-2027:all", "e": "devconf-2027", "i": "42"}),
            ),
            forge(serde_json::json!({"s": "event:devconf-2027:all", "e": "Dev Conf", "i": id})),
            forge(
                serde_json::json!({"s": "event:devconf-2027:all", "e": "devconf-2027", "i": id, "x": 1}),
            ),
            forge(serde_json::json!({"s": 1, "e": "devconf-2027", "i": id})),
            forge(serde_json::json!([
                "event:devconf-2027:all",
                "devconf-2027",
                id
            ])),
        ] {
            assert!(ListCursor::decode(&bad, &listing).is_err(), "{bad:?}");
        }
        let good =
            forge(serde_json::json!({"s": "event:devconf-2027:all", "e": "devconf-2027", "i": id}));
        assert!(ListCursor::decode(&good, &listing).is_ok());
    }

    #[test]
    fn a_page_says_whether_there_is_more() {
        let listing = event_listing(None);
        let proposals: Vec<Proposal> = (0..3).map(|_| test_data::proposal()).collect();
        let limit = PageLimit::parse("2").expect("limit");
        let page = Page::from_overfetch(&listing, proposals.clone(), limit);
        assert_eq!(page.items, proposals[..2]);
        assert_eq!(page.next.map(|c| c.id), Some(proposals[1].id));
        let last = Page::from_overfetch(&listing, proposals[..2].to_vec(), limit);
        assert_eq!(last.items.len(), 2);
        assert_eq!(last.next, None);
    }
}
