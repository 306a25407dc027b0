fn main() -> std::process::ExitCode {
    relay::cli::track_release::main(std::env::args_os().collect())
}
