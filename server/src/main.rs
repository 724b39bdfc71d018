//! `anchorlink`: see `anchorlink --help`.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
