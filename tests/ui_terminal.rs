//! The UI on a real terminal (tmux): keys sent, the screen read back. One walk answers a
//! value, runs commands, types into a program's prompt, takes a branch, confirms a
//! destructive step and adds a note; the journal must then hold exactly that walk. And
//! cairn ended by a signal mid-command leaves the terminal sane.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::tmux::Tmux;

const RUNBOOK: &str = r#"# Drill

## Ask for the host

```bash
echo "host is $TARGET_HOST"
```

## Answer a prompt

```bash
read -r -p "Proceed? [y/N] " answer
echo "answered $answer"
```

## Decide

<!-- cairn: choose -->
- Clean up: [clean](#clean)
- Leave it: [finish](#finish)

## Clean

```bash
rm -rf victim
```

## Finish

```bash
echo all-done
```
"#;

/// The events of the only session in `journal`, oldest first.
fn events(journal: &Path) -> Vec<Value> {
    common::session_events(journal, "")
}

fn cairn_command(dir: &Path, runbook: &str) -> String {
    format!(
        "cd {} && NO_COLOR=1 XDG_DATA_HOME=.data XDG_CONFIG_HOME=.config CAIRN_JOURNAL=journal {} run {runbook}; echo EXIT=$?; stty -a; sleep 60",
        dir.display(),
        env!("CARGO_BIN_EXE_cairn")
    )
}

#[test]
fn a_whole_walk_by_keys_is_recorded_as_walked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("victim")).unwrap();
    std::fs::write(dir.path().join("drill.md"), RUNBOOK).unwrap();
    let tmux = Tmux::start_sized(dir.path(), &cairn_command(dir.path(), "drill.md"), 100, 32);

    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("Enter gives it"); // the value's form
    tmux.type_text("db-7");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("host is db-7");
    tmux.wait_visible("the step is done");
    tmux.keys(&["Enter"]);

    // A program's own prompt: focus the pane, type into it, come back.
    tmux.wait_visible("┌ Answer a prompt ");
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("│Proceed? [y/N]"); // in the pane, not the block
    tmux.keys(&["i"]);
    tmux.wait_visible("typing into the program");
    tmux.type_text("y");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("answered y");
    tmux.wait_visible("the step is done");
    tmux.keys(&["Enter"]);

    // The decision: take the branch that cleans up.
    tmux.wait_visible("┌ Decide ");
    tmux.wait_visible("the step is done");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("↑↓ or a number");
    tmux.keys(&["1"]);

    // The destructive block asks for its step's id.
    tmux.wait_visible("┌ Clean ");
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("Type the step's id (clean)");
    assert!(
        dir.path().join("victim").exists(),
        "nothing runs before the confirmation"
    );
    tmux.type_text("clean");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("the step is done");
    assert!(!dir.path().join("victim").exists());

    tmux.keys(&["n"]);
    tmux.wait_visible("A note for the journal");
    tmux.type_text("victim removed by hand");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("note saved in the journal");
    tmux.keys(&["Enter"]);

    tmux.wait_visible("┌ Finish ");
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("│all-done");
    tmux.wait_visible("the step is done");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("The walk is over (completed)");
    tmux.keys(&["q"]);
    let screen = tmux.wait_visible("EXIT=0");
    assert!(screen.contains("recorded in"), "{screen}");

    let events = events(&dir.path().join("journal"));
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .filter(|kind| *kind != "variables_changed")
        .collect();
    assert_eq!(
        kinds,
        [
            "session_started",
            "step_entered",
            "command_started",
            "command_finished",
            "block_finished",
            "step_finished",
            "step_entered",
            "command_started",
            "command_finished",
            "block_finished",
            "step_finished",
            "step_entered",
            "step_finished",
            "decision_taken",
            "step_entered",
            "confirmed",
            "command_started",
            "command_finished",
            "block_finished",
            "note_added",
            "step_finished",
            "step_entered",
            "command_started",
            "command_finished",
            "block_finished",
            "step_finished",
            "session_ended",
        ],
        "{events:#?}"
    );
    let find = |kind: &str| events.iter().find(|event| event["type"] == kind).unwrap();
    assert_eq!(find("decision_taken")["to"], "clean");
    assert_eq!(find("confirmed")["answer"], "clean");
    assert_eq!(find("note_added")["text"], "victim removed by hand");
    assert_eq!(find("session_ended")["outcome"], "completed");
    let host = events
        .iter()
        .find(|event| {
            event["type"] == "variables_changed" && event["set"].to_string().contains("TARGET_HOST")
        })
        .expect("the value given is recorded");
    assert!(host["set"].to_string().contains("db-7"), "{host}");
}

