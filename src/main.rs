//! `critical-slowing`: command-line front end. The subcommands live in `cli/`; this file parses,
//! installs the signal handlers, runs the command and prints. Errors print one line and exit
//! non-zero.

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
        Err(msg) => {
            // a signal arrived and its thread is removing the temporaries and exiting
            while report::writer::abandoning() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
