//! Where things live in a session's tree, and what its branch is called.
//!
//! ```text
//! session.json                 what the session is (runbook, hash, operator, mode, start)
//! runbook.md                   the runbook exactly as it was run
//! events/0000/000001.json      one small file per event, 100 to a folder
//! outputs/0000/000042.raw      a command's output as it came (redacted), by the seq of
//! outputs/0000/000042.txt      its command_finished event; .txt without escape sequences
//! ```
//! Folders of 100 keep every tree a commit rewrites small, however long the session runs.

use crate::runbook::slug;

/// Files per folder under `events/` and `outputs/`.
pub const FAN_OUT: u64 = 100;

/// The folder (`0001`) and file stem (`000123`) for event number `seq`.
pub fn bucket(seq: u64) -> (String, String) {
    (format!("{:04}", seq / FAN_OUT), format!("{seq:06}"))
}

pub fn event_path(seq: u64) -> String {
    let (folder, stem) = bucket(seq);
    format!("events/{folder}/{stem}.json")
}

pub fn output_path(seq: u64, extension: &str) -> String {
    let (folder, stem) = bucket(seq);
    format!("outputs/{folder}/{stem}.{extension}")
}

/// `sessions/2026-11-28-fail-over-the-primary-1a2b3c4d`.
pub fn branch(date: &str, runbook_title: &str, id: &str) -> String {
    let mut name = slug(runbook_title);
    // A branch name stays readable in `git branch` listings.
    if name.len() > 48 {
        let mut end = 48;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    let name = name.trim_matches('-');
    let name = if name.is_empty() { "runbook" } else { name };
    format!("sessions/{date}-{name}-{id}")
}

/// The session id at the end of a branch name.
pub fn id_of_branch(branch: &str) -> Option<&str> {
    branch
        .strip_prefix("sessions/")?
        .rsplit('-')
        .next()
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fan_out_by_hundreds() {
        assert_eq!(event_path(1), "events/0000/000001.json");
        assert_eq!(event_path(123), "events/0001/000123.json");
        assert_eq!(output_path(10_042, "txt"), "outputs/0100/010042.txt");
    }

    #[test]
    fn branches_name_the_day_the_runbook_and_the_session() {
        let name = branch("2026-11-28", "Fail over the primary!", "1a2b3c4d");
        assert_eq!(name, "sessions/2026-11-28-fail-over-the-primary-1a2b3c4d");
        assert_eq!(id_of_branch(&name), Some("1a2b3c4d"));
        assert_eq!(
            branch("2026-11-28", "???", "ff"),
            "sessions/2026-11-28-runbook-ff"
        );
    }
}
