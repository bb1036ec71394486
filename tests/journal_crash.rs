//! Crashes: `cairn run --auto` killed with SIGKILL at many moments of a walk. Every time,
//! the journal verifies, every event cairn had shown is in it, and `cairn resume` carries
//! on from the right step to the end without running a finished step again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{cairn_with, Run};

const STEPS: usize = 6;

fn runbook() -> String {
    let mut book = String::from("# Crash\n");
    for step in 1..=STEPS {
        book.push_str(&format!(
            "\n## Step {step}\n\n```bash\necho {step} >> ran-{step}\nsleep 0.0$((RANDOM % 5))\n```\n\n```bash\necho second-{step}\n```\n"
        ));
    }
    book
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    cairn_with(dir, args, &[])
}

/// Reads `stdout` on a thread: sends the count of lines read so far after each line, and
/// returns all of it when it ends.
fn read_lines(
    mut stdout: std::process::ChildStdout,
) -> (
    std::sync::mpsc::Receiver<usize>,
    std::thread::JoinHandle<String>,
) {
    let (sender, receiver) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(read) = stdout.read(&mut buffer) {
            if read == 0 {
                break;
            }
            all.extend_from_slice(&buffer[..read]);
            if buffer[..read].contains(&b'\n') {
                let lines = all.iter().filter(|&&byte| byte == b'\n').count();
                let _ = sender.send(lines);
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    (receiver, reader)
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

#[test]
fn a_killed_walk_verifies_keeps_what_it_showed_and_resumes_where_it_stopped() {
    // Kill moments spread over the whole walk by its progress, not by the clock (this
    // machine's disk makes one walk take twice as long as the next): after the k-th of the
    // lines a whole walk prints, and then a few milliseconds more, to land inside the
    // writing of an event as well as between events.
    let whole_lines = {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("crash.md"), runbook()).unwrap();
        let run = cairn(
            dir.path(),
            &["run", "crash.md", "--auto", "--journal", "journal"],
        );
        run.expect_code(0);
        run.stdout.lines().count()
    };
    let moments: Vec<(usize, u64)> = (0..14usize)
        .map(|k| (whole_lines * k / 13, (k as u64 * 7) % 11))
        .collect();
    let mut resumed_inside = 0;
    for (after_lines, then_ms) in moments {
        let delay = format!("after {after_lines} lines and {then_ms} ms");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("crash.md"), runbook()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(dir.path())
            .args(["run", "crash.md", "--auto", "--journal", "journal"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines_seen, reader) = read_lines(child.stdout.take().unwrap());
        // Until enough lines were printed, or the walk ended (the sender is dropped).
        let mut seen = 0;
        while seen < after_lines {
            match lines_seen.recv_timeout(Duration::from_secs(60)) {
                Ok(count) => seen = count,
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_millis(then_ms));
        let _ = child.kill();
        let _ = child.wait();
        let shown = reader.join().unwrap();

        let listed = cairn(
            dir.path(),
            &["log", "--journal", "journal", "--format", "json"],
        );
        let Some(session) = listed
            .json()
            .as_array()
            .and_then(|all| all.first().cloned())
        else {
            // Killed before the first event: nothing was shown either.
            assert!(!shown.contains('▶'), "shown without a record:\n{shown}");
            continue;
        };
        let id = session["id"].as_str().unwrap().to_string();
        cairn(dir.path(), &["verify", &id, "--journal", "journal"]).expect_code(0);

        // Everything shown is recorded: every step entered on screen, every command
        // finished on screen.
        let repo = git2::Repository::open_bare(dir.path().join("journal")).unwrap();
        let tip = repo
            .find_reference(&format!(
                "refs/heads/{}",
                session["branch"].as_str().unwrap()
            ))
            .unwrap()
            .target()
            .unwrap();
        let events = cairn::journal::reader::events(&repo, tip).unwrap();
        let recorded = |kind: &str| {
            events
                .iter()
                .filter(|event| event.event.kind() == kind)
                .count()
        };
        assert!(
            recorded("step_entered") >= shown.matches("\n▶ ").count(),
            "delay {delay}:\n{shown}"
        );
        assert!(
            recorded("command_finished") >= shown.matches("✓ exit").count(),
            "delay {delay}:\n{shown}"
        );

        let finished_before: Vec<usize> = (1..=STEPS)
            .filter(|step| {
                events.iter().any(|event| {
                    matches!(&event.event, cairn::session::Event::StepFinished { step: id, .. } if *id == format!("step-{step}"))
                })
            })
            .collect();
        if events
            .iter()
            .all(|event| !matches!(event.event, cairn::session::Event::SessionEnded { .. }))
        {
            let resumed = cairn(
                dir.path(),
                &["resume", &id, "--auto", "--journal", "journal"],
            );
            resumed.expect_code(0).stdout_has("✓ completed");
            resumed_inside += 1;
            cairn(dir.path(), &["verify", &id, "--journal", "journal"]).expect_code(0);
        }
        for step in 1..=STEPS {
            let ran = lines(&dir.path().join(format!("ran-{step}")));
            assert!(ran >= 1, "delay {delay}: step {step} never ran");
            if finished_before.contains(&step) {
                assert_eq!(ran, 1, "delay {delay}: finished step {step} ran again");
            }
        }
    }
    assert!(
        resumed_inside >= 4,
        "only {resumed_inside} of the kills landed mid-walk"
    );
}
