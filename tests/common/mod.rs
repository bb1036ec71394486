//! What the CLI tests share: one run of the `cairn` binary, with assertions that print
//! everything cairn said when they fail.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod sshd;
pub mod tmux;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

/// What one run of cairn produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Reads a finished process's output, and fails if cairn panicked: a panic is never an
    /// acceptable answer to any input.
    pub fn from_output(output: &std::process::Output) -> Run {
        let run = Run {
            // A process killed by a signal has no code: report it as an impossible one.
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked"),
            "cairn panicked:\n{}",
            run.stderr
        );
        assert_ne!(run.code, 101, "cairn exited 101 (a Rust panic)");
        run
    }

    /// Fails with the whole output, so a failing assertion shows what cairn said.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Neither stdout nor stderr contains `needle`.
    pub fn never_says(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "{needle:?} was printed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// Runs the `cairn` binary in `dir` with `env` added (no colour; no journal from the
/// environment, so a test only writes where it says).
pub fn cairn_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = assert_cmd::Command::cargo_bin("cairn").unwrap();
    command
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CAIRN_JOURNAL")
        .env_remove("CAIRN_CONFIG")
        // Never the user's own journal or settings.
        .env("XDG_DATA_HOME", dir.join(".data"))
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .timeout(Duration::from_secs(90));
    for (name, value) in env {
        command.env(name, value);
    }
    Run::from_output(&command.output().unwrap())
}

/// Runs `git -C dir ARGS`, failing the test if git fails; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl Run {
    /// The session id a walk printed ("recorded in DIR as session ID …").
    pub fn session_id(&self) -> String {
        let line = self
            .stdout
            .lines()
            .find(|line| line.starts_with("recorded in"))
            .unwrap_or_else(|| panic!("no session recorded:\n{}", self.stdout));
        line.split("as session ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .to_string()
    }
}

/// The events of the session whose branch ends with `id` (the only one when `id` is
/// empty) in the journal at `journal`, oldest first, as JSON.
pub fn session_events(journal: &Path, id: &str) -> Vec<Value> {
    let repo = git2::Repository::open_bare(journal).unwrap();
    let branch = repo
        .references_glob("refs/heads/sessions/*")
        .unwrap()
        .map(Result::unwrap)
        .find(|reference| reference.name().unwrap().ends_with(id))
        .expect("the session's branch");
    let tree = branch.peel_to_tree().unwrap();
    let mut found = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |folder, entry| {
        let name = entry.name().unwrap_or_default();
        if folder.starts_with("events/") && name.ends_with(".json") {
            let blob = repo.find_blob(entry.id()).unwrap();
            let event: Value = serde_json::from_slice(blob.content()).unwrap();
            found.push((format!("{folder}{name}"), event));
        }
        git2::TreeWalkResult::Ok
    })
    .unwrap();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, event)| event).collect()
}
