fn main() -> std::process::ExitCode {
    relay::cli::bump_versions::main(std::env::args_os().collect())
}
