//! The CfP handling context: pure domain logic. It knows nothing of Lambda, DynamoDB or SES; the
//! use cases reach the outside world only through the traits in [`ports`].
//!
//! Requests are parsed into newtypes whose constructors enforce the rules ("parse, don't
//! validate"): a value of a domain type is valid by construction.

pub mod caller;
pub mod decision_email;
pub mod dedupe;
pub mod domain_event;
pub mod email;
pub mod email_address;
pub mod error;
pub mod event;
pub mod exactly_once;
pub mod idempotency;
pub mod listing;
pub mod picture;
pub mod ports;
pub mod proposal;
pub mod team;
mod text;
pub mod use_cases;
pub mod validation;
pub mod version;

#[cfg(any(test, feature = "in-memory"))]
pub mod in_memory;
#[cfg(any(test, feature = "in-memory"))]
pub mod test_data;

pub use caller::Caller;
pub use email_address::EmailAddress;
pub use error::{CfpError, MailError, StoreError};
pub use validation::{FieldError, InvalidValue};
