//! Why a run could not be carried out at all (a failed check is not an error: see
//! [`crate::reconcile`]).

use cfp_local::mail::MailError;
use cfp_local::stack::StackFileError;
use cfp_local::users::UsersError;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    StackFile(#[from] StackFileError),
    #[error("the stack file has no {0} (is this the cfp template's stack?)")]
    MissingInStack(&'static str),
    #[error("--clients {clients} needs at least as many speakers, but --speakers is {speakers}")]
    TooFewSpeakers { clients: usize, speakers: usize },
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("the local user pool: {0}")]
    UserPool(UsersError),
    #[error("signing up {email}: {source}")]
    Users { email: String, source: UsersError },
    #[error("{what}: {source}")]
    Http {
        what: String,
        source: reqwest::Error,
    },
    #[error("creating the event {slug} answered {status}: {body}")]
    EventRefused {
        slug: String,
        status: u16,
        body: String,
    },
    #[error("reading the stored proposals of {slug} from {table}: {message}")]
    Table {
        table: String,
        slug: String,
        message: String,
    },
    #[error("reading the sent e-mail: {0}")]
    Mail(#[from] MailError),
    #[error("a client task ended abnormally: {0}")]
    Task(#[from] tokio::task::JoinError),
}
