//! The local endpoint keeps DynamoDB's promise that a conditional write is atomic: of many
//! concurrent writers conditioned on the same version, exactly one wins.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use cfp_local_moto::MotoServer;

const WRITERS: usize = 16;
const ROUNDS: usize = 10;
const FIELDS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_conditional_writers_exactly_one_wins() {
    let moto = MotoServer::for_tests().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    dynamodb
        .create_table()
        .table_name("items")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create the table");

    for round in 0..ROUNDS {
        let pk = format!("item-{round}");
        dynamodb
            .put_item()
            .table_name("items")
            .item("pk", AttributeValue::S(pk.clone()))
            .item("version", AttributeValue::N("1".into()))
            .send()
            .await
            .expect("put the item");
        let writers = (0..WRITERS).map(|writer| {
            let dynamodb = dynamodb.clone();
            let pk = pk.clone();
            tokio::spawn(async move {
                // A write as wide as a proposal's: the wider, the longer moto takes between
                // checking the condition and applying the write.
                let mut update = dynamodb
                    .update_item()
                    .table_name("items")
                    .key("pk", AttributeValue::S(pk))
                    .condition_expression("version = :seen")
                    .expression_attribute_values(":seen", AttributeValue::N("1".into()))
                    .expression_attribute_values(":next", AttributeValue::N("2".into()))
                    .expression_attribute_values(":writer", AttributeValue::N(writer.to_string()));
                let mut sets = vec!["version = :next".to_owned(), "winner = :writer".to_owned()];
                for field in 0..FIELDS {
                    sets.push(format!("f{field} = :f{field}"));
                    update = update.expression_attribute_values(
                        format!(":f{field}"),
                        AttributeValue::S(format!("{writer}-{field}").repeat(20)),
                    );
                }
                update
                    .update_expression(format!("SET {}", sets.join(", ")))
                    .send()
                    .await
                    .is_ok()
            })
        });
        let wins = futures::future::join_all(writers)
            .await
            .into_iter()
            .map(|joined| joined.expect("writer task"))
            .filter(|won| *won)
            .count();
        assert_eq!(
            wins, 1,
            "round {round}: {wins} of {WRITERS} conditional writers won"
        );
    }
}
