fn main() -> std::process::ExitCode {
    relay::cli::publish_release::main(std::env::args_os().collect())
}
