//! The `faultline` binary: parse arguments, run the command, map the outcome to an exit code
//! (0 success, 1 a failed check or invariant violation, 2 a usage or input error).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
