fn main() -> std::process::ExitCode {
    relay::cli::verify_release::main(std::env::args_os().collect())
}
