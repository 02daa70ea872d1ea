//! `AWS::Cognito::UserPool`, `AWS::Cognito::UserPoolClient` and `AWS::Cognito::UserPoolGroup`.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, AliasAttributeType, AttributeDataType, ExplicitAuthFlowsType,
    NumberAttributeConstraintsType, OAuthFlowType, PasswordPolicyType,
    PreventUserExistenceErrorTypes, SchemaAttributeType, StringAttributeConstraintsType,
    TimeUnitsType, TokenValidityUnitsType, UserPoolMfaType, UserPoolPolicyType,
    UsernameAttributeType, UsernameConfigurationType, VerifiedAttributeType,
};
use serde_json::{Map, Value};

use super::error::{ProvisionError, aws_error, build_error};
use crate::physical_names::{NameRules, physical_name, random_suffix};
use crate::stack_resources::PhysicalResource;
use crate::template::Props;

pub const USER_POOL_TYPE: &str = "AWS::Cognito::UserPool";
pub const USER_POOL_CLIENT_TYPE: &str = "AWS::Cognito::UserPoolClient";
pub const USER_POOL_GROUP_TYPE: &str = "AWS::Cognito::UserPoolGroup";

fn i32_of(props: Props<'_>, key: &str) -> Result<Option<i32>, ProvisionError> {
    match props.i64(key)? {
        None => Ok(None),
        Some(n) => i32::try_from(n)
            .map(Some)
            .map_err(|_| props.error(key, format!("{n} is out of range")).into()),
    }
}

pub async fn create_user_pool(
    client: &Client,
    stack_name: &str,
    region: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let pool_name = match props.string("UserPoolName")? {
        Some(name) => name,
        None => physical_name(
            stack_name,
            logical_id,
            &random_suffix(),
            NameRules::COGNITO_POOL,
        ),
    };
    let mut request = client
        .create_user_pool()
        .pool_name(&pool_name)
        .set_username_attributes(props.enum_list::<UsernameAttributeType>("UsernameAttributes")?)
        .set_alias_attributes(props.enum_list::<AliasAttributeType>("AliasAttributes")?)
        .set_auto_verified_attributes(
            props.enum_list::<VerifiedAttributeType>("AutoVerifiedAttributes")?,
        )
        .set_mfa_configuration(
            props
                .string("MfaConfiguration")?
                .map(|m| UserPoolMfaType::from(m.as_str())),
        );

    if let Some(policies) = props.object("Policies")? {
        let policies = Props::new(logical_id, policies);
        if let Some(password) = policies.object("PasswordPolicy")? {
            let password = Props::new(logical_id, password);
            let mut policy = PasswordPolicyType::builder()
                .set_minimum_length(i32_of(password, "MinimumLength")?)
                .set_require_lowercase(password.bool("RequireLowercase")?)
                .set_require_uppercase(password.bool("RequireUppercase")?)
                .set_require_numbers(password.bool("RequireNumbers")?)
                .set_require_symbols(password.bool("RequireSymbols")?);
            if let Some(days) = i32_of(password, "TemporaryPasswordValidityDays")? {
                policy = policy.temporary_password_validity_days(days);
            }
            request = request.policies(
                UserPoolPolicyType::builder()
                    .password_policy(policy.build())
                    .build(),
            );
        }
    }

    for attribute in props.objects("Schema")? {
        let attribute = Props::new(logical_id, attribute);
        let mut schema = SchemaAttributeType::builder()
            .set_name(attribute.string("Name")?)
            .set_attribute_data_type(
                attribute
                    .string("AttributeDataType")?
                    .map(|t| AttributeDataType::from(t.as_str())),
            )
            .set_developer_only_attribute(attribute.bool("DeveloperOnlyAttribute")?)
            .set_mutable(attribute.bool("Mutable")?)
            .set_required(attribute.bool("Required")?);
        if let Some(constraints) = attribute.object("StringAttributeConstraints")? {
            let c = Props::new(logical_id, constraints);
            schema = schema.string_attribute_constraints(
                StringAttributeConstraintsType::builder()
                    .set_min_length(c.string("MinLength")?)
                    .set_max_length(c.string("MaxLength")?)
                    .build(),
            );
        }
        if let Some(constraints) = attribute.object("NumberAttributeConstraints")? {
            let c = Props::new(logical_id, constraints);
            schema = schema.number_attribute_constraints(
                NumberAttributeConstraintsType::builder()
                    .set_min_value(c.string("MinValue")?)
                    .set_max_value(c.string("MaxValue")?)
                    .build(),
            );
        }
        request = request.schema(schema.build());
    }

    if let Some(config) = props.object("UsernameConfiguration")? {
        let config = Props::new(logical_id, config);
        request = request.username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(config.bool("CaseSensitive")?.unwrap_or(false))
                .build()
                .map_err(build_error(logical_id, "UsernameConfiguration"))?,
        );
    }
    if let Some(config) = props.object("AdminCreateUserConfig")? {
        let config = Props::new(logical_id, config);
        request = request.admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .set_allow_admin_create_user_only(config.bool("AllowAdminCreateUserOnly")?)
                .build(),
        );
    }

    let pool = request
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateUserPool"))?;
    let pool = pool.user_pool().ok_or_else(|| ProvisionError::Aws {
        resource: logical_id.to_owned(),
        operation: "CreateUserPool",
        message: "the answer has no UserPool".into(),
    })?;
    let id = pool.id().unwrap_or_default().to_owned();
    let arn = pool
        .arn()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{id}"));
    // CloudFormation's ProviderURL and ProviderName have no scheme.
    let provider = format!("cognito-idp.{region}.amazonaws.com/{id}");
    Ok(PhysicalResource::new(logical_id, USER_POOL_TYPE, &id)
        .with("Arn", arn)
        .with("ProviderName", provider.clone())
        .with("ProviderURL", provider)
        .with("UserPoolId", id))
}

