//! `critical-slowing`: command-line front end. The subcommands live in `cli/`; this file parses,
//! installs the signal handlers, runs the command and prints. Errors print one line; the exit
//! status is 0 on success, 1 when a claim failed, 2 when the command could not run as asked
//! (bad input, a refusal, an I/O error), 130/143 on SIGINT/SIGTERM.

mod cli;

use std::process::ExitCode;

use critical_slowing::report;

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if let Some(bytes) = cli.max_memory {
        critical_slowing::error::set_memory_limit(bytes);
    }
    cli::signals::install();
    match cli::run(cli) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            // a signal arrived and its thread is removing the temporaries and exiting
            while report::writer::abandoning() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
