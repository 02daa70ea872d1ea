//! What must never appear in a public answer: e-mail addresses, user ids, tokens.

use std::sync::LazyLock;

use regex::Regex;

/// Anything shaped like an e-mail address.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}")
        .expect("the e-mail pattern")
});

/// A JWT: a base64url JSON header and payload (`{"` encodes as `eyJ`) and a signature.
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*").expect("the JWT pattern")
});

/// Looks for leaks in one public answer.
pub struct LeakCheck<'a> {
    /// Strings that must not appear at all (the users' addresses, user ids, tokens).
    pub secrets: &'a [String],
    /// Local parts that make an `x@host` no e-mail address: iCalendar's `UID:<talk guid>@<host>`.
    pub uid_local_parts: &'a [String],
}

impl LeakCheck<'_> {
    /// Every leak found in `text`, described.
    pub fn leaks(&self, text: &str) -> Vec<String> {
        let mut found = Vec::new();
        let lower = text.to_ascii_lowercase();
        for secret in self.secrets {
            if !secret.is_empty() && lower.contains(&secret.to_ascii_lowercase()) {
                found.push(format!("contains `{secret}`"));
            }
        }
        for address in EMAIL.find_iter(text) {
            let local = address.as_str().split('@').next().unwrap_or_default();
            if !self
                .uid_local_parts
                .iter()
                .any(|uid| uid.eq_ignore_ascii_case(local))
            {
                found.push(format!("an e-mail address: `{}`", address.as_str()));
            }
        }
        for token in JWT.find_iter(text) {
            found.push(format!("a token: `{}`", token.as_str()));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<String> {
        let secrets = ["1b4e28ba-2fa1-11d2-883f-0016d3cca427".to_owned()];
        let uids = ["7d6c1d3e-0000-4000-8000-000000000001".to_owned()];
        LeakCheck {
            secrets: &secrets,
            uid_local_parts: &uids,
        }
        .leaks(text)
    }

    #[test]
    fn addresses_user_ids_and_tokens_are_found() {
        assert_eq!(check("write to Ada.L+cfp@speakers.test today").len(), 1);
        assert_eq!(
            check(r#"{"owner":"1B4E28BA-2FA1-11D2-883F-0016D3CCA427"}"#).len(),
            1
        );
        assert_eq!(check("Bearer eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln").len(), 1);
    }

    #[test]
    fn talk_uids_and_plain_text_are_not_leaks() {
        assert!(check("UID:7d6c1d3e-0000-4000-8000-000000000001@cfp.example.org").is_empty());
        assert!(check("Rust @ scale, 10:00 in Room 2; user@ and @home").is_empty());
    }
}