#[test]
fn a_signal_mid_command_leaves_the_terminal_sane() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slow.md"),
        "# Slow\n\n## Wait\n\n```bash\necho started-waiting\nsleep 30\n```\n",
    )
    .unwrap();
    let tmux = Tmux::start_sized(dir.path(), &cairn_command(dir.path(), "slow.md"), 100, 32);
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("started-waiting");
    let pid = cairn_pid(dir.path());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let screen = tmux.wait_for("EXIT=");
    // The shell's own view of its terminal after cairn: cooked and echoing again.
    let started = Instant::now();
    let mut screen = screen;
    while !screen.contains("speed") && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
        screen = tmux.screen();
    }
    assert!(
        screen.contains(" icanon"),
        "canonical mode is back:\n{screen}"
    );
    assert!(screen.contains(" echo "), "echo is back:\n{screen}");
    assert!(
        !screen.contains("-icanon") && !screen.contains("-echo "),
        "{screen}"
    );
    assert!(
        !screen.contains("Enter run"),
        "the alternate screen is gone:\n{screen}"
    );
    let code: i32 = screen
        .split("EXIT=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|code| code.parse().ok())
        .unwrap();
    assert_ne!(code, 0, "an ended walk does not claim success");
}

/// The pid of the cairn running in `dir` (found by its working directory).
fn cairn_pid(dir: &Path) -> i32 {
    let dir = dir.canonicalize().unwrap();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
        if exe.file_name().is_some_and(|name| name == "cairn") && cwd == dir {
            return pid;
        }
    }
    panic!("no cairn running in {}", dir.display());
}

#[test]
fn a_command_is_copied_and_edited_before_it_runs_and_the_journal_has_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("edit.md"),
        "# Edit\n\n## Greet\n\n```bash\necho original-words\n```\n",
    )
    .unwrap();
    let editor = dir.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/original/edited/' \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let command =
        cairn_command(dir.path(), "edit.md").replace("NO_COLOR=1", "NO_COLOR=1 EDITOR=./editor.sh");
    let tmux = Tmux::start_sized(dir.path(), &command, 100, 32);
    let status = tmux
        .cmd()
        .args(["set-option", "-g", "set-clipboard", "on"])
        .status()
        .unwrap();
    assert!(status.success());
    tmux.wait_visible("Enter run");

    // y: the block's command goes to the terminal's clipboard (OSC 52, which tmux keeps).
    tmux.keys(&["y"]);
    tmux.wait_visible("command copied");
    let started = Instant::now();
    let copied = loop {
        let output = tmux.cmd().arg("show-buffer").output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        if !text.is_empty() || started.elapsed() > Duration::from_secs(10) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(copied.trim_end(), "echo original-words");

    // e: the editor changes the command, which then runs as edited.
    tmux.keys(&["e"]);
    tmux.wait_visible("│edited-words");
    tmux.wait_visible("(edited before it ran");
    tmux.wait_visible("the step is done");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("The walk is over (completed)");
    tmux.keys(&["q"]);
    tmux.wait_visible("EXIT=0");

    let events = events(&dir.path().join("journal"));
    let edited = events
        .iter()
        .find(|event| event["type"] == "block_edited")
        .expect("the edit is recorded");
    assert_eq!(edited["text"].as_str().unwrap().trim(), "echo edited-words");
    let started = events
        .iter()
        .find(|event| event["type"] == "command_started")
        .unwrap();
    assert_eq!(
        started["text"].as_str().unwrap().trim(),
        "echo edited-words"
    );
}

