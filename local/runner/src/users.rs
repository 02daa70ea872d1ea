//! Users of the local Cognito user pool: create one (in groups) and sign in with
//! USER_PASSWORD_AUTH to get its tokens, as a client of the real pool would.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, MessageActionType};
use serde::Serialize;

use crate::aws_clients::sdk_config;
use crate::stack::StackInfo;

/// The tokens of a signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error(
        "the stack has no {0} (does the template declare an AWS::Cognito::UserPool and client?)"
    )]
    NoUserPool(&'static str),
    #[error("a user {0} exists already")]
    UserExists(String),
    #[error("{operation} failed: {message}")]
    Cognito {
        operation: &'static str,
        message: String,
    },
    #[error("sign-in asked for the challenge {0}, which the local stack does not answer")]
    Challenge(String),
    #[error("sign-in gave no {0}")]
    MissingToken(&'static str),
}

fn cognito_error<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> UsersError {
    move |err| UsersError::Cognito {
        operation,
        message: DisplayErrorContext(&err).to_string(),
    }
}

/// The local user pool and its app client.
#[derive(Debug, Clone)]
pub struct LocalUsers {
    pub client: Client,
    pub user_pool_id: String,
    pub client_id: String,
}

impl LocalUsers {
    /// Builds the Cognito client for the stack in `stack` (its endpoint and Region).
    pub async fn from_stack(stack: &StackInfo) -> Result<Self, UsersError> {
        let user_pool_id = stack
            .user_pool_id
            .clone()
            .ok_or(UsersError::NoUserPool("userPoolId"))?;
        let client_id = stack
            .user_pool_client_id
            .clone()
            .ok_or(UsersError::NoUserPool("userPoolClientId"))?;
        let config = sdk_config(&stack.aws_endpoint, &stack.region).await;
        Ok(LocalUsers {
            client: Client::new(&config),
            user_pool_id,
            client_id,
        })
    }

    /// Creates a confirmed user with a permanent password and a verified e-mail, in `groups`.
    pub async fn create(
        &self,
        email: &str,
        password: &str,
        groups: &[String],
    ) -> Result<(), UsersError> {
        let attribute =
            |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .user_attributes(attribute("email", email).map_err(cognito_error("AdminCreateUser"))?)
            .user_attributes(
                attribute("email_verified", "true").map_err(cognito_error("AdminCreateUser"))?,
            )
            .message_action(MessageActionType::Suppress)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(AdminCreateUserError::UsernameExistsException(_))
                ) =>
            {
                return Err(UsersError::UserExists(email.to_owned()));
            }
            Err(err) => return Err(cognito_error("AdminCreateUser")(err)),
        }
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .password(password)
            .permanent(true)
            .send()
            .await
            .map_err(cognito_error("AdminSetUserPassword"))?;
        for group in groups {
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&self.user_pool_id)
                .username(email)
                .group_name(group)
                .send()
                .await
                .map_err(cognito_error("AdminAddUserToGroup"))?;
        }
        Ok(())
    }

    /// Signs `email` in with USER_PASSWORD_AUTH.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Tokens, UsersError> {
        let answer = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(cognito_error("InitiateAuth"))?;
        if let Some(challenge) = answer.challenge_name() {
            return Err(UsersError::Challenge(challenge.as_str().to_owned()));
        }
        let result = answer
            .authentication_result()
            .ok_or(UsersError::MissingToken("AuthenticationResult"))?;
        Ok(Tokens {
            id_token: result
                .id_token()
                .ok_or(UsersError::MissingToken("IdToken"))?
                .to_owned(),
            access_token: result
                .access_token()
                .ok_or(UsersError::MissingToken("AccessToken"))?
                .to_owned(),
            refresh_token: result.refresh_token().map(str::to_owned),
        })
    }

    /// [`create`](Self::create) then [`sign_in`](Self::sign_in).
    pub async fn create_and_sign_in(
        &self,
        email: &str,
        password: &str,
        groups: &[String],
    ) -> Result<Tokens, UsersError> {
        self.create(email, password, groups).await?;
        self.sign_in(email, password).await
    }
}

/// Creates `email` in the stack's user pool (in `group`, if any), signs it in and returns its
/// tokens: the one call a test needs for a signed-in user.
pub async fn create_user(
    stack: &StackInfo,
    email: &str,
    password: &str,
    group: Option<&str>,
) -> Result<Tokens, UsersError> {
    let groups: Vec<String> = group.map(str::to_owned).into_iter().collect();
    LocalUsers::from_stack(stack)
        .await?
        .create_and_sign_in(email, password, &groups)
        .await
}
