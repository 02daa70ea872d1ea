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

    /// The table template.yaml names in `SCHEDULE_TABLE`, on `client`: what a function's `main` builds
    /// once. Without the variable the function is miswired, so it stops at start-up, saying so.
    pub fn from_env(client: Client) -> Self {
        let table = std::env::var(ScheduleTable::ENV).unwrap_or_else(|_| {
            panic!(
                "{} must name the schedule table (template.yaml sets it)",
                ScheduleTable::ENV
            )
        });
        ScheduleTable::new(client, table)
    }

    /// The environment variable that names the table.
    pub const ENV: &str = "SCHEDULE_TABLE";

    pub fn table_name(&self) -> &str {
        &self.table
    }
}
