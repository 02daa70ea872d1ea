//! Query string parameters as API Gateway decoded them.

use cfp_domain::{CfpError, FieldError};
use lambda_http::{Request, RequestExt};

use crate::error::ApiError;

/// The parameter's value, `None` when absent; given twice it is refused rather than guessed.
pub fn query_parameter(request: &Request, name: &str) -> Result<Option<String>, ApiError> {
    let parameters = request.query_string_parameters_ref();
    let Some(values) = parameters.and_then(|parameters| parameters.all(name)) else {
        return Ok(None);
    };
    match values.as_slice() {
        [] => Ok(None),
        [value] => Ok(Some((*value).to_owned())),
        _ => Err(ApiError::Cfp(CfpError::InvalidQuery(vec![
            FieldError::new(name, "must be given once"),
        ]))),
    }
}
