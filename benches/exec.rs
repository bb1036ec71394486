//! Throughput and peak memory of `cairn::exec` capturing a large output stream, as ratios
//! against floors measured in the same run.
//!
//! The job is `yes '<a 64-character line>' | head -c $SIZE` (65-byte lines, printable, as
//! fast as the kernel moves them), run by `sh`. cairn's side spawns it as a `Job`, drains
//! `Running::wait`, which hands every chunk to a callback that writes it to `/dev/null`
//! (what `cairn run --auto > /dev/null` does); the clock stops once the wait returns.
//!
//! 1. Pseudo-terminal (`Terminal::Pty`). Floor: util-linux `script -q -c "<cmd>" <file> >
//!    /dev/null`, which also copies a pty's output to its stdout and to a file. Target:
//!    floor/cairn >= 1.0 (cairn at least as fast).
//! 2. Pipes (`Terminal::Pipes`). Floor: `sh -c "<cmd> > <file>"`, the generator writing
//!    straight to the file with no one in between. Target: floor/cairn >= 0.8.
//! 3. Peak memory. Every measurement runs in a child process (this binary again, with
//!    `CAIRN_BENCH_CHILD` set), so each gets its own clock and its own peak RSS: for cairn
//!    the capturing process's own peak (`RUSAGE_SELF`, the job's processes not included), for
//!    a floor the largest process of its tree (`RUSAGE_CHILDREN`: `script`, `sh`, `yes` or
//!    `head`).
//!
//! Besides the wall clock, each case reports the CPU time (user + system) of its whole tree:
//! the pty path is bound by the kernel's line discipline and both sides share two cores with
//! the generator, so on a busy machine the CPU ratio is the steadier of the two.
//!
//! Each case runs `CAIRN_BENCH_RUNS` times (default 3), interleaved, in a fresh temporary
//! directory that is deleted outside the timed part; the table shows medians. Every run checks
//! that no byte was lost: the spool and the floor's file hold exactly the bytes expected (in a
//! pseudo-terminal the line discipline turns each `\n` into `\r\n`), and the channel delivered
//! what the spool holds.
//!
//! Run with `cargo bench --bench exec`. `CAIRN_BENCH_BYTES` sets the size of the stream
//! (default 1 GiB; e.g. `CAIRN_BENCH_BYTES=67108864` while developing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cairn::exec::{spawn, Interrupt, Job, Place, Terminal};
use cairn::session::redact::Secrets;
use nix::sys::resource::{getrusage, UsageWho};

/// One line of output, 64 characters and a newline.
const LINE: &str = "some output line of about sixty characters for the benchmark run";
const DEFAULT_BYTES: u64 = 1 << 30;
const DEFAULT_RUNS: usize = 3;
const CHILD_VAR: &str = "CAIRN_BENCH_CHILD";
const DIR_VAR: &str = "CAIRN_BENCH_DIR";
const BYTES_VAR: &str = "CAIRN_BENCH_BYTES";

fn command(bytes: u64) -> String {
    format!("yes '{LINE}' | head -c {bytes}")
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    PtyFloor,
    PtyCairn,
    PipeFloor,
    PipeCairn,
}

impl Case {
    const ALL: [Case; 4] = [
        Case::PtyFloor,
        Case::PtyCairn,
        Case::PipeFloor,
        Case::PipeCairn,
    ];

    fn key(self) -> &'static str {
        match self {
            Case::PtyFloor => "pty-floor",
            Case::PtyCairn => "pty",
            Case::PipeFloor => "pipe-floor",
            Case::PipeCairn => "pipe",
        }
    }

    fn from_key(key: &str) -> Option<Case> {
        Case::ALL.into_iter().find(|case| case.key() == key)
    }

    fn label(self) -> &'static str {
        match self {
            Case::PtyFloor => "floor: script -q -c CMD FILE > /dev/null",
            Case::PtyCairn => "cairn: Terminal::Pty, channel -> /dev/null",
            Case::PipeFloor => "floor: sh -c 'CMD > FILE'",
            Case::PipeCairn => "cairn: Terminal::Pipes, channel -> /dev/null",
        }
    }

    fn is_pty(self) -> bool {
        matches!(self, Case::PtyFloor | Case::PtyCairn)
    }

    fn is_cairn(self) -> bool {
        matches!(self, Case::PtyCairn | Case::PipeCairn)
    }

    /// The file the case leaves its copy of the output in.
    fn file(self, dir: &Path) -> PathBuf {
        if self.is_cairn() {
            dir.join("bench.out")
        } else {
            dir.join("floor.out")
        }
    }
}

