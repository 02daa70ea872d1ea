//! What a million calls of each route (or stream/queue event) cost on AWS at the measured
//! duration, the configured memory and the AWS calls the handler really made, and what the stack
//! costs in a month without a single call.

use serde::Serialize;

use crate::aws_calls::AwsUsage;

/// List prices used, in USD: us-east-1, as published since DynamoDB's on-demand price cut of
/// November 2024. The stack deploys to eu-central-1, where some prices are a little higher.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prices {
    pub lambda_arm64_gb_second: f64,
    pub lambda_per_million_requests: f64,
    pub http_api_per_million: f64,
    pub dynamodb_per_million_wru: f64,
    pub dynamodb_per_million_rru: f64,
    pub ses_per_thousand: f64,
    pub sns_per_million_publishes: f64,
    pub s3_per_thousand_get: f64,
    pub s3_per_thousand_put: f64,
    pub alarm_per_month: f64,
    pub dynamodb_storage_gb_month: f64,
    pub dynamodb_pitr_gb_month: f64,
    pub logs_storage_gb_month: f64,
    pub s3_storage_gb_month: f64,
}

pub const PRICES: Prices = Prices {
    lambda_arm64_gb_second: 0.000_013_333_4,
    lambda_per_million_requests: 0.20,
    http_api_per_million: 1.00,
    dynamodb_per_million_wru: 0.625,
    dynamodb_per_million_rru: 0.125,
    ses_per_thousand: 0.10,
    sns_per_million_publishes: 0.50,
    s3_per_thousand_get: 0.0004,
    s3_per_thousand_put: 0.005,
    alarm_per_month: 0.10,
    dynamodb_storage_gb_month: 0.25,
    dynamodb_pitr_gb_month: 0.20,
    logs_storage_gb_month: 0.03,
    s3_storage_gb_month: 0.023,
};

/// One row of the cost table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallCost {
    pub label: String,
    pub http_route: bool,
    pub memory_mb: u32,
    /// Lambda bills whole milliseconds.
    pub billed_ms: u64,
    pub usage: AwsUsage,
    pub lambda: f64,
    pub http_api: f64,
    pub dynamodb: f64,
    pub messaging: f64,
    pub s3: f64,
    pub total: f64,
}

/// The cost of a million calls that each last `duration_ms` at `memory_mb` and make `usage`.
pub fn per_million_calls(
    label: &str,
    http_route: bool,
    memory_mb: u32,
    duration_ms: f64,
    usage: &AwsUsage,
    prices: &Prices,
) -> CallCost {
    let billed_ms = duration_ms.ceil().max(1.0) as u64;
    let million = 1_000_000.0;
    let gb_seconds = f64::from(memory_mb) / 1024.0 * billed_ms as f64 / 1000.0;
    let lambda =
        million * gb_seconds * prices.lambda_arm64_gb_second + prices.lambda_per_million_requests;
    let http_api = if http_route {
        prices.http_api_per_million
    } else {
        0.0
    };
    let dynamodb = usage.read_units * prices.dynamodb_per_million_rru
        + usage.write_units * prices.dynamodb_per_million_wru;
    let messaging = f64::from(usage.ses_sends) * prices.ses_per_thousand * 1000.0
        + f64::from(usage.sns_publishes) * prices.sns_per_million_publishes;
    let s3 = f64::from(usage.s3_gets) * prices.s3_per_thousand_get * 1000.0
        + f64::from(usage.s3_puts) * prices.s3_per_thousand_put * 1000.0;
    CallCost {
        label: label.to_owned(),
        http_route,
        memory_mb,
        billed_ms,
        usage: usage.clone(),
        lambda,
        http_api,
        dynamodb,
        messaging,
        s3,
        total: lambda + http_api + dynamodb + messaging + s3,
    }
}

/// A month without calls: only what is billed by the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleMonth {
    pub alarms: usize,
    pub alarms_cost: f64,
    /// Tables, backups, logs and buckets at `stored_gb` each.
    pub stored_gb: f64,
    pub storage_cost: f64,
    pub total: f64,
}

/// `alarms` CloudWatch alarms, and `stored_gb` in each of the tables (with PITR), the logs and
/// the buckets.
pub fn idle_month(alarms: usize, stored_gb: f64, prices: &Prices) -> IdleMonth {
    let alarms_cost = alarms as f64 * prices.alarm_per_month;
    let storage_cost = stored_gb
        * (2.0 * (prices.dynamodb_storage_gb_month + prices.dynamodb_pitr_gb_month)
            + prices.logs_storage_gb_month
            + 2.0 * prices.s3_storage_gb_month);
    IdleMonth {
        alarms,
        alarms_cost,
        stored_gb,
        storage_cost,
        total: alarms_cost + storage_cost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_small_calls() {
        let usage = AwsUsage {
            dynamodb_calls: 2,
            read_units: 1.0,
            write_units: 2.0,
            ses_sends: 1,
            sns_publishes: 1,
            s3_gets: 1,
            s3_puts: 0,
            other: Vec::new(),
        };
        let cost = per_million_calls("create-cfp", true, 128, 4.2, &usage, &PRICES);
        assert_eq!(cost.billed_ms, 5);
        // 1e6 x 0.125 GB x 0.005 s x $0.0000133334 + $0.20
        assert!(
            (cost.lambda - (0.125 * 0.005 * 13.3334 + 0.20)).abs() < 1e-9,
            "{}",
            cost.lambda
        );
        assert_eq!(cost.http_api, 1.0);
        assert!((cost.dynamodb - (0.125 + 1.25)).abs() < 1e-12);
        assert!((cost.messaging - 100.5).abs() < 1e-9);
        assert!((cost.s3 - 0.4).abs() < 1e-9);
        assert!((cost.total - (cost.lambda + 1.0 + 1.375 + 100.5 + 0.4)).abs() < 1e-9);
        let stream = per_million_calls("x", false, 128, 0.2, &AwsUsage::default(), &PRICES);
        assert_eq!((stream.billed_ms, stream.http_api), (1, 0.0));
    }

    #[test]
    fn an_idle_month_is_the_alarms_and_storage() {
        let idle = idle_month(46, 0.0, &PRICES);
        assert!((idle.total - 4.6).abs() < 1e-9);
        let stored = idle_month(0, 1.0, &PRICES);
        assert!((stored.total - (2.0 * 0.45 + 0.03 + 0.046)).abs() < 1e-9);
    }
}
