fn main() -> std::process::ExitCode {
    relay::cli::update_links::main(std::env::args_os().collect())
}
