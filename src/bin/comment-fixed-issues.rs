fn main() -> std::process::ExitCode {
    relay::cli::comment_fixed_issues::main(std::env::args_os().collect())
}
