//! Responses vs stored proposals vs e-mails: what was lost, duplicated or refused.
//!
//! A proposal answered 201 must be stored; a stored proposal of the run must have been answered
//! 201 (else a retry made a second one, or an answer was lost); each must have exactly one
//! submission e-mail, to its speaker, naming its title; no attempt may have been a 5xx; and
//! every proposal must in the end have been accepted (a client that ran out of attempts lost it).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::submission_mail::SubmissionMail;
use crate::submit::{Outcome, Submission};

/// At most this many ids per kind of failure in a message.
const SHOWN: usize = 10;

/// What the checks found at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Distinct proposal ids answered 201.
    pub accepted: usize,
    pub stored: usize,
    /// Submission e-mails of the run that name a proposal answered 201.
    pub emails: usize,
    /// (proposal index, status) of every 5xx answer, retried or not.
    pub server_errors: Vec<(usize, u16)>,
    /// (proposal index, why) of submissions whose last attempt was not a 201.
    pub not_accepted: Vec<(usize, String)>,
    /// Ids answered to two different submissions.
    pub answered_twice: Vec<String>,
    /// Answered 201, not in the table.
    pub not_stored: Vec<String>,
    /// In the table, never answered 201.
    pub stored_unanswered: Vec<String>,
    /// Answered 201, no submission e-mail (yet).
    pub missing_email: Vec<String>,
    /// (id, e-mails) of proposals with more than one submission e-mail.
    pub duplicate_email: Vec<(String, usize)>,
    /// Submission e-mails naming a proposal of the run but not its speaker or its title.
    pub misaddressed: Vec<String>,
    /// Submission e-mails to the run's speakers naming no proposal answered 201.
    pub unknown_email: Vec<Option<String>>,
}

/// Reconciles the submissions with the stored ids and the run's submission e-mails.
pub fn reconcile(
    submissions: &[Submission],
    stored: &HashSet<String>,
    emails: &[SubmissionMail],
) -> Reconciliation {
    let mut found = Reconciliation {
        stored: stored.len(),
        ..Reconciliation::default()
    };
    // id -> (speaker, title) of each 201.
    let mut answered: HashMap<&str, (&str, &str)> = HashMap::new();
    for submission in submissions {
        found.server_errors.extend(
            submission
                .attempts
                .iter()
                .filter_map(|a| a.status)
                .filter(|status| (500..600).contains(status))
                .map(|status| (submission.index, status)),
        );
        match &submission.outcome {
            Outcome::Created { id } => match answered.entry(id.as_str()) {
                Entry::Occupied(_) => found.answered_twice.push(id.clone()),
                Entry::Vacant(entry) => {
                    entry.insert((submission.speaker_email.as_str(), submission.title.as_str()));
                }
            },
            Outcome::Refused { status, body } => found
                .not_accepted
                .push((submission.index, format!("{status}: {body}"))),
            Outcome::Unanswered { error } => found
                .not_accepted
                .push((submission.index, format!("no answer: {error}"))),
        }
    }
    found.accepted = answered.len();

    let mut mails_per_id: HashMap<&str, usize> = HashMap::new();
    for email in emails {
        let known = email
            .proposal_id
            .as_deref()
            .and_then(|id| answered.get_key_value(id));
        let Some((id, (speaker, title))) = known else {
            found.unknown_email.push(email.proposal_id.clone());
            continue;
        };
        found.emails += 1;
        *mails_per_id.entry(id).or_default() += 1;
        let to_speaker = email
            .recipients
            .iter()
            .any(|to| to.eq_ignore_ascii_case(speaker));
        if !to_speaker || !email.subject.contains(title) {
            found.misaddressed.push((*id).to_owned());
        }
    }

    for id in answered.keys() {
        if !stored.contains(*id) {
            found.not_stored.push((*id).to_owned());
        }
        match mails_per_id.get(id).copied().unwrap_or(0) {
            0 => found.missing_email.push((*id).to_owned()),
            1 => {}
            n => found.duplicate_email.push(((*id).to_owned(), n)),
        }
    }
    found.stored_unanswered = stored
        .iter()
        .filter(|id| !answered.contains_key(id.as_str()))
        .cloned()
        .collect();
    for list in [
        &mut found.not_stored,
        &mut found.missing_email,
        &mut found.stored_unanswered,
        &mut found.answered_twice,
        &mut found.misaddressed,
    ] {
        list.sort();
    }
    found.duplicate_email.sort();
    found
}

