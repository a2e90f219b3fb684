//! The `tis-status` binary: the command line in `cli.rs`, everything else in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    tis_status::cli::main()
}
