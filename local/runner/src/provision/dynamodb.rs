//! `AWS::DynamoDB::Table`: CreateTable (keys, indexes, billing, stream), then UpdateTimeToLive.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use serde_json::{Map, Value};

use super::error::{ProvisionError, aws_error, build_error};
use crate::physical_names::{NameRules, physical_name, random_suffix};
use crate::stack_resources::PhysicalResource;
use crate::template::Props;

pub const TABLE_TYPE: &str = "AWS::DynamoDB::Table";

pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    stack_name: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let table_name = match props.string("TableName")? {
        Some(name) => name,
        None => physical_name(
            stack_name,
            logical_id,
            &random_suffix(),
            NameRules::DYNAMODB_TABLE,
        ),
    };

    let mut request = client
        .create_table()
        .table_name(&table_name)
        .set_key_schema(Some(key_schema(logical_id, props, "KeySchema")?));
    for definition in props.objects("AttributeDefinitions")? {
        let definition = Props::new(logical_id, definition);
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(definition.required_string("AttributeName")?)
                .attribute_type(ScalarAttributeType::from(
                    definition.required_string("AttributeType")?.as_str(),
                ))
                .build()
                .map_err(build_error(logical_id, "AttributeDefinitions"))?,
        );
    }

    // CloudFormation's default billing mode is PROVISIONED.
    let billing_mode = props
        .string("BillingMode")?
        .unwrap_or_else(|| "PROVISIONED".into());
    request = request.billing_mode(BillingMode::from(billing_mode.as_str()));
    if let Some(throughput) = props.object("ProvisionedThroughput")? {
        request = request.provisioned_throughput(throughput_of(logical_id, throughput)?);
    }

    for index in props.objects("GlobalSecondaryIndexes")? {
        let index = Props::new(logical_id, index);
        let mut builder = GlobalSecondaryIndex::builder()
            .index_name(index.required_string("IndexName")?)
            .set_key_schema(Some(key_schema(logical_id, index, "KeySchema")?))
            .projection(projection(logical_id, index)?);
        if let Some(throughput) = index.object("ProvisionedThroughput")? {
            builder = builder.provisioned_throughput(throughput_of(logical_id, throughput)?);
        }
        request = request.global_secondary_indexes(
            builder
                .build()
                .map_err(build_error(logical_id, "GlobalSecondaryIndexes"))?,
        );
    }
    for index in props.objects("LocalSecondaryIndexes")? {
        let index = Props::new(logical_id, index);
        request = request.local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name(index.required_string("IndexName")?)
                .set_key_schema(Some(key_schema(logical_id, index, "KeySchema")?))
                .projection(projection(logical_id, index)?)
                .build()
                .map_err(build_error(logical_id, "LocalSecondaryIndexes"))?,
        );
    }

    let stream_view_type = match props.object("StreamSpecification")? {
        Some(spec) => Some(Props::new(logical_id, spec).required_string("StreamViewType")?),
        None => None,
    };
    if let Some(view_type) = &stream_view_type {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view_type.as_str()))
                .build()
                .map_err(build_error(logical_id, "StreamSpecification"))?,
        );
    }

    let created = request
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateTable"))?;
    let description = created.table_description();

    if let Some(ttl) = props.object("TimeToLiveSpecification")? {
        let ttl = Props::new(logical_id, ttl);
        if ttl.bool("Enabled")?.unwrap_or(false) {
            client
                .update_time_to_live()
                .table_name(&table_name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name(ttl.required_string("AttributeName")?)
                        .build()
                        .map_err(build_error(logical_id, "TimeToLiveSpecification"))?,
                )
                .send()
                .await
                .map_err(aws_error(logical_id, "UpdateTimeToLive"))?;
        }
    }

    let arn = description
        .and_then(|d| d.table_arn())
        .map(str::to_owned)
        .ok_or_else(|| ProvisionError::Aws {
            resource: logical_id.to_owned(),
            operation: "CreateTable",
            message: "the answer has no TableArn".into(),
        })?;
    let mut resource = PhysicalResource::new(logical_id, TABLE_TYPE, &table_name).with("Arn", arn);
    if stream_view_type.is_some() {
        let stream_arn = description
            .and_then(|d| d.latest_stream_arn())
            .map(str::to_owned)
            .ok_or_else(|| ProvisionError::Aws {
                resource: logical_id.to_owned(),
                operation: "CreateTable",
                message: "a stream was asked for but the answer has no LatestStreamArn".into(),
            })?;
        resource = resource.with("StreamArn", stream_arn);
    }
    Ok(resource)
}

fn key_schema(
    logical_id: &str,
    props: Props<'_>,
    key: &str,
) -> Result<Vec<KeySchemaElement>, ProvisionError> {
    let elements = props.objects(key)?;
    if elements.is_empty() {
        return Err(props.error(key, "is required").into());
    }
    elements
        .into_iter()
        .map(|element| {
            let element = Props::new(logical_id, element);
            KeySchemaElement::builder()
                .attribute_name(element.required_string("AttributeName")?)
                .key_type(KeyType::from(element.required_string("KeyType")?.as_str()))
                .build()
                .map_err(build_error(logical_id, "KeySchema"))
        })
        .collect()
}

fn projection(logical_id: &str, index: Props<'_>) -> Result<Projection, ProvisionError> {
    let Some(projection) = index.object("Projection")? else {
        return Err(index.error("Projection", "is required for an index").into());
    };
    let projection = Props::new(logical_id, projection);
    Ok(Projection::builder()
        .set_projection_type(
            projection
                .string("ProjectionType")?
                .map(|t| ProjectionType::from(t.as_str())),
        )
        .set_non_key_attributes(
            Some(projection.strings("NonKeyAttributes")?).filter(|a| !a.is_empty()),
        )
        .build())
}

fn throughput_of(
    logical_id: &str,
    throughput: &Map<String, Value>,
) -> Result<ProvisionedThroughput, ProvisionError> {
    let throughput = Props::new(logical_id, throughput);
    let units = |key: &str| -> Result<i64, ProvisionError> {
        throughput
            .i64(key)?
            .ok_or_else(|| throughput.error(key, "is required").into())
    };
    ProvisionedThroughput::builder()
        .read_capacity_units(units("ReadCapacityUnits")?)
        .write_capacity_units(units("WriteCapacityUnits")?)
        .build()
        .map_err(build_error(logical_id, "ProvisionedThroughput"))
}
