//! The `cairn` binary: everything lives in the library; this only exits with its code.

fn main() {
    // A reader that stops reading (`cairn log | head -1`) is no error: end quietly with the
    // status of a process ended by SIGPIPE, as other command-line tools do. (Rust programs
    // ignore SIGPIPE, so `println!` panics instead.)
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        previous(info);
    }));
    std::process::exit(cairn::cli::main());
}
