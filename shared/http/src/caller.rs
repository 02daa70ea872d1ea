//! The caller, from the claims API Gateway's JWT authorizer verified and passed on as strings.

use cfp_domain::team::UserId;
use cfp_domain::{Caller, CfpError, EmailAddress};
use lambda_http::{Request, RequestExt};

use crate::error::ApiError;

/// The signed-in caller; 401 when the request carries no usable `sub` claim.
pub fn caller(request: &Request) -> Result<Caller, ApiError> {
    let not_signed_in = || {
        ApiError::Cfp(CfpError::Unauthenticated(
            "sign in: this route needs a bearer token",
        ))
    };
    let claims = request
        .request_context_ref()
        .and_then(|context| context.authorizer())
        .and_then(|authorizer| authorizer.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .ok_or_else(not_signed_in)?;
    let user_id = claims
        .get("sub")
        .and_then(|sub| UserId::parse(sub).ok())
        .ok_or_else(not_signed_in)?;
    // Access tokens carry no email; a malformed one is treated the same way, as absent.
    let email = claims
        .get("email")
        .and_then(|email| EmailAddress::parse(email).ok());
    let groups = claims
        .get("cognito:groups")
        .map(|groups| parse_groups(groups))
        .unwrap_or_default();
    Ok(Caller {
        user_id,
        email,
        groups,
    })
}

/// API Gateway flattens the `cognito:groups` array to `"[admins reviewers]"`. A JSON array
/// (`["admins","reviewers"]`) and a bare name are accepted too, so another authorizer set-up
/// does not silently drop everyone's groups.
pub fn parse_groups(raw: &str) -> Vec<String> {
    let inner = raw.trim();
    let inner = inner
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(inner);
    inner
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|group| group.trim_matches('"'))
        .filter(|group| !group.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_as_api_gateway_flattens_them() {
        assert_eq!(parse_groups("[admins reviewers]"), ["admins", "reviewers"]);
        assert_eq!(parse_groups("[admins]"), ["admins"]);
        assert_eq!(parse_groups("[]"), Vec::<String>::new());
        assert_eq!(parse_groups(""), Vec::<String>::new());
    }

    #[test]
    fn groups_in_other_spellings() {
        assert_eq!(
            parse_groups(r#"["admins","reviewers"]"#),
            ["admins", "reviewers"]
        );
        assert_eq!(parse_groups("admins"), ["admins"]);
        assert_eq!(
            parse_groups(" [ admins  reviewers ] "),
            ["admins", "reviewers"]
        );
    }

    #[test]
    fn a_group_named_like_admins_is_not_admins() {
        assert_eq!(
            parse_groups("[admins-light superadmins]"),
            ["admins-light", "superadmins"]
        );
    }
}