impl Reconciliation {
    /// Whether the asynchronous side has caught up: everything answered is stored and mailed.
    /// (Other failures do not heal by waiting.)
    pub fn caught_up(&self) -> bool {
        self.not_stored.is_empty() && self.missing_email.is_empty()
    }

    /// Every failed check, one line each; empty when nothing was lost or duplicated.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let mut add = |count: usize, what: &str, examples: Vec<String>| {
            if count > 0 {
                let mut line = format!("{count} {what}");
                if !examples.is_empty() {
                    line.push_str(": ");
                    line.push_str(&examples.join(", "));
                    if count > examples.len() {
                        line.push_str(", …");
                    }
                }
                failures.push(line);
            }
        };
        let ids = |list: &[String]| list.iter().take(SHOWN).cloned().collect::<Vec<_>>();
        add(
            self.server_errors.len(),
            "5xx answers (proposal: status)",
            self.server_errors
                .iter()
                .take(SHOWN)
                .map(|(index, status)| format!("#{index}: {status}"))
                .collect(),
        );
        add(
            self.not_accepted.len(),
            "proposals never answered 201",
            self.not_accepted
                .iter()
                .take(SHOWN)
                .map(|(index, why)| format!("#{index} ({why})"))
                .collect(),
        );
        add(
            self.answered_twice.len(),
            "ids answered 201 to two different proposals",
            ids(&self.answered_twice),
        );
        add(
            self.not_stored.len(),
            "proposals answered 201 but not stored (lost)",
            ids(&self.not_stored),
        );
        add(
            self.stored_unanswered.len(),
            "proposals stored but never answered 201 (duplicated by a retry, or an answer lost)",
            ids(&self.stored_unanswered),
        );
        add(
            self.missing_email.len(),
            "proposals without a submission e-mail",
            ids(&self.missing_email),
        );
        add(
            self.duplicate_email.len(),
            "proposals with more than one submission e-mail (id: e-mails)",
            self.duplicate_email
                .iter()
                .take(SHOWN)
                .map(|(id, n)| format!("{id}: {n}"))
                .collect(),
        );
        add(
            self.misaddressed.len(),
            "submission e-mails not to the proposal's speaker or without its title",
            ids(&self.misaddressed),
        );
        add(
            self.unknown_email.len(),
            "submission e-mails to the run's speakers naming no proposal answered 201",
            self.unknown_email
                .iter()
                .take(SHOWN)
                .map(|id| id.clone().unwrap_or_else(|| "(no id)".into()))
                .collect(),
        );
        failures
    }
}

