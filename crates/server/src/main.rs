use std::process::ExitCode;

fn main() -> ExitCode {
    tis_status::cli::main()
}
