fn main() -> std::process::ExitCode {
    relay::cli::announce::main(std::env::args_os().collect())
}
