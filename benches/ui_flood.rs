//! The UI under a flood: while a command writes ~200 MB to its terminal as fast as it can,
//! does cairn keep drawing, answer keys, and use less CPU than the writer?
//!
//! The harness drives the real loop (`cairn::ui::run::walk_with`) on a 120x40 ratatui
//! `TestBackend`, with keys from a channel (`ChannelKeys`), nothing outside (`Nowhere`), and
//! the real engine (`NoRecord`) walking a one-step runbook whose bash block is the writer:
//! `yes "$FLOOD_LINE" | head -c $SIZE`. A driver thread plays the operator: Enter to run the
//! block; then, while the command runs, `?` every 100-200 ms (it opens or closes the help
//! popup, harmless and visible in `app.popup`), waiting each time for the first frame that
//! shows it; Enter to leave the step; `q` once the walk has ended.
//!
//! Reported for each scenario (the pooled samples of all runs, or medians):
//! - key latency: from the send to the end of the first frame drawn with the key's effect
//!   (p50 / p95 / max, count). Target: max <= 50 ms.
//! - frame intervals while the command runs (p50 / p95 / max, count).
//! - CPU (user + system) over the flood only, from Enter to the first frame after the
//!   command finished: cairn's own (`RUSAGE_SELF`: the UI, engine and pump threads) against
//!   the writer's (`RUSAGE_CHILDREN`: the job's bash, `yes`, `head`, reaped by cairn, whose
//!   system time includes the pty's line discipline). Target: cairn < writer.
//! - the same run's baselines: the writer alone into /dev/null and into a file (`bash -c
//!   'CMD > FILE'`), and `script -q -c CMD FILE > /dev/null` (a pseudo-terminal copied to a
//!   file by a program that does nothing else: the floor for wall time through a pty).
//!
//! - where cairn's CPU went, by thread (`/proc/self/task`): the UI loop, the engine, and the
//!   threads that ended with the command (the output pump); and, apart in the same run,
//!   `TerminalPane::feed` of the whole stream and the time to draw one frame.
//!
//! Every run checks that the spool holds every byte (each `\n` arrives as `\r\n`).
//!
//! Run with `cargo bench --bench ui_flood`. `CAIRN_BENCH_BYTES` (default 200000000),
//! `CAIRN_BENCH_RUNS` (default 3), `CAIRN_BENCH_SCENARIOS` (default `plain,ansi`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use cairn::engine::{start_dir, Answers, Engine, Environment, NoRecord, Settings};
use cairn::exec::Interrupt;
use cairn::runbook::Runbook;
use cairn::session::Mode;
use cairn::ui::app::App;
use cairn::ui::bridge::{NoteQueue, Waiting};
use cairn::ui::keymap::Keymap;
use cairn::ui::popup::Popup;
use cairn::ui::run::{walk_with, ChannelKeys, Nowhere, Screen};
use cairn::ui::status_bar::JournalState;
use cairn::ui::terminal_pane::TerminalPane;
use cairn::ui::theme::Theme;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use nix::sys::resource::{getrusage, UsageWho};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const DEFAULT_BYTES: u64 = 200_000_000;
const DEFAULT_RUNS: usize = 3;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// What the writer runs (bash), `$FLOOD_LINE` from the environment.
const WRITER: &str = "yes \"$FLOOD_LINE\" | head -c \"$FLOOD_BYTES\"";
/// How long the driver waits for anything before it gives up.
const PATIENCE: Duration = Duration::from_secs(120);
const TARGET_LATENCY: Duration = Duration::from_millis(50);

#[derive(Clone, Copy)]
enum Scenario {
    Plain,
    Ansi,
}

impl Scenario {
    fn key(self) -> &'static str {
        match self {
            Scenario::Plain => "plain",
            Scenario::Ansi => "ansi",
        }
    }

    /// One log line (without its newline).
    fn line(self) -> String {
        match self {
            Scenario::Plain => "2024-05-01T12:00:00.123Z INFO worker[1234]: processed batch 42 of 100 in 12 ms (queue depth 1200, lag 3 s)".into(),
            Scenario::Ansi => "\x1b[2m2024-05-01T12:00:00.123Z\x1b[0m \x1b[32mINFO\x1b[0m \x1b[1mworker[1234]\x1b[0m: processed batch \x1b[36m42\x1b[0m of 100 in \x1b[33m12 ms\x1b[0m (queue depth 1200, lag 3 s)".into(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Scenario::Plain => "plain text lines",
            Scenario::Ansi => "lines with SGR colours (7 escapes a line)",
        }
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Clocks
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Default, Debug)]
struct Cpu {
    user: Duration,
    system: Duration,
}

