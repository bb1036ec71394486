//! The `cairn` binary: everything lives in the library; this only exits with its code.

fn main() {
    std::process::exit(cairn::cli::main());
}
