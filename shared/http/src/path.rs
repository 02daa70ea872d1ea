//! Path parameters as API Gateway matched them against the template's route.

use lambda_http::{Request, RequestExt};

use crate::error::ApiError;

pub fn path_parameter(request: &Request, name: &'static str) -> Result<String, ApiError> {
    request
        .path_parameters_ref()
        .and_then(|parameters| parameters.first(name))
        .map(str::to_owned)
        .ok_or(ApiError::MissingPathParameter(name))
}
