fn main() -> std::process::ExitCode {
    relay::cli::comment_on_issue::main(std::env::args_os().collect())
}
