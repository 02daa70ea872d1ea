use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cfp_load_test::cli::Args::parse();
    match cfp_load_test::run::run(&args).await {
        Ok(outcome) if outcome.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("cfp-load-test: {err}");
            ExitCode::from(2)
        }
    }
}
