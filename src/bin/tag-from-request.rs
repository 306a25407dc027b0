fn main() -> std::process::ExitCode {
    relay::cli::tag_from_request::main(std::env::args_os().collect())
}
