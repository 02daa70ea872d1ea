//! `AWS::S3::Bucket`: CreateBucket in the stack's Region, with its versioning and CORS rules.

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CorsConfiguration, CorsRule,
    CreateBucketConfiguration, VersioningConfiguration,
};
use serde_json::{Map, Value};

use super::error::{ProvisionError, aws_error, build_error};
use crate::physical_names::{NameRules, physical_name, random_suffix};
use crate::stack_resources::PhysicalResource;
use crate::template::Props;

pub const BUCKET_TYPE: &str = "AWS::S3::Bucket";

pub async fn create_bucket(
    client: &aws_sdk_s3::Client,
    stack_name: &str,
    region: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let bucket = match props.string("BucketName")? {
        Some(name) => name,
        None => physical_name(
            stack_name,
            logical_id,
            &random_suffix(),
            NameRules::S3_BUCKET,
        ),
    };
    let mut request = client.create_bucket().bucket(&bucket);
    // us-east-1 is the one Region that takes no location constraint.
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateBucket"))?;

    if let Some(versioning) = props.object("VersioningConfiguration")? {
        let status = Props::new(logical_id, versioning).required_string("Status")?;
        client
            .put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::from(status.as_str()))
                    .build(),
            )
            .send()
            .await
            .map_err(aws_error(logical_id, "PutBucketVersioning"))?;
    }

    if let Some(cors) = props.object("CorsConfiguration")? {
        let cors = Props::new(logical_id, cors);
        let mut rules = Vec::new();
        for rule in cors.objects("CorsRules")? {
            let rule = Props::new(logical_id, rule);
            rules.push(
                CorsRule::builder()
                    .set_id(rule.string("Id")?)
                    .set_allowed_headers(Some(rule.strings("AllowedHeaders")?))
                    .set_allowed_methods(Some(rule.strings("AllowedMethods")?))
                    .set_allowed_origins(Some(rule.strings("AllowedOrigins")?))
                    .set_expose_headers(Some(rule.strings("ExposedHeaders")?))
                    .set_max_age_seconds(
                        rule.i64("MaxAge")?
                            .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
                    )
                    .build()
                    .map_err(build_error(logical_id, "CorsRules"))?,
            );
        }
        client
            .put_bucket_cors()
            .bucket(&bucket)
            .cors_configuration(
                CorsConfiguration::builder()
                    .set_cors_rules(Some(rules))
                    .build()
                    .map_err(build_error(logical_id, "CorsConfiguration"))?,
            )
            .send()
            .await
            .map_err(aws_error(logical_id, "PutBucketCors"))?;
    }

    if props.get("NotificationConfiguration").is_some() {
        tracing::info!(
            bucket = logical_id,
            "NotificationConfiguration is left to the local event sources"
        );
    }

    Ok(PhysicalResource::new(logical_id, BUCKET_TYPE, &bucket)
        .with("Arn", format!("arn:aws:s3:::{bucket}"))
        .with("DomainName", format!("{bucket}.s3.amazonaws.com"))
        .with(
            "RegionalDomainName",
            format!("{bucket}.s3.{region}.amazonaws.com"),
        )
        .with(
            "WebsiteURL",
            format!("http://{bucket}.s3-website.{region}.amazonaws.com"),
        ))
}