impl Cpu {
    fn of(who: UsageWho) -> Cpu {
        let usage = getrusage(who).unwrap();
        let time = |time: nix::sys::time::TimeVal| {
            Duration::from_micros(time.tv_sec() as u64 * 1_000_000 + time.tv_usec() as u64)
        };
        Cpu {
            user: time(usage.user_time()),
            system: time(usage.system_time()),
        }
    }

    fn since(self, earlier: Cpu) -> Cpu {
        Cpu {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }

    fn total(self) -> Duration {
        self.user + self.system
    }
}

/// `/proc` counts thread CPU in clock ticks of 1/100 s (`USER_HZ`, fixed by the Linux ABI).
const USER_HZ: u64 = 100;

/// CPU (user + system) of this process's live threads, by thread id: `(comm, time)`.
fn threads() -> std::collections::HashMap<u32, (String, Duration)> {
    let mut found = std::collections::HashMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return found;
    };
    for task in tasks.flatten() {
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `tid (comm) state ...`: utime and stime are the 14th and 15th fields.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = |index: usize| {
            fields
                .get(index)
                .and_then(|field| field.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let time = Duration::from_millis((ticks(11) + ticks(12)) * 1000 / USER_HZ);
        found.insert(tid, (stat[open + 1..close].to_string(), time));
    }
    found
}

/// Where cairn's CPU went during the flood, by thread.
#[derive(Clone, Copy, Default)]
struct Split {
    /// The main thread: the UI loop (the emulator fed, frames drawn).
    ui: Duration,
    /// The engine's thread: output chunks copied into the UI's channel.
    engine: Duration,
    /// The rest, which ended with the command: the output pump (pty reads, redaction,
    /// spool writes), the waiter, the input thread.
    job: Duration,
}

fn split(before: &std::collections::HashMap<u32, (String, Duration)>, total: Duration) -> Split {
    let after = threads();
    let main = std::process::id();
    let mut split = Split::default();
    let mut seen = Duration::ZERO;
    for (tid, (comm, time)) in &after {
        let Some((_, earlier)) = before.get(tid) else {
            continue;
        };
        let delta = time.saturating_sub(*earlier);
        seen += delta;
        if *tid == main {
            split.ui += delta;
        } else if comm == "cairn-engine" {
            split.engine += delta;
        }
    }
    // Threads that lived through the flood are counted above (the driver's share is
    // negligible); what is left of the process's total went to threads that ended.
    split.job = total.saturating_sub(seen);
    split
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn stats(values: &[Duration]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    format!(
        "p50 {:6.1} ms  p95 {:6.1} ms  max {:6.1} ms  (n = {})",
        ms(percentile(&sorted, 0.5)),
        ms(percentile(&sorted, 0.95)),
        ms(percentile(&sorted, 1.0)),
        sorted.len()
    )
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

// ---------------------------------------------------------------------------------------------
// What the frames show, shared between the loop (on_frame) and the driver
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Seen {
    frames: Vec<Instant>,
    help_open: bool,
    /// When a frame first showed the help popup opened or closed.
    help_changes: Vec<Instant>,
    waiting: Option<Waiting>,
    ended: bool,
}

#[derive(Default)]
struct Shared {
    seen: Mutex<Seen>,
    changed: Condvar,
}

impl Shared {
    fn on_frame(&self, app: &App<'_>) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap();
        seen.frames.push(now);
        let help_open = matches!(app.popup, Some(Popup::Help));
        if help_open != seen.help_open {
            seen.help_open = help_open;
            seen.help_changes.push(now);
        }
        seen.waiting = app.waiting.as_ref().map(|(waiting, _)| waiting.clone());
        seen.ended = app.ended;
        drop(seen);
        self.changed.notify_all();
    }

    /// Waits until `check` gives something, at most `timeout`.
    fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&Seen) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut seen = self.seen.lock().unwrap();
        loop {
            if let Some(found) = check(&seen) {
                return Some(found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            seen = self.changed.wait_timeout(seen, left).unwrap().0;
        }
    }

    fn must<T>(&self, what: &str, check: impl FnMut(&Seen) -> Option<T>) -> T {
        self.wait_for(PATIENCE, check)
            .unwrap_or_else(|| panic!("the driver waited {PATIENCE:?} for {what}"))
    }
}

fn key(code: KeyCode) -> TermEvent {
    TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

// ---------------------------------------------------------------------------------------------
// One run through the UI
// ---------------------------------------------------------------------------------------------

struct UiRun {
    wall: Duration,
    cairn: Cpu,
    split: Split,
    writer: Cpu,
    latencies: Vec<Duration>,
    intervals: Vec<Duration>,
    spool_bytes: u64,
}

/// What the driver measured.
struct Driven {
    start: Instant,
    end: Instant,
    cairn: Cpu,
    split: Split,
    writer: Cpu,
    latencies: Vec<Duration>,
}

/// The operator: Enter, `?` every 100-200 ms while the command runs, Enter, `q`.
fn drive(shared: &Shared, keys: tokio::sync::mpsc::UnboundedSender<TermEvent>) -> Driven {
    let flood_done = |seen: &Seen| matches!(seen.waiting, Some(Waiting::Leave { .. }));
    shared.must("the block to wait for Enter", |seen| {
        matches!(seen.waiting, Some(Waiting::Block { .. })).then_some(())
    });
    let threads0 = threads();
    let self0 = Cpu::of(UsageWho::RUSAGE_SELF);
    let children0 = Cpu::of(UsageWho::RUSAGE_CHILDREN);
    let start = Instant::now();
    keys.send(key(KeyCode::Enter)).unwrap();
    let mut latencies = Vec::new();
    let end = loop {
        // 100..200 ms apart, not in step with the frame clock.
        let gap = Duration::from_millis(100 + (latencies.len() as u64 * 37) % 101);
        if let Some(end) = shared.wait_for(gap, |seen| {
            flood_done(seen).then(|| *seen.frames.last().unwrap())
        }) {
            break end;
        }
        let before = shared.seen.lock().unwrap().help_changes.len();
        let sent = Instant::now();
        keys.send(key(KeyCode::Char('?'))).unwrap();
        let shown = shared.must("the help popup to toggle", |seen| {
            seen.help_changes.get(before).copied()
        });
        latencies.push(shown.duration_since(sent));
    };
    let cairn = Cpu::of(UsageWho::RUSAGE_SELF).since(self0);
    let writer = Cpu::of(UsageWho::RUSAGE_CHILDREN).since(children0);
    let split = split(&threads0, cairn.total());
    // Enter on the help popup would only close it.
    if shared.seen.lock().unwrap().help_open {
        let before = shared.seen.lock().unwrap().help_changes.len();
        keys.send(key(KeyCode::Char('?'))).unwrap();
        shared.must("the help popup to close", |seen| {
            (seen.help_changes.len() > before).then_some(())
        });
    }
    keys.send(key(KeyCode::Enter)).unwrap();
    shared.must("the walk to end", |seen| seen.ended.then_some(()));
    keys.send(key(KeyCode::Char('q'))).unwrap();
    Driven {
        start,
        end,
        cairn,
        split,
        writer,
        latencies,
    }
}

/// The app as `cairn run` makes it: the default theme and keys, live, no journal.
fn new_app(runbook: &Runbook) -> App<'_> {
    App::new(
        runbook,
        Theme::default_theme(),
        Keymap::default(),
        Mode::Live.label(),
        "bench".into(),
        JournalState::Off,
        NoteQueue::default(),
    )
}

/// `(rows, cols)` of the pane once output has come, as the screen lays it out (one frame
/// drawn: the screen gives the pane its size).
fn pane_size(runbook: &Runbook) -> (u16, u16) {
    let mut app = new_app(runbook);
    // A command's header: the pane then has output, and the screen gives it its size.
    app.pane.start_command("");
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal
        .draw(|frame| cairn::ui::screen::draw(frame, &mut app))
        .unwrap();
    app.pane.size()
}

fn ui_run(scenario: Scenario, bytes: u64) -> UiRun {
    let dir = tempfile::Builder::new()
        .prefix("cairn-bench-ui-")
        .tempdir()
        .unwrap();
    let work = dir.path().join("work");
    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&work).unwrap();
    std::fs::create_dir(&scratch).unwrap();
    let path = dir.path().join("flood.md");
    let text = format!("# Flood\n\n## Flood\n\n```bash\n{WRITER}\n```\n");
    std::fs::write(&path, &text).unwrap();
    let runbook = cairn::runbook::parse(&path.to_string_lossy(), &text);
    assert_eq!(runbook.steps.len(), 1, "{:?}", runbook.diagnostics);

    // Commands start at the size of the pane, as `cairn run` does.
    let (rows, cols) = pane_size(&runbook);
    let settings = Settings {
        mode: Mode::Live,
        session_id: "bench".into(),
        operator: "bench".into(),
        host: "bench".into(),
        work_dir: work.clone(),
        scratch_dir: scratch,
        cols,
        rows,
        grace: Duration::from_secs(3),
        ssh_command: "ssh".into(),
        stdin_is_terminal: true,
    };
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.push(("FLOOD_LINE".into(), scenario.line()));
    vars.push(("FLOOD_BYTES".into(), bytes.to_string()));
    let env = Environment::new(vars, start_dir(&runbook));

    let interrupt = Interrupt::new();
    let mut app = new_app(&runbook);
    app.interrupt = interrupt.clone();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let (send, receive) = tokio::sync::mpsc::unbounded_channel();
    let mut keys = ChannelKeys(receive);
    let shared = Arc::new(Shared::default());
    let driver = {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("bench-driver".into())
            .spawn(move || drive(&shared, send))
            .unwrap()
    };
    let engine_interrupt = interrupt.clone();
    let runbook_ref = &runbook;
    let on_frame_shared = Arc::clone(&shared);
    let walked = walk_with(
        &mut app,
        &interrupt,
        Screen {
            terminal: &mut terminal,
            keys: &mut keys,
            outside: &mut Nowhere,
            on_frame: &mut |app| on_frame_shared.on_frame(app),
        },
        move |operator| {
            let mut engine = Engine::new(
                runbook_ref,
                settings,
                Answers::default(),
                env,
                engine_interrupt,
                Box::new(NoRecord),
            );
            engine.walk(operator)
        },
    )
    .unwrap();
    let driven = driver.join().expect("the driver failed");
    assert_eq!(walked, Ok(()), "the walk did not end well");

    let frames = shared.seen.lock().unwrap().frames.clone();
    let during: Vec<Instant> = frames
        .into_iter()
        .filter(|frame| *frame >= driven.start && *frame <= driven.end)
        .collect();
    let intervals = during
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]))
        .collect();
    let spool_bytes = std::fs::metadata(work.join("000001.out")).unwrap().len();
    let expected = pty_bytes(scenario, bytes);
    assert_eq!(spool_bytes, expected, "the spool lost or gained bytes");
    UiRun {
        wall: driven.end.duration_since(driven.start),
        cairn: driven.cairn,
        split: driven.split,
        writer: driven.writer,
        latencies: driven.latencies,
        intervals,
        spool_bytes,
    }
}