#[test]
fn review_follow_shows_a_live_session_as_it_happens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slow.md"),
        "# Slow\n\n## First\n\n```bash\necho first-step\n```\n\n## Pause\n\n```bash\nsleep 3\n```\n\n## Second\n\n```bash\necho second-step\n```\n",
    )
    .unwrap();
    let cairn = env!("CARGO_BIN_EXE_cairn");
    let mut live = std::process::Command::new(cairn)
        .current_dir(dir.path())
        .args(["run", "--auto", "slow.md", "--journal", "journal"])
        .env("XDG_CONFIG_HOME", dir.path().join(".config"))
        .stdout(std::process::Stdio::null())
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The session's id, as soon as the journal lists it.
    let started = Instant::now();
    let id = loop {
        let output = std::process::Command::new(cairn)
            .current_dir(dir.path())
            .args(["log", "--format", "json", "--journal", "journal"])
            .env("XDG_CONFIG_HOME", dir.path().join(".config"))
            .output()
            .unwrap();
        let listed: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        if let Some(id) = listed[0]["id"].as_str() {
            break id.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no session listed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let command = format!(
        "cd {} && NO_COLOR=1 XDG_CONFIG_HOME=.config {cairn} review {id} --follow --journal journal; echo EXIT=$?; sleep 60",
        dir.path().display()
    );
    let tmux = Tmux::start_sized(dir.path(), &command, 100, 32);
    tmux.wait_visible("REVIEW");
    tmux.wait_visible("│first-step");
    assert!(
        live.try_wait().unwrap().is_none(),
        "the first step is shown while the live walk still runs"
    );
    tmux.wait_visible("│second-step");
    tmux.wait_visible("The walk is over (completed)");
    assert!(live.wait().unwrap().success());
    // Read-only: Enter runs nothing.
    tmux.keys(&["Enter"]);
    tmux.wait_visible("read-only");
    tmux.keys(&["q"]);
    tmux.wait_visible("EXIT=0");
}

#[test]
fn a_resized_terminal_resizes_the_program_in_the_pane() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("size.md"),
        "# Size\n\n## Before\n\n```bash\necho \"size-before $(stty size)\"\n```\n\n## After\n\n```bash\necho \"size-after $(stty size)\"\n```\n",
    )
    .unwrap();
    let tmux = Tmux::start_sized(dir.path(), &cairn_command(dir.path(), "size.md"), 120, 40);
    let size = |screen: &str, label: &str| -> (u32, u32) {
        let rest = screen.split(label).nth(1).unwrap();
        let mut numbers = rest
            .split_whitespace()
            .map(|word| word.trim_end_matches('│').parse::<u32>().unwrap());
        (numbers.next().unwrap(), numbers.next().unwrap())
    };
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_visible("│size-before ");
    let before = size(&screen, "│size-before ");
    tmux.wait_visible("the step is done");
    let status = tmux
        .cmd()
        .args(["resize-window", "-x", "80", "-y", "24"])
        .status()
        .unwrap();
    assert!(status.success());
    tmux.keys(&["Enter"]);
    tmux.wait_visible("┌ After ");
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_visible("│size-after ");
    let after = size(&screen, "│size-after ");
    assert!(
        after.0 < before.0 && after.1 < before.1,
        "{before:?} then {after:?}\n{screen}"
    );
    assert!(
        screen.lines().all(|line| line.chars().count() <= 80),
        "{screen}"
    );
}

#[test]
fn the_status_bar_says_when_the_journal_is_pushed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("one.md"),
        "# One\n\n## Only\n\n```bash\necho only\n```\n",
    )
    .unwrap();
    let remote = dir.path().join("remote.git");
    let status = std::process::Command::new("git")
        .args(["init", "--quiet", "--bare"])
        .arg(&remote)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::create_dir_all(dir.path().join(".config/cairn")).unwrap();
    std::fs::write(
        dir.path().join(".config/cairn/config.toml"),
        format!("[journal]\nremote = \"file://{}\"\n", remote.display()),
    )
    .unwrap();
    let tmux = Tmux::start_sized(dir.path(), &cairn_command(dir.path(), "one.md"), 100, 32);
    tmux.wait_visible("Enter run");
    tmux.wait_visible("journal: saved, pushed");
    tmux.keys(&["q"]);
    tmux.wait_visible("EXIT=");
    let branches = common::git(&remote, &["for-each-ref", "--format=%(refname)"]);
    assert!(branches.contains("refs/heads/sessions/"), "{branches}");
}

#[test]
fn review_lists_the_sessions_and_steps_through_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("two.md"),
        "# Two\n\n## First\n\n```bash\necho first-output\n```\n\n## Second\n\n```bash\necho second-output\n```\n",
    )
    .unwrap();
    let cairn = env!("CARGO_BIN_EXE_cairn");
    for command in ["run", "drill"] {
        let status = std::process::Command::new(cairn)
            .current_dir(dir.path())
            .args([command, "--auto", "two.md", "--journal", "journal"])
            .env("XDG_CONFIG_HOME", dir.path().join(".config"))
            .stdout(std::process::Stdio::null())
            .stdin(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let command = format!(
        "cd {} && NO_COLOR=1 XDG_CONFIG_HOME=.config {cairn} review --journal journal; echo EXIT=$?; sleep 60",
        dir.path().display()
    );
    let tmux = Tmux::start_sized(dir.path(), &command, 100, 32);
    tmux.wait_visible("Sessions · 2 of 2");
    tmux.type_text("mode:drill");
    tmux.wait_visible("Sessions · 1 of 2");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("REVIEW");
    tmux.wait_visible("The walk is over (completed)");
    tmux.wait_visible("│second-output");
    // Back through the record: the second step had not begun.
    tmux.keys(&["[", "[", "["]);
    let screen = tmux.wait_visible("of the session");
    assert!(!screen.contains("│second-output"), "{screen}");
    tmux.keys(&["t"]);
    tmux.wait_visible("Timeline");
    tmux.keys(&["Down", "Down", "Enter"]);
    tmux.keys(&["q"]);
    tmux.wait_visible("EXIT=0");
}
