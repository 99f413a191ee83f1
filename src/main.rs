//! The `auth-mirror` binary: parses the command line, sets up logging and hands over to the library.
#![forbid(unsafe_code)]

use auth_mirror::cli::Cli;
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    auth_mirror::telemetry::init(cli.log_format);
    let json = cli.log_format.is_json();
    match auth_mirror::commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line; errors never carry secrets.
            // In the log format, so that a log shipper reading JSON lines gets this one too.
            if json {
                tracing::error!("{error:#}");
            } else {
                eprintln!("auth-mirror: {error:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
