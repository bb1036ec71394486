//! The exec layer with real processes: terminals, pipes, process groups, timeouts,
//! redaction and the shell state that carries from one block to the next.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use cairn::exec::{spawn, Capture, Finished, Interrupt, Job, Place, Terminal};
use cairn::session::redact::Secrets;

fn job(dir: &Path, script: &str) -> Job {
    Job {
        script: script.into(),
        interpreter: "bash".into(),
        place: Place::Here,
        env: std::env::vars().collect(),
        cwd: dir.to_path_buf(),
        terminal: Terminal::Pty { cols: 80, rows: 24 },
        timeout: None,
        grace: Duration::from_millis(500),
        dir: dir.to_path_buf(),
        scratch: dir.to_path_buf(),
        name: "job".into(),
        secrets: Secrets::new(),
        streamed: true,
        capture: None,
        eof_on_stdin: false,
    }
}

/// Runs a job to its end, collecting the output it passed on.
fn run(job: &Job) -> (Finished, Vec<u8>) {
    let running = spawn(job).unwrap();
    let mut all = Vec::new();
    let finished = running.wait(&Interrupt::new(), |chunk| all.extend_from_slice(chunk));
    (finished, all)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_program_sees_a_terminal_and_its_colours_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (finished, output) = run(&job(
        dir.path(),
        "if [ -t 0 ] && [ -t 1 ]; then echo is-a-tty; fi\nprintf '\\033[31mred\\033[0m\\n'",
    ));
    assert_eq!(finished.exit.code, Some(0));
    let output = text(&output);
    assert!(output.contains("is-a-tty"), "{output:?}");
    assert!(output.contains("\x1b[31mred\x1b[0m"), "{output:?}");
    let spooled = std::fs::read(dir.path().join("job.out")).unwrap();
    assert_eq!(text(&spooled), output);
    assert_eq!(finished.output_bytes, spooled.len() as u64);
}

#[test]
fn the_shell_reports_its_exports_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub dir")).unwrap();
    let (finished, _) = run(&job(
        dir.path(),
        "export CARRIED='a b'\ncd 'sub dir'\nunset HOME\nexit 3",
    ));
    assert_eq!(finished.exit.code, Some(3));
    let state = finished.state.expect("state");
    assert!(state.cwd.ends_with("/sub dir"), "{}", state.cwd);
    assert!(state
        .exported
        .contains(&("CARRIED".to_string(), "a b".to_string())));
    assert!(!state.exported.iter().any(|(name, _)| name == "HOME"));
}

fn alive(pid: u32) -> bool {
    // A zombie is dead for our purposes.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.split(") ").nth(1).unwrap_or("").starts_with('Z'),
        Err(_) => false,
    }
}

fn pids(path: &PathBuf) -> Vec<u32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .map(|pid| pid.parse().unwrap())
        .collect()
}

#[test]
fn a_timeout_ends_the_whole_process_tree() {
    for terminal in [Terminal::Pty { cols: 80, rows: 24 }, Terminal::Pipes] {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pids");
        let mut job = job(
            dir.path(),
            &format!(
                "trap '' TERM\nsleep 300 & echo $! >> '{0}'\n(sleep 300; true) & echo $! >> '{0}'\necho $$ >> '{0}'\nwait",
                pid_file.display()
            ),
        );
        job.terminal = terminal;
        job.timeout = Some(Duration::from_millis(700));
        let (finished, _) = run(&job);
        assert!(finished.timed_out, "{terminal:?}");
        let pids = pids(&pid_file);
        assert_eq!(pids.len(), 3);
        std::thread::sleep(Duration::from_millis(100));
        for pid in pids {
            assert!(!alive(pid), "{pid} survived ({terminal:?})");
        }
    }
}

#[test]
fn processes_a_block_leaves_behind_end_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let (finished, _) = run(&job(
        dir.path(),
        &format!(
            "trap '' HUP; sleep 300 & echo $! > '{}'",
            pid_file.display()
        ),
    ));
    assert_eq!(finished.exit.code, Some(0));
    std::thread::sleep(Duration::from_millis(100));
    for pid in pids(&pid_file) {
        assert!(!alive(pid), "{pid} survived");
    }
}

#[test]
fn an_interrupt_reaches_the_program_not_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let running = spawn(&job(
        dir.path(),
        "trap 'echo got-int; exit 130' INT\nsleep 30 & wait",
    ))
    .unwrap();
    let interrupt = Interrupt::new();
    let raiser = interrupt.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        raiser.raise();
    });
    let finished = running.wait(&interrupt, |_| {});
    assert!(finished.interrupted);
    assert_eq!(finished.exit.code, Some(130));
    let spooled = std::fs::read(dir.path().join("job.out")).unwrap();
    assert!(text(&spooled).contains("got-int"));
}

