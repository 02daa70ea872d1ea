//! The physical resources of the local stack: what `Ref` and `Fn::GetAtt` yield for each logical id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::template::intrinsics::{ResolveError, ResourceLookup};

/// One created (or, for functions and APIs, named) resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalResource {
    pub logical_id: String,
    pub resource_type: String,
    /// The value of `!Ref`.
    pub reference: String,
    /// The values of `!GetAtt`, by attribute name.
    pub attributes: BTreeMap<String, Value>,
}

impl PhysicalResource {
    pub fn new(logical_id: &str, resource_type: &str, reference: impl Into<String>) -> Self {
        PhysicalResource {
            logical_id: logical_id.to_owned(),
            resource_type: resource_type.to_owned(),
            reference: reference.into(),
            attributes: BTreeMap::new(),
        }
    }

    pub fn with(mut self, attribute: &str, value: impl Into<Value>) -> Self {
        self.attributes.insert(attribute.to_owned(), value.into());
        self
    }

    /// A string attribute (`Arn`, `StreamArn` ...).
    pub fn attribute_str(&self, attribute: &str) -> Option<&str> {
        self.attributes.get(attribute).and_then(Value::as_str)
    }
}

/// Every resource of the template: created ones with their values, the others with the reason why
/// the local stack has no value for them.
#[derive(Debug, Clone, Default)]
pub struct StackResources {
    created: BTreeMap<String, PhysicalResource>,
    unavailable: BTreeMap<String, String>,
}

impl StackResources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, resource: PhysicalResource) {
        self.unavailable.remove(&resource.logical_id);
        self.created.insert(resource.logical_id.clone(), resource);
    }

    /// Records that `logical_id` has no local value, and why (e.g. "AWS::IAM::Role is not created locally").
    pub fn mark_unavailable(&mut self, logical_id: &str, reason: impl Into<String>) {
        self.unavailable
            .insert(logical_id.to_owned(), reason.into());
    }

    pub fn get(&self, logical_id: &str) -> Option<&PhysicalResource> {
        self.created.get(logical_id)
    }

    /// The `Ref` value of `logical_id`, if it was created.
    pub fn reference(&self, logical_id: &str) -> Option<&str> {
        self.created.get(logical_id).map(|r| r.reference.as_str())
    }

    /// Created resources of one type, in logical-id order.
    pub fn of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a PhysicalResource> + 'a {
        self.created
            .values()
            .filter(move |r| r.resource_type == resource_type)
    }

    /// The resource of `resource_type` whose attribute `attribute` is `value` (e.g. a queue by ARN).
    pub fn find_by_attribute<'a>(
        &'a self,
        resource_type: &'a str,
        attribute: &str,
        value: &str,
    ) -> Option<&'a PhysicalResource> {
        self.of_type(resource_type)
            .find(|r| r.attribute_str(attribute) == Some(value))
    }

    /// The resource of `resource_type` whose `Ref` value is `reference`.
    pub fn find_by_reference<'a>(
        &'a self,
        resource_type: &'a str,
        reference: &str,
    ) -> Option<&'a PhysicalResource> {
        self.of_type(resource_type)
            .find(|r| r.reference == reference)
    }

    fn not_available(&self, logical_id: &str, what: String) -> Option<Result<Value, ResolveError>> {
        self.unavailable.get(logical_id).map(|reason| {
            Err(ResolveError::NotAvailable {
                resource: logical_id.to_owned(),
                what,
                reason: reason.clone(),
            })
        })
    }
}

impl ResourceLookup for StackResources {
    fn reference(&self, logical_id: &str) -> Option<Result<Value, ResolveError>> {
        match self.created.get(logical_id) {
            Some(resource) => Some(Ok(Value::String(resource.reference.clone()))),
            None => self.not_available(logical_id, format!("!Ref {logical_id}")),
        }
    }

    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<Result<Value, ResolveError>> {
        match self.created.get(logical_id) {
            Some(resource) => Some(resource.attributes.get(attribute).cloned().ok_or_else(|| {
                ResolveError::UnknownAttribute {
                    resource: logical_id.to_owned(),
                    attribute: attribute.to_owned(),
                    known: resource
                        .attributes
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })),
            None => self.not_available(logical_id, format!("!GetAtt {logical_id}.{attribute}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_reasons() {
        let mut resources = StackResources::new();
        resources
            .insert(PhysicalResource::new("Q", "AWS::SQS::Queue", "http://q").with("Arn", "arn:q"));
        resources.mark_unavailable("Role", "AWS::IAM::Role is not created locally");
        assert_eq!(
            ResourceLookup::reference(&resources, "Q"),
            Some(Ok(Value::from("http://q")))
        );
        assert_eq!(
            resources.attribute("Q", "Arn"),
            Some(Ok(Value::from("arn:q")))
        );
        assert!(matches!(
            resources.attribute("Q", "Nope"),
            Some(Err(ResolveError::UnknownAttribute { .. }))
        ));
        let err = resources
            .attribute("Role", "Arn")
            .and_then(Result::err)
            .expect("an error");
        assert!(err.to_string().contains("not created locally"), "{err}");
        assert_eq!(ResourceLookup::reference(&resources, "Other"), None);
        assert_eq!(
            resources
                .find_by_attribute("AWS::SQS::Queue", "Arn", "arn:q")
                .map(|r| r.reference.as_str()),
            Some("http://q")
        );
    }
}
