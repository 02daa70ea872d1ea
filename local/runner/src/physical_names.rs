//! Physical names the way CloudFormation makes them up: `<stack>-<LogicalId>-<SUFFIX>`, cut to the
//! service's length limit, so local resources look like deployed ones and never collide with an
//! earlier run against the same endpoint.

/// The limits of one kind of name.
#[derive(Debug, Clone, Copy)]
pub struct NameRules {
    pub max_len: usize,
    pub lowercase: bool,
    /// Appended after the suffix (`.fifo` for FIFO queues and topics).
    pub ending: &'static str,
}

impl NameRules {
    pub const DYNAMODB_TABLE: NameRules = NameRules {
        max_len: 255,
        lowercase: false,
        ending: "",
    };
    pub const SQS_QUEUE: NameRules = NameRules {
        max_len: 80,
        lowercase: false,
        ending: "",
    };
    pub const SQS_FIFO_QUEUE: NameRules = NameRules {
        max_len: 80,
        lowercase: false,
        ending: ".fifo",
    };
    pub const SNS_TOPIC: NameRules = NameRules {
        max_len: 256,
        lowercase: false,
        ending: "",
    };
    pub const SNS_FIFO_TOPIC: NameRules = NameRules {
        max_len: 256,
        lowercase: false,
        ending: ".fifo",
    };
    pub const S3_BUCKET: NameRules = NameRules {
        max_len: 63,
        lowercase: true,
        ending: "",
    };
    pub const COGNITO_POOL: NameRules = NameRules {
        max_len: 128,
        lowercase: false,
        ending: "",
    };
    pub const LAMBDA_FUNCTION: NameRules = NameRules {
        max_len: 64,
        lowercase: false,
        ending: "",
    };
}

/// A random suffix of 12 upper-case letters and digits, as CloudFormation appends.
pub fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase()
}

/// `<stack>-<logical_id>-<suffix><ending>`, its first two parts shortened to fit `rules.max_len`.
pub fn physical_name(stack: &str, logical_id: &str, suffix: &str, rules: NameRules) -> String {
    let fixed = suffix.len() + rules.ending.len() + 2;
    let budget = rules.max_len.saturating_sub(fixed);
    // Share what is left between the stack name and the logical id, the logical id first.
    let id_len = logical_id
        .len()
        .min(budget.saturating_sub(1).max(budget / 2));
    let stack_len = stack.len().min(budget.saturating_sub(id_len));
    let stack_part: String = stack.chars().take(stack_len).collect();
    let id_part: String = logical_id.chars().take(id_len).collect();
    let name = format!("{stack_part}-{id_part}-{suffix}{}", rules.ending);
    if rules.lowercase {
        name.to_ascii_lowercase()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_cloudformation_and_fit_limits() {
        assert_eq!(
            physical_name(
                "cfp-local",
                "CfpTable",
                "ABCDEF123456",
                NameRules::DYNAMODB_TABLE
            ),
            "cfp-local-CfpTable-ABCDEF123456"
        );
        assert_eq!(
            physical_name(
                "cfp-local",
                "Pictures",
                "ABCDEF123456",
                NameRules::S3_BUCKET
            ),
            "cfp-local-pictures-abcdef123456"
        );
        assert_eq!(
            physical_name(
                "cfp-local",
                "Jobs",
                "ABCDEF123456",
                NameRules::SQS_FIFO_QUEUE
            ),
            "cfp-local-Jobs-ABCDEF123456.fifo"
        );
        let long = "A".repeat(100);
        let name = physical_name(&long, &long, "ABCDEF123456", NameRules::S3_BUCKET);
        assert_eq!(name.len(), 63, "{name}");
        let name = physical_name(
            "cfp-local",
            &long,
            "ABCDEF123456",
            NameRules::SQS_FIFO_QUEUE,
        );
        assert!(
            name.len() <= 80 && name.ends_with("-ABCDEF123456.fifo"),
            "{name}"
        );
    }

    #[test]
    fn suffixes_are_random_and_upper_case() {
        let a = random_suffix();
        assert_eq!(a.len(), 12);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_ne!(a, random_suffix());
    }
}