#[test]
fn secrets_never_reach_the_channel_or_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = job(
        dir.path(),
        "echo \"token is $API_TOKEN.\"; printf '%s' \"$API_TOKEN\" | cut -c1-3",
    );
    job.env.push(("API_TOKEN".into(), "s3cr3t-value".into()));
    job.secrets.add("s3cr3t-value");
    let (finished, output) = run(&job);
    assert_eq!(finished.exit.code, Some(0));
    let output = text(&output);
    assert!(output.contains("token is [redacted]."), "{output:?}");
    assert!(!output.contains("s3cr3t"));
    let spooled = std::fs::read(dir.path().join("job.out")).unwrap();
    assert!(!text(&spooled).contains("s3cr3t-value"));
}

#[test]
fn pipes_capture_stdout_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = job(
        dir.path(),
        "echo out; echo err >&2; if [ -t 1 ]; then echo tty; fi",
    );
    job.terminal = Terminal::Pipes;
    job.capture = Some(Capture {
        limit: 1024,
        secret: false,
    });
    let (finished, output) = run(&job);
    assert_eq!(finished.exit.code, Some(0));
    assert_eq!(finished.captured.as_deref(), Some(&b"out\n"[..]));
    let output = text(&output);
    assert!(output.contains("out") && output.contains("err") && !output.contains("tty"));
}

#[test]
fn a_missing_directory_or_interpreter_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut missing_dir = job(dir.path(), "true");
    missing_dir.cwd = dir.path().join("gone");
    let error = spawn(&missing_dir).err().unwrap();
    assert!(error.to_string().contains("does not exist"), "{error}");
    let mut missing_program = job(dir.path(), "true");
    missing_program.interpreter = "no-such-interpreter-here".into();
    let error = spawn(&missing_program).err().unwrap();
    assert!(error.to_string().contains("could not start"), "{error}");
}

#[test]
fn a_secret_capture_is_kept_but_never_shown_or_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = job(dir.path(), "echo tok-4242-secret; echo visible >&2");
    job.terminal = Terminal::Pipes;
    job.capture = Some(Capture {
        limit: 1024,
        secret: true,
    });
    let (finished, output) = run(&job);
    assert_eq!(
        finished.captured.as_deref(),
        Some(&b"tok-4242-secret\n"[..])
    );
    assert_eq!(text(&output), "visible\n");
    let spooled = std::fs::read(dir.path().join("job.out")).unwrap();
    assert_eq!(text(&spooled), "visible\n");
}

#[test]
fn a_capture_too_big_for_a_variable_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = job(dir.path(), "head -c 5000 /dev/zero | tr '\\0' x");
    job.terminal = Terminal::Pipes;
    job.capture = Some(Capture {
        limit: 1024,
        secret: false,
    });
    let (finished, _) = run(&job);
    assert_eq!(finished.captured, None);
    assert!(
        finished.problems[0].contains("write it to a file instead"),
        "{:?}",
        finished.problems
    );
}

#[test]
fn outputs_and_scripts_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let job = job(dir.path(), "stat -c %a \"$0\"; echo printed");
    let (finished, output) = run(&job);
    assert_eq!(finished.exit.code, Some(0));
    assert!(text(&output).starts_with("600"), "{}", text(&output));
    let mode = std::fs::metadata(dir.path().join("job.out"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_process_that_escapes_the_group_cannot_hold_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let started = std::time::Instant::now();
    let (finished, _) = run(&job(
        dir.path(),
        &format!(
            "setsid sh -c 'echo $$ > \"{}\"; sleep 30' &\nsleep 0.2\necho main-done",
            pid_file.display()
        ),
    ));
    assert_eq!(finished.exit.code, Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited {:?}",
        started.elapsed()
    );
    for pid in pids(&pid_file) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

#[test]
fn typing_more_than_the_terminal_holds_waits_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The program reads nothing for a second: what is typed meanwhile fills the terminal's
    // input, and the typing waits (the master is non-blocking) instead of failing.
    let mut job = job(dir.path(), "stty -echo; sleep 1; cat > typed.txt");
    job.eof_on_stdin = false;
    let running = spawn(&job).unwrap();
    let terminal = running
        .terminal()
        .expect("a pseudo-terminal job can be typed into");
    let line = format!("{}\n", "x".repeat(99));
    let lines = 300;
    for _ in 0..lines {
        terminal.type_bytes(line.as_bytes());
    }
    terminal.type_bytes(b"\x04");
    drop(terminal);
    let finished = running.wait(&Interrupt::new(), |_| {});
    assert_eq!(finished.exit.code, Some(0));
    let typed = std::fs::read_to_string(dir.path().join("typed.txt")).unwrap();
    assert_eq!(typed.len(), lines * line.len(), "every typed byte arrived");
}
