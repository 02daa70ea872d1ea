//! The CfP table: one client, one table name, built once per function instance.

use aws_sdk_dynamodb::Client;

#[derive(Debug, Clone)]
pub struct CfpTable {
    pub(crate) client: Client,
    pub(crate) table: String,
}

impl CfpTable {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        CfpTable {
            client,
            table: table.into(),
        }
    }

    /// The table template.yaml names in `CFP_TABLE`, on `client`: what a function's `main` builds
    /// once. Without the variable the function is miswired, so it stops at start-up, saying so.
    pub fn from_env(client: Client) -> Self {
        let table = std::env::var(CfpTable::ENV).unwrap_or_else(|_| {
            panic!(
                "{} must name the CfP table (template.yaml sets it)",
                CfpTable::ENV
            )
        });
        CfpTable::new(client, table)
    }

    /// The environment variable that names the table.
    pub const ENV: &str = "CFP_TABLE";

    pub fn table_name(&self) -> &str {
        &self.table
    }
}
