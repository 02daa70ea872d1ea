//! The schedule table: one client, one table name, built once per function instance.

use aws_sdk_dynamodb::Client;

#[derive(Debug, Clone)]
pub struct ScheduleTable {
    pub(crate) client: Client,
    pub(crate) table: String,
}

impl ScheduleTable {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        ScheduleTable {
            client,
            table: table.into(),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }
}
