fn main() -> std::process::ExitCode {
    relay::cli::read_tag_metadata::main(std::env::args_os().collect())
}
