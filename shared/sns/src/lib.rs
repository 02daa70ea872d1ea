//! The SNS adapter of the CfP context's domain-event publisher port.

mod client;
mod publisher;

pub use client::client;
pub use publisher::{EVENT_SLUG_ATTRIBUTE, EVENT_TYPE_ATTRIBUTE, SnsDomainEventPublisher};
