fn main() -> std::process::ExitCode {
    relay::cli::propose_change::main(std::env::args_os().collect())
}