/// Every status of every attempt, and the attempts that got no answer (`None`).
pub fn status_counts(submissions: &[Submission]) -> BTreeMap<Option<u16>, usize> {
    let mut counts = BTreeMap::new();
    for attempt in submissions.iter().flat_map(|s| &s.attempts) {
        *counts.entry(attempt.status).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::submit::Attempt;

    const SPEAKER: &str = "load-r-speaker0@speakers.test";

    fn attempt(status: u16) -> Attempt {
        Attempt {
            status: Some(status),
            latency: Duration::from_millis(20),
        }
    }

    fn created(index: usize, id: &str) -> Submission {
        Submission {
            index,
            title: format!("Load r proposal {index}"),
            speaker_email: SPEAKER.into(),
            attempts: vec![attempt(201)],
            outcome: Outcome::Created { id: id.into() },
        }
    }

    fn mail(index: usize, id: &str) -> SubmissionMail {
        SubmissionMail {
            recipients: vec![SPEAKER.into()],
            subject: format!("Proposal received: “Load r proposal {index}” for DevConf 2027"),
            proposal_id: Some(id.into()),
        }
    }

    fn stored(ids: &[&str]) -> HashSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn everything_answered_stored_and_mailed_once_passes() {
        let mut throttled = created(1, "b");
        throttled.attempts = vec![attempt(429), attempt(429), attempt(201)];
        let submissions = [created(0, "a"), throttled];
        let found = reconcile(
            &submissions,
            &stored(&["a", "b"]),
            &[mail(1, "b"), mail(0, "a")],
        );
        assert!(found.caught_up());
        assert_eq!(found.failures(), Vec::<String>::new());
        assert_eq!((found.accepted, found.stored, found.emails), (2, 2, 2));
        assert_eq!(
            status_counts(&submissions),
            BTreeMap::from([(Some(201), 2), (Some(429), 2)])
        );
    }

    #[test]
    fn not_yet_stored_or_mailed_is_waited_for_and_named() {
        let found = reconcile(&[created(0, "a"), created(1, "b")], &stored(&["a"]), &[]);
        assert!(!found.caught_up());
        assert_eq!(found.not_stored, vec!["b"]);
        assert_eq!(found.missing_email, vec!["a", "b"]);
        let failures = found.failures();
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].starts_with("1 proposals answered 201 but not stored"));
        assert!(failures[0].ends_with(": b"), "{failures:?}");
        assert!(failures[1].contains("a, b"), "{failures:?}");
    }

    #[test]
    fn duplicates_are_failures_even_when_caught_up() {
        let found = reconcile(
            &[created(0, "a")],
            &stored(&["a", "x"]),
            &[mail(0, "a"), mail(0, "a")],
        );
        assert!(found.caught_up());
        assert_eq!(found.duplicate_email, vec![("a".to_owned(), 2)]);
        assert_eq!(found.stored_unanswered, vec!["x"]);
        assert_eq!(found.failures().len(), 2, "{:?}", found.failures());
    }

    #[test]
    fn a_5xx_fails_even_when_a_retry_succeeded() {
        let mut retried = created(0, "a");
        retried.attempts = vec![attempt(503), attempt(201)];
        let found = reconcile(&[retried], &stored(&["a"]), &[mail(0, "a")]);
        assert_eq!(found.server_errors, vec![(0, 503)]);
        assert!(found.failures()[0].contains("#0: 503"));
    }

    #[test]
    fn refused_and_unanswered_proposals_are_failures() {
        let refused = Submission {
            outcome: Outcome::Refused {
                status: 429,
                body: "Too Many Requests".into(),
            },
            attempts: vec![attempt(429); 3],
            ..created(0, "unused")
        };
        let unanswered = Submission {
            outcome: Outcome::Unanswered {
                error: "connection reset".into(),
            },
            attempts: vec![Attempt {
                status: None,
                latency: Duration::from_secs(60),
            }],
            ..created(1, "unused")
        };
        let found = reconcile(&[refused, unanswered], &stored(&[]), &[]);
        assert_eq!(found.accepted, 0);
        assert_eq!(found.not_accepted.len(), 2);
        let failures = found.failures();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(
            failures[0].contains("#0 (429: Too Many Requests)"),
            "{failures:?}"
        );
        assert!(failures[0].contains("#1 (no answer: connection reset)"));
    }

    #[test]
    fn mail_to_the_wrong_speaker_or_for_no_answered_proposal_fails() {
        let mut wrong_speaker = mail(0, "a");
        wrong_speaker.recipients = vec!["load-r-speaker1@speakers.test".into()];
        let mut unnamed = mail(1, "b");
        unnamed.proposal_id = None;
        let found = reconcile(
            &[created(0, "a")],
            &stored(&["a"]),
            &[wrong_speaker, unnamed, mail(2, "zzz")],
        );
        assert_eq!(found.misaddressed, vec!["a"]);
        assert_eq!(found.unknown_email, vec![None, Some("zzz".to_owned())]);
        assert_eq!(found.failures().len(), 2, "{:?}", found.failures());
    }

    #[test]
    fn one_id_answered_to_two_proposals_fails() {
        let found = reconcile(
            &[created(0, "a"), created(1, "a")],
            &stored(&["a"]),
            &[mail(0, "a")],
        );
        assert_eq!(found.answered_twice, vec!["a"]);
        assert_eq!(found.failures().len(), 1, "{:?}", found.failures());
    }

    #[test]
    fn long_lists_are_cut_short() {
        let submissions: Vec<Submission> =
            (0..25).map(|i| created(i, &format!("id{i:02}"))).collect();
        let found = reconcile(&submissions, &stored(&[]), &[]);
        let failures = found.failures();
        assert!(failures[0].starts_with("25 proposals answered 201 but not stored"));
        assert_eq!(failures[0].matches("id").count(), SHOWN);
        assert!(failures[0].ends_with(", …"), "{failures:?}");
    }
}