pub async fn create_user_pool_client(
    client: &Client,
    stack_name: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let client_name = match props.string("ClientName")? {
        Some(name) => name,
        None => physical_name(
            stack_name,
            logical_id,
            &random_suffix(),
            NameRules::COGNITO_POOL,
        ),
    };
    let list = |key: &str| -> Result<Option<Vec<String>>, ProvisionError> {
        Ok(Some(props.strings(key)?).filter(|v| !v.is_empty()))
    };
    let mut request = client
        .create_user_pool_client()
        .user_pool_id(props.required_string("UserPoolId")?)
        .client_name(&client_name)
        .set_generate_secret(props.bool("GenerateSecret")?)
        .set_explicit_auth_flows(list("ExplicitAuthFlows")?.map(|v| {
            v.iter()
                .map(|f| ExplicitAuthFlowsType::from(f.as_str()))
                .collect()
        }))
        .set_read_attributes(list("ReadAttributes")?)
        .set_write_attributes(list("WriteAttributes")?)
        .set_prevent_user_existence_errors(
            props
                .string("PreventUserExistenceErrors")?
                .map(|p| PreventUserExistenceErrorTypes::from(p.as_str())),
        )
        .set_allowed_o_auth_flows(
            list("AllowedOAuthFlows")?
                .map(|v| v.iter().map(|f| OAuthFlowType::from(f.as_str())).collect()),
        )
        .set_allowed_o_auth_scopes(list("AllowedOAuthScopes")?)
        .set_allowed_o_auth_flows_user_pool_client(props.bool("AllowedOAuthFlowsUserPoolClient")?)
        .set_callback_urls(list("CallbackURLs")?)
        .set_logout_urls(list("LogoutURLs")?)
        .set_supported_identity_providers(list("SupportedIdentityProviders")?)
        .set_enable_token_revocation(props.bool("EnableTokenRevocation")?);
    if let Some(days) = i32_of(props, "RefreshTokenValidity")? {
        request = request.refresh_token_validity(days);
    }
    if let Some(n) = i32_of(props, "AccessTokenValidity")? {
        request = request.access_token_validity(n);
    }
    if let Some(n) = i32_of(props, "IdTokenValidity")? {
        request = request.id_token_validity(n);
    }
    if let Some(units) = props.object("TokenValidityUnits")? {
        let units = Props::new(logical_id, units);
        let unit = |key: &str| -> Result<Option<TimeUnitsType>, ProvisionError> {
            Ok(units.string(key)?.map(|u| TimeUnitsType::from(u.as_str())))
        };
        request = request.token_validity_units(
            TokenValidityUnitsType::builder()
                .set_access_token(unit("AccessToken")?)
                .set_id_token(unit("IdToken")?)
                .set_refresh_token(unit("RefreshToken")?)
                .build(),
        );
    }
    let created = request
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateUserPoolClient"))?;
    let created = created
        .user_pool_client()
        .ok_or_else(|| ProvisionError::Aws {
            resource: logical_id.to_owned(),
            operation: "CreateUserPoolClient",
            message: "the answer has no UserPoolClient".into(),
        })?;
    let client_id = created.client_id().unwrap_or_default().to_owned();
    let mut resource = PhysicalResource::new(logical_id, USER_POOL_CLIENT_TYPE, &client_id)
        .with("ClientId", client_id)
        .with("Name", client_name);
    if let Some(secret) = created.client_secret() {
        resource = resource.with("ClientSecret", secret);
    }
    Ok(resource)
}

pub async fn create_user_pool_group(
    client: &Client,
    stack_name: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let group_name = match props.string("GroupName")? {
        Some(name) => name,
        None => physical_name(
            stack_name,
            logical_id,
            &random_suffix(),
            NameRules::COGNITO_POOL,
        ),
    };
    let mut request = client
        .create_group()
        .user_pool_id(props.required_string("UserPoolId")?)
        .group_name(&group_name)
        .set_description(props.string("Description")?)
        .set_role_arn(props.string("RoleArn")?);
    if let Some(precedence) = i32_of(props, "Precedence")? {
        request = request.precedence(precedence);
    }
    request
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateGroup"))?;
    Ok(PhysicalResource::new(
        logical_id,
        USER_POOL_GROUP_TYPE,
        group_name,
    ))
}
