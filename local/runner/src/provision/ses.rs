//! SES identities the template expects to exist already (`Metadata.cfp-local.SesIdentities`):
//! deployment verifies them once by hand; locally they are verified before any function runs.

use aws_sdk_sesv2::operation::create_email_identity::CreateEmailIdentityError;

use super::error::{ProvisionError, aws_error};

/// Verifies `identity` (a domain or an address) in the local SES; an existing one is fine.
pub async fn verify_identity(
    client: &aws_sdk_sesv2::Client,
    identity: &str,
) -> Result<(), ProvisionError> {
    match client
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(CreateEmailIdentityError::AlreadyExistsException(_))
            ) =>
        {
            Ok(())
        }
        Err(err) => Err(aws_error(
            &format!("SesIdentities[{identity}]"),
            "CreateEmailIdentity",
        )(err)),
    }
}