/// What `bytes` of the stream become on a pty: each `\n` arrives as `\r\n`.
fn pty_bytes(scenario: Scenario, bytes: u64) -> u64 {
    bytes + bytes / (scenario.line().len() as u64 + 1)
}

// ---------------------------------------------------------------------------------------------
// The UI thread's two jobs, measured apart: the emulator fed, and frames drawn
// ---------------------------------------------------------------------------------------------

/// The stream as the pty delivers it, in chunks of about 64 KiB (what the pump hands on).
fn pty_chunks(scenario: Scenario, bytes: u64, mut each: impl FnMut(&[u8])) {
    let line = scenario.line();
    let mut pattern = line.clone().into_bytes();
    pattern.extend_from_slice(b"\r\n");
    let per_chunk = (64 * 1024 / pattern.len()).max(1);
    let chunk = pattern.repeat(per_chunk);
    let lines = bytes / (line.len() as u64 + 1);
    for _ in 0..lines / per_chunk as u64 {
        each(&chunk);
    }
    let rest = (lines % per_chunk as u64) as usize;
    each(&chunk[..rest * pattern.len()]);
    each(&line.as_bytes()[..(bytes % (line.len() as u64 + 1)) as usize]);
}

struct Parts {
    /// `TerminalPane::feed` of the whole stream, on this thread alone.
    feed_cpu: Cpu,
    feed_wall: Duration,
    /// One frame of the screen with a full pane, on the `TestBackend`.
    draws: Vec<Duration>,
}