/// What one measurement reports (one line on the child's stdout).
#[derive(Clone, Copy, Debug)]
struct Sample {
    elapsed: Duration,
    /// KiB: the measuring process's own peak (cairn), or the largest of its children (floor).
    peak_rss_kib: u64,
    /// KiB: the measuring process's peak before the job started (cairn only).
    start_rss_kib: u64,
    /// Bytes the channel delivered (cairn only).
    streamed: u64,
    /// CPU time (user + system) of the measuring process and of everything it waited for:
    /// less disturbed than the wall clock by whatever else the machine is doing.
    cpu: Duration,
}

impl Sample {
    fn encode(&self) -> String {
        format!(
            "SAMPLE {} {} {} {} {}",
            self.elapsed.as_nanos(),
            self.peak_rss_kib,
            self.start_rss_kib,
            self.streamed,
            self.cpu.as_nanos()
        )
    }

    fn decode(line: &str) -> Option<Sample> {
        let mut fields = line.strip_prefix("SAMPLE ")?.split(' ');
        let mut next = || fields.next()?.parse::<u64>().ok();
        Some(Sample {
            elapsed: Duration::from_nanos(next()?),
            peak_rss_kib: next()?,
            start_rss_kib: next()?,
            streamed: next()?,
            cpu: Duration::from_nanos(next()?),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The child: one measurement
// ---------------------------------------------------------------------------------------------

fn max_rss_kib(who: UsageWho) -> u64 {
    getrusage(who).map_or(0, |usage| usage.max_rss().max(0) as u64)
}

/// User and system time of this process and of the children it has waited for.
fn tree_cpu() -> Duration {
    [UsageWho::RUSAGE_SELF, UsageWho::RUSAGE_CHILDREN]
        .into_iter()
        .filter_map(|who| getrusage(who).ok())
        .map(|usage| {
            let (user, system) = (usage.user_time(), usage.system_time());
            let micros = |time: nix::sys::time::TimeVal| {
                time.tv_sec() as u64 * 1_000_000 + time.tv_usec() as u64
            };
            Duration::from_micros(micros(user) + micros(system))
        })
        .sum()
}

fn child(case: Case) {
    let dir = PathBuf::from(std::env::var_os(DIR_VAR).expect("CAIRN_BENCH_DIR"));
    let bytes = env_number(BYTES_VAR).unwrap_or(DEFAULT_BYTES);
    let sample = if case.is_cairn() {
        cairn_side(case, &dir, bytes)
    } else {
        floor_side(case, &dir, bytes)
    };
    println!("{}", sample.encode());
}

fn cairn_side(case: Case, dir: &Path, bytes: u64) -> Sample {
    let job = Job {
        script: command(bytes),
        interpreter: "sh".into(),
        place: Place::Here,
        env: std::env::vars().collect(),
        cwd: dir.to_path_buf(),
        terminal: if case.is_pty() {
            Terminal::Pty { cols: 80, rows: 24 }
        } else {
            Terminal::Pipes
        },
        timeout: None,
        grace: Duration::from_millis(500),
        dir: dir.to_path_buf(),
        scratch: dir.to_path_buf(),
        name: "bench".into(),
        secrets: Secrets::new(),
        streamed: true,
        capture: None,
        eof_on_stdin: false,
    };
    let mut null = File::create("/dev/null").unwrap();
    let start_rss_kib = max_rss_kib(UsageWho::RUSAGE_SELF);
    let start = Instant::now();
    let running = spawn(&job).unwrap();
    let mut streamed = 0u64;
    let finished = running.wait(&Interrupt::new(), |chunk| {
        null.write_all(chunk).unwrap();
        streamed += chunk.len() as u64;
    });
    let elapsed = start.elapsed();
    assert_eq!(finished.exit.code, Some(0), "{finished:?}");
    assert!(finished.problems.is_empty(), "{:?}", finished.problems);
    assert_eq!(
        finished.output_bytes, streamed,
        "the spool and the channel disagree"
    );
    Sample {
        elapsed,
        peak_rss_kib: max_rss_kib(UsageWho::RUSAGE_SELF),
        start_rss_kib,
        streamed,
        cpu: tree_cpu(),
    }
}

fn floor_side(case: Case, dir: &Path, bytes: u64) -> Sample {
    let file = case.file(dir);
    let mut floor = if case.is_pty() {
        let mut floor = Command::new("script");
        // script runs `$SHELL -c CMD`: the same shell as cairn's job.
        floor
            .args(["-q", "-c", &command(bytes)])
            .arg(&file)
            .env("SHELL", "/bin/sh");
        floor
    } else {
        let mut floor = Command::new("sh");
        floor.arg("-c").arg(format!(
            "{} > '{}'",
            command(bytes),
            file.display().to_string().replace('\'', "'\\''")
        ));
        floor
    };
    floor
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(File::create("/dev/null").unwrap());
    let start = Instant::now();
    let status = floor.status().unwrap();
    let elapsed = start.elapsed();
    assert!(status.success(), "the floor failed: {status}");
    Sample {
        elapsed,
        peak_rss_kib: max_rss_kib(UsageWho::RUSAGE_CHILDREN),
        start_rss_kib: 0,
        streamed: 0,
        cpu: tree_cpu(),
    }
}

// ---------------------------------------------------------------------------------------------
// The parent: runs the children, checks the bytes, prints the table
// ---------------------------------------------------------------------------------------------

fn measure(case: Case, bytes: u64) -> Sample {
    let dir = tempfile::Builder::new()
        .prefix("cairn-bench-exec-")
        .tempdir()
        .unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_VAR, case.key())
        .env(DIR_VAR, dir.path())
        .env(BYTES_VAR, bytes.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: the measuring child failed ({})",
        case.key(),
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let sample = stdout
        .lines()
        .find_map(Sample::decode)
        .unwrap_or_else(|| panic!("{}: no sample in {stdout:?}", case.key()));
    check_bytes(case, &case.file(dir.path()), bytes, &sample);
    // The temporary directory (a GiB or two) goes here, after the clock.
    drop(dir);
    sample
}

/// What a run of `bytes` should leave in a file: on a pseudo-terminal, every `\n` of the
/// 65-byte lines arrives as `\r\n`.
fn expected_bytes(case: Case, bytes: u64) -> u64 {
    if case.is_pty() {
        bytes + bytes / (LINE.len() as u64 + 1)
    } else {
        bytes
    }
}

fn check_bytes(case: Case, file: &Path, bytes: u64, sample: &Sample) {
    let expected = expected_bytes(case, bytes);
    let size = std::fs::metadata(file).unwrap().len();
    let payload = if case == Case::PtyFloor {
        script_payload(file, size)
    } else {
        size
    };
    assert_eq!(
        payload,
        expected,
        "{}: bytes lost or added in {}",
        case.key(),
        file.display()
    );
    if case.is_cairn() {
        assert_eq!(
            sample.streamed,
            expected,
            "{}: the channel lost bytes",
            case.key()
        );
    }
    // The last line is whole or cut by `head -c`, never garbled.
    let mut tail = vec![0u8; 512.min(size as usize)];
    let mut reader = File::open(file).unwrap();
    reader
        .seek(SeekFrom::Start(size - tail.len() as u64))
        .unwrap();
    reader.read_exact(&mut tail).unwrap();
    assert!(
        tail.windows(LINE.len())
            .any(|window| window == LINE.as_bytes()),
        "{}: the end of {} is not the generator's text",
        case.key(),
        file.display()
    );
}

/// The size of what `script` copied, without its "Script started…" line and its "Script
/// done…" trailer.
fn script_payload(file: &Path, size: u64) -> u64 {
    let mut reader = File::open(file).unwrap();
    let mut head = vec![0u8; 1024.min(size as usize)];
    reader.read_exact(&mut head).unwrap();
    let header = head
        .iter()
        .position(|&byte| byte == b'\n')
        .expect("a header line") as u64
        + 1;
    let mut tail = vec![0u8; 1024.min(size as usize)];
    reader
        .seek(SeekFrom::Start(size - tail.len() as u64))
        .unwrap();
    reader.read_exact(&mut tail).unwrap();
    let marker = b"\nScript done";
    let at = tail
        .windows(marker.len())
        .rposition(|window| window == marker)
        .expect("a trailer");
    size - tail.len() as u64 + at as u64 - header
}

fn median(samples: &[Sample], field: impl Fn(&Sample) -> u64) -> u64 {
    let mut values: Vec<u64> = samples.iter().map(field).collect();
    values.sort_unstable();
    values[values.len() / 2]
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    if let Ok(key) = std::env::var(CHILD_VAR) {
        child(Case::from_key(&key).unwrap_or_else(|| panic!("unknown case {key:?}")));
        return;
    }
    // `cargo bench` passes `--bench`; nothing here takes arguments.
    let bytes = env_number(BYTES_VAR).unwrap_or(DEFAULT_BYTES);
    let runs = env_number("CAIRN_BENCH_RUNS")
        .unwrap_or(DEFAULT_RUNS as u64)
        .max(1) as usize;
    let mb = bytes as f64 / 1e6;

    println!(
        "== capture of a {:.1} MiB stream ==",
        bytes as f64 / 1048576.0
    );
    println!("command: {}", command(bytes));
    println!("runs: {runs} each, interleaved, fresh temporary directory per run; medians shown");

    // Warm up: page in sh, yes, head, script and this binary.
    for case in Case::ALL {
        measure(case, 1 << 20);
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); Case::ALL.len()];
    for run in 0..runs {
        // Alternate which goes first, so neither always runs on a warmer cache.
        let order: [usize; 4] = if run % 2 == 0 {
            [0, 1, 2, 3]
        } else {
            [1, 0, 3, 2]
        };
        for index in order {
            let sample = measure(Case::ALL[index], bytes);
            samples[index].push(sample);
        }
    }

    println!();
    println!(
        "{:<46} {:>10} {:>9} {:>9} {:>14}  all runs (ms)",
        "case", "median", "MB/s", "CPU s", "peak RSS MiB"
    );
    let mut medians = [Duration::ZERO; 4];
    let mut cpus = [Duration::ZERO; 4];
    for (index, case) in Case::ALL.into_iter().enumerate() {
        if index == 2 {
            println!();
        }
        let taken = &samples[index];
        let elapsed =
            Duration::from_nanos(median(taken, |sample| sample.elapsed.as_nanos() as u64));
        medians[index] = elapsed;
        let peak = median(taken, |sample| sample.peak_rss_kib);
        let cpu = Duration::from_nanos(median(taken, |sample| sample.cpu.as_nanos() as u64));
        cpus[index] = cpu;
        let runs: Vec<String> = taken
            .iter()
            .map(|sample| format!("{:.0}", sample.elapsed.as_secs_f64() * 1e3))
            .collect();
        println!(
            "{:<46} {:>8.0}ms {:>9.1} {:>9.2} {:>14.1}  {}",
            case.label(),
            elapsed.as_secs_f64() * 1e3,
            mb / elapsed.as_secs_f64(),
            cpu.as_secs_f64(),
            mib(peak),
            runs.join(" ")
        );
    }
    println!();
    println!(
        "peak RSS: cairn = the capturing process itself ({:.1} MiB of it before the job \
         started); floor = the largest process of its tree",
        mib(median(&samples[1], |sample| sample.start_rss_kib))
    );
    println!(
        "CPU s: user + system time of the measuring process and every process it waited for \
         (the job or the floor's tree), less disturbed by other load than the wall clock"
    );
    println!(
        "bytes checked: pty files {} B (\\n -> \\r\\n), pipe files {} B, channel = spool",
        expected_bytes(Case::PtyCairn, bytes),
        expected_bytes(Case::PipeCairn, bytes)
    );
    println!();
    for (name, floor, cairn, target) in [("pty  ", 0, 1, 1.0), ("pipes", 2, 3, 0.8)] {
        let ratio = medians[floor].as_secs_f64() / medians[cairn].as_secs_f64();
        let cpu_ratio = cpus[floor].as_secs_f64() / cpus[cairn].as_secs_f64();
        println!(
            "{name}: floor/cairn = {ratio:.2} (target >= {target:.1}) {}  [CPU floor/cairn = {cpu_ratio:.2}]",
            if ratio >= target {
                "OK"
            } else {
                "BELOW TARGET"
            }
        );
    }
}
