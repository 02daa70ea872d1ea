//! template.yaml as the local stack reads it: YAML with CloudFormation's short-form tags,
//! `Fn::ForEach` loops, SAM's Globals, parameters, conditions, intrinsic functions, dependency
//! order, functions and events.

pub mod conditions;
pub mod dependencies;
pub mod events;
pub mod for_each;
pub mod functions;
pub mod globals;
pub mod intrinsics;
pub mod model;
pub mod parameters;
pub mod properties;
pub mod yaml;

pub use conditions::{evaluate_conditions, resource_is_active};
pub use events::{DynamoDbEvent, FunctionEvent, HttpApiEvent, RouteAuthorizer, S3Event, SnsEvent};
pub use functions::{AsyncInvocationSettings, FUNCTION_TYPE, FunctionCode, FunctionSettings};
pub use intrinsics::{ResolveError, Resolver, ResourceLookup, Scope};
pub use model::{ParameterDecl, ResourceDecl, Template, TemplateError};
pub use parameters::{ParameterValues, StackSettings};
pub use properties::{PropertyError, Props};
