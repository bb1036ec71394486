//! `cairn show RUNBOOK`: the parsed step graph, as a readable outline or as the JSON of
//! FORMAT.md §7.

use std::path::PathBuf;

use clap::Args;

use super::{outline, print_error, stdout_color, Format, EXIT_FAILED, EXIT_OK};
use crate::runbook::load;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The runbook file.
    #[arg(value_name = "RUNBOOK")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: &ShowArgs) -> i32 {
    let runbook = match load(&args.path) {
        Ok(runbook) => runbook,
        Err(error) => {
            print_error(&error);
            return EXIT_FAILED;
        }
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&runbook) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                print_error(&error);
                return EXIT_FAILED;
            }
        },
        Format::Text => print!("{}", outline::render(&runbook, stdout_color())),
    }
    EXIT_OK
}
