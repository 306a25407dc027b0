fn main() -> std::process::ExitCode {
    relay::cli::generate_changelog::main(std::env::args_os().collect())
}
