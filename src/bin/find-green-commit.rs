fn main() -> std::process::ExitCode {
    relay::cli::find_green_commit::main(std::env::args_os().collect())
}