fn parts(scenario: Scenario, bytes: u64) -> Parts {
    let text = format!("# Flood\n\n## Flood\n\n```bash\n{WRITER}\n```\n");
    let runbook = cairn::runbook::parse("flood.md", &text);
    let (rows, cols) = pane_size(&runbook);
    let mut pane = TerminalPane::new(rows, cols);
    pane.start_command("/tmp $ flood");
    let before = Cpu::of(UsageWho::RUSAGE_THREAD);
    let start = Instant::now();
    pty_chunks(scenario, bytes, |chunk| pane.feed(chunk));
    let feed_wall = start.elapsed();
    let feed_cpu = Cpu::of(UsageWho::RUSAGE_THREAD).since(before);

    let mut app = new_app(&runbook);
    app.pane = pane;
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut chunks = Vec::new();
    pty_chunks(scenario, 64 * 1024 * 200, |chunk| {
        chunks.push(chunk.to_vec())
    });
    let mut draws = Vec::new();
    for chunk in &chunks {
        // New output between frames, as during the flood.
        app.pane.feed(chunk);
        let start = Instant::now();
        terminal
            .draw(|frame| cairn::ui::screen::draw(frame, &mut app))
            .unwrap();
        draws.push(start.elapsed());
    }
    Parts {
        feed_cpu,
        feed_wall,
        draws,
    }
}

