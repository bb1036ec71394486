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

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

#[test]
fn a_killed_walk_verifies_keeps_what_it_showed_and_resumes_where_it_stopped() {
    // Kill moments spread over the whole walk, as long as it takes on this machine.
    let whole = {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("crash.md"), runbook()).unwrap();
        let started = std::time::Instant::now();
        cairn(
            dir.path(),
            &["run", "crash.md", "--auto", "--journal", "journal"],
        )
        .expect_code(0);
        started.elapsed()
    };
    let delays: Vec<u64> = (0..14u32)
        .map(|k| (whole * k / 13).as_millis() as u64)
        .collect();
    let mut resumed_inside = 0;
    for delay in delays {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("crash.md"), runbook()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(dir.path())
            .args(["run", "crash.md", "--auto", "--journal", "journal"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let mut shown = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut shown)
            .unwrap();

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
