//! What counts as success for a block: its exit codes (`expect=`, default 0) and, when
//! given, a pattern its output must match (`expect_output=`).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use regex::RegexBuilder;

use crate::exec::Finished;
use crate::runbook::options::BlockOptions;
use crate::session::Outcome;

/// How much of each command's output `expect_output` reads: the end of it, where a
/// command's verdict is printed. The whole output stays on disk.
const TAIL_BYTES: u64 = 4 * 1024 * 1024;

/// The outcome of one command run, and why it failed when the exit code does not say.
pub fn judge(finished: &Finished, options: &BlockOptions) -> (Outcome, Option<String>) {
    if finished.timed_out {
        return (Outcome::Timeout, Some("ended by its timeout".into()));
    }
    if finished.interrupted {
        return (Outcome::Interrupted, Some("interrupted".into()));
    }
    if let Some(signal) = finished.exit.signal {
        return (Outcome::Failed, Some(format!("killed by signal {signal}")));
    }
    let code = finished.exit.code.unwrap_or(-1);
    let expected: &[i32] = if options.expect.is_empty() {
        &[0]
    } else {
        &options.expect
    };
    if expected.contains(&code) {
        (Outcome::Ok, None)
    } else if options.expect.is_empty() {
        (Outcome::Failed, None)
    } else {
        (
            Outcome::Failed,
            Some(format!("exit {code}, expected {}", join(expected))),
        )
    }
}

fn join(codes: &[i32]) -> String {
    codes
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Checks `pattern` against the text of the outputs in `spools`; `None` when it matches,
/// the reason otherwise. Patterns are multi-line (`^` and `$` match at line ends).
pub fn output_matches(pattern: &str, spools: &[&Path]) -> Option<String> {
    let regex = match RegexBuilder::new(pattern).multi_line(true).build() {
        Ok(regex) => regex,
        Err(error) => return Some(format!("`expect_output` is not a valid pattern: {error}")),
    };
    let mut text = String::new();
    for spool in spools {
        text.push_str(&crate::ansi::strip(&tail(spool)));
    }
    if regex.is_match(&text) {
        None
    } else {
        Some(format!("the output did not match /{pattern}/"))
    }
}

fn tail(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let len = file.metadata().map_or(0, |meta| meta.len());
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES)));
        let _ = file.take(TAIL_BYTES).read_to_end(&mut bytes);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Exit;
    use std::time::Duration;

    fn finished(code: Option<i32>, signal: Option<i32>) -> Finished {
        Finished {
            exit: Exit { code, signal },
            timed_out: false,
            interrupted: false,
            duration: Duration::ZERO,
            output_bytes: 0,
            state: None,
            captured: None,
            problems: Vec::new(),
            stopped: false,
        }
    }

    #[test]
    fn exit_codes_are_judged_by_expect() {
        let default = BlockOptions::default();
        assert_eq!(judge(&finished(Some(0), None), &default).0, Outcome::Ok);
        assert_eq!(judge(&finished(Some(1), None), &default).0, Outcome::Failed);
        let lenient = BlockOptions {
            expect: vec![0, 1],
            ..BlockOptions::default()
        };
        assert_eq!(judge(&finished(Some(1), None), &lenient).0, Outcome::Ok);
        let (outcome, reason) = judge(&finished(Some(2), None), &lenient);
        assert_eq!(outcome, Outcome::Failed);
        assert_eq!(reason.as_deref(), Some("exit 2, expected 0 or 1"));
        assert_eq!(judge(&finished(None, Some(9)), &default).0, Outcome::Failed);
    }

    #[test]
    fn output_patterns_read_the_text_of_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("out");
        std::fs::write(&spool, "\x1b[32mstatus: healthy\x1b[0m\r\nbye\r\n").unwrap();
        assert_eq!(output_matches("^status: healthy$", &[&spool]), None);
        assert!(output_matches("unhealthy", &[&spool]).is_some());
        assert!(output_matches("(", &[&spool])
            .unwrap()
            .contains("not a valid pattern"));
    }
}