// ---------------------------------------------------------------------------------------------
// The baselines: the writer with no cairn
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Floor {
    DevNull,
    File,
    Script,
}

impl Floor {
    const ALL: [Floor; 3] = [Floor::DevNull, Floor::File, Floor::Script];

    fn label(self) -> &'static str {
        match self {
            Floor::DevNull => "writer alone > /dev/null",
            Floor::File => "writer alone > file",
            Floor::Script => "script -q -c CMD file > /dev/null",
        }
    }
}

struct FloorRun {
    wall: Duration,
    /// The whole tree: the writer, and for `script` the copier too.
    cpu: Cpu,
}

fn floor_run(floor: Floor, scenario: Scenario, bytes: u64, dir: &Path) -> FloorRun {
    let file = dir.join("floor.out");
    let mut command = match floor {
        Floor::DevNull => {
            let mut command = Command::new("bash");
            command
                .args(["-c", &format!("{WRITER} > /dev/null")])
                .stdout(Stdio::null());
            command
        }
        Floor::File => {
            let mut command = Command::new("bash");
            command
                .args(["-c", &format!("{WRITER} > \"$FLOOD_FILE\"")])
                .stdout(Stdio::null());
            command
        }
        Floor::Script => {
            let mut command = Command::new("script");
            command
                .args(["-q", "-c", WRITER])
                .arg(&file)
                .env("SHELL", "/bin/bash")
                .stdout(Stdio::null());
            command
        }
    };
    command
        .env("FLOOD_LINE", scenario.line())
        .env("FLOOD_BYTES", bytes.to_string())
        .env("FLOOD_FILE", &file)
        .stdin(Stdio::null())
        .current_dir(dir);
    let children0 = Cpu::of(UsageWho::RUSAGE_CHILDREN);
    let start = Instant::now();
    let status = command.status().unwrap();
    let wall = start.elapsed();
    assert!(status.success(), "{}: {status}", floor.label());
    let cpu = Cpu::of(UsageWho::RUSAGE_CHILDREN).since(children0);
    let _ = std::fs::remove_file(&file);
    FloorRun { wall, cpu }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

fn scenario_report(scenario: Scenario, bytes: u64, runs: usize) {
    let mb = bytes as f64 / 1e6;
    println!();
    println!(
        "== {}: {} ({:.0} MB written, {} B through the pty) ==",
        scenario.key(),
        scenario.describe(),
        mb,
        pty_bytes(scenario, bytes)
    );
    let dir = tempfile::Builder::new()
        .prefix("cairn-bench-floor-")
        .tempdir()
        .unwrap();
    // Warm up: page in bash, yes, head, script, and cairn's code paths.
    for floor in Floor::ALL {
        floor_run(floor, scenario, 1 << 20, dir.path());
    }
    ui_run(scenario, 1 << 20);

    let mut uis = Vec::new();
    let mut floors: Vec<Vec<FloorRun>> = Floor::ALL.iter().map(|_| Vec::new()).collect();
    for run in 0..runs {
        // Alternate which goes first, so neither always runs on a warmer cache.
        if run % 2 == 0 {
            uis.push(ui_run(scenario, bytes));
        }
        for (index, floor) in Floor::ALL.into_iter().enumerate() {
            floors[index].push(floor_run(floor, scenario, bytes, dir.path()));
        }
        if run % 2 == 1 {
            uis.push(ui_run(scenario, bytes));
        }
    }

    println!(
        "{:<36} {:>9} {:>8} {:>8} {:>8} {:>8}   wall of each run (ms)",
        "", "wall ms", "MB/s", "CPU s", "user s", "sys s"
    );
    let row = |label: &str, walls: &[Duration], cpus: &[Cpu]| {
        let wall = median(&walls.iter().map(|wall| ms(*wall)).collect::<Vec<_>>());
        let total = median(
            &cpus
                .iter()
                .map(|cpu| cpu.total().as_secs_f64())
                .collect::<Vec<_>>(),
        );
        let user = median(
            &cpus
                .iter()
                .map(|cpu| cpu.user.as_secs_f64())
                .collect::<Vec<_>>(),
        );
        let system = median(
            &cpus
                .iter()
                .map(|cpu| cpu.system.as_secs_f64())
                .collect::<Vec<_>>(),
        );
        let each: Vec<String> = walls
            .iter()
            .map(|wall| format!("{:.0}", ms(*wall)))
            .collect();
        println!(
            "{label:<36} {wall:>9.0} {:>8.1} {total:>8.2} {user:>8.2} {system:>8.2}   {}",
            mb / (wall / 1e3),
            each.join(" ")
        );
    };
    let ui_walls: Vec<Duration> = uis.iter().map(|ui| ui.wall).collect();
    row(
        "UI: cairn itself (RUSAGE_SELF)",
        &ui_walls,
        &uis.iter().map(|ui| ui.cairn).collect::<Vec<_>>(),
    );
    row(
        "UI: the writer (RUSAGE_CHILDREN)",
        &ui_walls,
        &uis.iter().map(|ui| ui.writer).collect::<Vec<_>>(),
    );
    for (index, floor) in Floor::ALL.into_iter().enumerate() {
        row(
            floor.label(),
            &floors[index].iter().map(|run| run.wall).collect::<Vec<_>>(),
            &floors[index].iter().map(|run| run.cpu).collect::<Vec<_>>(),
        );
    }

    let split = |part: fn(&Split) -> Duration| {
        median(
            &uis.iter()
                .map(|ui| part(&ui.split).as_secs_f64())
                .collect::<Vec<_>>(),
        )
    };
    println!(
        "cairn's CPU by thread (medians): UI loop {:.2} s, engine {:.2} s, pump and the job's \
         other threads {:.2} s",
        split(|split| split.ui),
        split(|split| split.engine),
        split(|split| split.job)
    );
    let parts = parts(scenario, bytes);
    let mut draws = parts.draws.clone();
    draws.sort_unstable();
    println!(
        "same run, apart: TerminalPane::feed of the whole stream (64 KiB chunks) {:.2} s CPU \
         ({:.0} MB/s); one frame drawn with a full pane: p50 {:.2} ms, max {:.2} ms",
        parts.feed_cpu.total().as_secs_f64(),
        pty_bytes(scenario, bytes) as f64 / 1e6 / parts.feed_wall.as_secs_f64(),
        ms(percentile(&draws, 0.5)),
        ms(percentile(&draws, 1.0))
    );

    let latencies: Vec<Duration> = uis.iter().flat_map(|ui| ui.latencies.clone()).collect();
    let intervals: Vec<Duration> = uis.iter().flat_map(|ui| ui.intervals.clone()).collect();
    let worst = latencies.iter().max().copied().unwrap_or_default();
    println!();
    println!(
        "key latency (send -> first frame showing it): {}",
        stats(&latencies)
    );
    println!(
        "frame intervals during the flood:             {}",
        stats(&intervals)
    );
    for (index, ui) in uis.iter().enumerate() {
        println!(
            "  run {}: keys {} (max {:.1} ms), frames {} (max interval {:.1} ms), cairn/writer CPU {:.2}, spool {} B",
            index + 1,
            ui.latencies.len(),
            ms(ui.latencies.iter().max().copied().unwrap_or_default()),
            ui.intervals.len() + 1,
            ms(ui.intervals.iter().max().copied().unwrap_or_default()),
            ui.cairn.total().as_secs_f64() / ui.writer.total().as_secs_f64(),
            ui.spool_bytes
        );
    }

    let cairn_cpu = median(
        &uis.iter()
            .map(|ui| ui.cairn.total().as_secs_f64())
            .collect::<Vec<_>>(),
    );
    let writer_cpu = median(
        &uis.iter()
            .map(|ui| ui.writer.total().as_secs_f64())
            .collect::<Vec<_>>(),
    );
    let alone_cpu = median(
        &floors[0]
            .iter()
            .map(|run| run.cpu.total().as_secs_f64())
            .collect::<Vec<_>>(),
    );
    let ui_wall = median(&ui_walls.iter().map(|wall| ms(*wall)).collect::<Vec<_>>());
    let file_wall = median(&floors[1].iter().map(|run| ms(run.wall)).collect::<Vec<_>>());
    let script_wall = median(&floors[2].iter().map(|run| ms(run.wall)).collect::<Vec<_>>());
    println!();
    println!(
        "key latency: max {:.1} ms (target <= {} ms) {}",
        ms(worst),
        TARGET_LATENCY.as_millis(),
        if worst <= TARGET_LATENCY {
            "OK"
        } else {
            "ABOVE TARGET"
        }
    );
    println!(
        "CPU cairn/writer = {:.2} (target < 1.0) {}   [cairn/(writer alone > /dev/null) = {:.2}]",
        cairn_cpu / writer_cpu,
        if cairn_cpu < writer_cpu {
            "OK"
        } else {
            "ABOVE TARGET"
        },
        cairn_cpu / alone_cpu
    );
    println!(
        "wall UI/(writer alone > file) = {:.2}   UI/script = {:.2}",
        ui_wall / file_wall,
        ui_wall / script_wall
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing here takes arguments.
    let bytes = env_number("CAIRN_BENCH_BYTES").unwrap_or(DEFAULT_BYTES);
    let runs = env_number("CAIRN_BENCH_RUNS")
        .unwrap_or(DEFAULT_RUNS as u64)
        .max(1) as usize;
    let scenarios: Vec<Scenario> = std::env::var("CAIRN_BENCH_SCENARIOS")
        .unwrap_or_else(|_| "plain,ansi".into())
        .split(',')
        .map(|name| match name.trim() {
            "plain" => Scenario::Plain,
            "ansi" => Scenario::Ansi,
            other => panic!("unknown scenario {other:?} (plain, ansi)"),
        })
        .collect();
    println!("== the UI under a flood: {WIDTH}x{HEIGHT} TestBackend, real engine (NoRecord) ==");
    println!("writer: {WRITER}   (a bash block of a one-step runbook)");
    println!(
        "runs: {runs} per scenario, interleaved with the baselines; medians in the table, \
         latencies and frame intervals pooled over the runs"
    );
    println!(
        "CPU over the flood only (Enter -> first frame after the command finished); \
         machine: {} cores",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let runbook = cairn::runbook::parse("flood.md", "# Flood\n\n```bash\ntrue\n```\n");
    let (rows, cols) = pane_size(&runbook);
    println!("the command's terminal (the pane): {cols}x{rows}");
    for scenario in scenarios {
        scenario_report(scenario, bytes, runs);
    }
    let peak = getrusage(UsageWho::RUSAGE_SELF).map_or(0, |usage| usage.max_rss());
    println!();
    println!(
        "peak RSS of the bench process: {:.1} MiB",
        peak as f64 / 1024.0
    );
}
