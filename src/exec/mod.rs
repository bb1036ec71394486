//! Running blocks for real: a shell session whose `export`s and `cd`s carry over from one
//! block to the next, each block in its own process group, in a pseudo-terminal or on pipes,
//! its output redacted and streamed to disk and to the caller.
//!
//! `spawn` starts one job and returns at once; the caller reads `Running::output` while the
//! job runs (the UI draws it, `--auto` prints it) and then calls `Running::wait`, which
//! enforces the timeout, forwards interrupts to the job's process group and reports how
//! the job ended. Nothing here decides what a result means: that is the engine's business.

pub mod exported;
pub mod group;
pub mod launch;
pub mod output;
mod pipes;
mod pty;

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tokio::sync::mpsc::Receiver;

use crate::session::redact::Secrets;
pub use exported::ShellState;
pub use group::Group;
use output::{Keep, Sink};

/// Where a job's output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminal {
    /// A pseudo-terminal of this size: programs see a terminal, colours and prompts work,
    /// stdout and stderr arrive interleaved as on a screen.
    Pty { cols: u16, rows: u16 },
    /// Plain pipes: stdout and stderr apart (needed to capture stdout alone).
    Pipes,
}

/// Where the job runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Here,
    /// Through `ssh_command` (the system's ssh and options) on `destination`, with these
    /// variables exported there.
    Remote {
        ssh_command: String,
        destination: String,
        exports: Vec<(String, String)>,
    },
}

/// One thing to run.
#[derive(Clone, Debug)]
pub struct Job {
    pub script: String,
    /// `bash`, `sh`, `python3 -u`…
    pub interpreter: String,
    pub place: Place,
    /// The whole environment of the process (nothing else is inherited).
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub terminal: Terminal,
    pub timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Holds the script, the state file and the output spool.
    pub dir: PathBuf,
    /// The file name stem for this job's files in `dir` (`3-0-1`: step 3, block 0, attempt 1).
    pub name: String,
    pub secrets: Secrets,
    /// Send output chunks to the caller (a background job only spools to disk).
    pub streamed: bool,
    /// Keep up to this many bytes of stdout (pipes only) for `capture=`.
    pub capture: Option<usize>,
}

impl Job {
    pub fn spool_path(&self) -> PathBuf {
        self.dir.join(format!("{}.out", self.name))
    }

    fn script_path(&self) -> PathBuf {
        self.dir.join(format!("{}.script", self.name))
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join(format!("{}.state", self.name))
    }

    /// The argument vector, after writing the script where the interpreter reads it.
    fn argv(&self) -> Result<(Vec<String>, Option<PathBuf>), ExecError> {
        match &self.place {
            Place::Here => {
                let script = self.script_path();
                write_file(&script, self.script.as_bytes())?;
                let state = launch::is_shell(&self.interpreter).then(|| self.state_path());
                let argv = launch::local(&self.interpreter, &script, state.as_deref());
                Ok((argv, state))
            }
            Place::Remote {
                ssh_command,
                destination,
                exports,
            } => Ok((
                launch::remote(
                    ssh_command,
                    destination,
                    matches!(self.terminal, Terminal::Pty { .. }),
                    &self.interpreter,
                    &self.script,
                    exports,
                ),
                None,
            )),
        }
    }
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), ExecError> {
    File::create(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|error| ExecError::Io(format!("could not write {}: {error}", path.display())))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The working directory is gone or is not a directory.
    NoDirectory(PathBuf),
    /// The program could not be started.
    Spawn {
        program: String,
        message: String,
    },
    Io(String),
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::NoDirectory(dir) => write!(
                f,
                "the working directory {} does not exist; create it, or `cd` elsewhere in an earlier block",
                dir.display()
            ),
            ExecError::Spawn { program, message } => write!(
                f,
                "could not start `{program}`: {message}; check that it is installed and on PATH"
            ),
            ExecError::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ExecError {}

/// How the main process of a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

/// What became of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub exit: Exit,
    pub timed_out: bool,
    pub interrupted: bool,
    pub duration: Duration,
    /// Bytes written to the spool (after redaction).
    pub output_bytes: u64,
    /// What the shell left behind (shell interpreters run here only, and only when the
    /// shell itself reached its end).
    pub state: Option<ShellState>,
    /// Stdout, for `capture=`.
    pub captured: Option<Vec<u8>>,
    /// Something that went wrong around the job (its output could not be stored whole…).
    pub problems: Vec<String>,
}

/// Asks a running job to stop (Ctrl-C, the end of the session).
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once, then false until raised again.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }

    /// The flag itself, for signal handlers to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

/// A job that has started.
pub struct Running {
    /// Output chunks as they come (redacted); `None` for an unstreamed job.
    pub output: Option<Receiver<Vec<u8>>>,
    pub group: Group,
    /// Types into the program (pseudo-terminal only).
    pub input: Option<Box<dyn Write + Send>>,
    resize: Option<Box<dyn Fn(u16, u16) + Send>>,
    exited: mpsc::Receiver<Exit>,
    readers: Vec<JoinHandle<Option<Keep>>>,
    sink: Arc<Mutex<Sink>>,
    started: Instant,
    timeout: Option<Duration>,
    grace: Duration,
    state: Option<PathBuf>,
}

/// How long a job's output may go on after its main process ended before the rest of its
/// process group is ended too.
const LINGER: Duration = Duration::from_millis(500);
/// How often a wait looks at the interrupt flag.
const TICK: Duration = Duration::from_millis(25);

/// Starts `job`.
pub fn spawn(job: &Job) -> Result<Running, ExecError> {
    if matches!(job.place, Place::Here) && !job.cwd.is_dir() {
        return Err(ExecError::NoDirectory(job.cwd.clone()));
    }
    let (argv, state) = job.argv()?;
    let spool_path = job.spool_path();
    let spool = File::create(&spool_path).map_err(|error| {
        ExecError::Io(format!(
            "could not create {}: {error}",
            spool_path.display()
        ))
    })?;
    let (sink, output) = Sink::new(spool, job.secrets.redactor(), job.streamed);
    let sink = Arc::new(Mutex::new(sink));
    let started = Instant::now();
    let parts = match job.terminal {
        Terminal::Pty { cols, rows } => pty::spawn(job, &argv, cols, rows, &sink)?,
        Terminal::Pipes => pipes::spawn(job, &argv, &sink)?,
    };
    Ok(Running {
        output,
        group: parts.group,
        input: parts.input,
        resize: parts.resize,
        exited: parts.exited,
        readers: parts.readers,
        sink,
        started,
        timeout: job.timeout,
        grace: job.grace,
        state,
    })
}

/// What the pty and pipe launchers hand back.
struct Parts {
    group: Group,
    input: Option<Box<dyn Write + Send>>,
    resize: Option<Box<dyn Fn(u16, u16) + Send>>,
    exited: mpsc::Receiver<Exit>,
    readers: Vec<JoinHandle<Option<Keep>>>,
}

impl Running {
    /// Resizes the job's terminal (the UI's pane changed size).
    pub fn resize(&self, cols: u16, rows: u16) {
        if let Some(resize) = &self.resize {
            resize(cols, rows);
        }
    }

    /// Waits for the job to end, enforcing its timeout; an interrupt sends SIGINT to the
    /// job's process group (as Ctrl-C in a shell would) and a second one ends the group.
    /// The caller must keep reading `output` meanwhile, or take it (a full channel makes the
    /// job wait).
    pub fn wait(mut self, interrupt: &Interrupt) -> Finished {
        let deadline = self.timeout.map(|timeout| self.started + timeout);
        let mut timed_out = false;
        let mut interrupts = 0u32;
        let exit = loop {
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) && !timed_out {
                timed_out = true;
                self.end_group();
                continue;
            }
            if interrupt.take() {
                interrupts += 1;
                if interrupts == 1 {
                    self.group.signal(Signal::SIGINT);
                } else {
                    self.end_group();
                }
            }
            let slice = deadline.map_or(TICK, |deadline| {
                deadline.saturating_duration_since(now).min(TICK)
            });
            match self.exited.recv_timeout(slice) {
                Ok(exit) => break exit,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Exit {
                        code: None,
                        signal: None,
                    }
                }
            }
        };
        let duration = self.started.elapsed();
        let captured = self.drain();
        let mut problems = Vec::new();
        let output_bytes = match self.sink.lock() {
            Ok(mut sink) => {
                sink.finish();
                problems.extend(sink.failure().map(str::to_string));
                sink.written()
            }
            Err(_) => 0,
        };
        let state = match &self.state {
            Some(path) if !timed_out && exit.signal.is_none() => read_state(path, &mut problems),
            _ => None,
        };
        Finished {
            exit,
            timed_out,
            interrupted: interrupts > 0,
            duration,
            output_bytes,
            state,
            captured: captured.map(|keep| keep.bytes),
            problems,
        }
    }

    /// Ends the job now (a `background` job when its session ends) and reports it.
    pub fn stop(self) -> Finished {
        self.end_group();
        self.wait(&Interrupt::new())
    }

    /// TERM to the whole group, then KILL after the grace period if anything is left.
    fn end_group(&self) {
        if !self.group.signal(Signal::SIGTERM) {
            return;
        }
        let until = Instant::now() + self.grace;
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
            if !self.group.alive() {
                return;
            }
        }
        self.group.signal(Signal::SIGKILL);
    }

    /// Lets the readers reach the end of the output. Processes the job left behind that
    /// still hold its output open are ended (a block's processes end with it, unless the
    /// block is `background`).
    fn drain(&mut self) -> Option<Keep> {
        let until = Instant::now() + LINGER;
        while Instant::now() < until && self.readers.iter().any(|reader| !reader.is_finished()) {
            std::thread::sleep(Duration::from_millis(2));
        }
        if self.readers.iter().any(|reader| !reader.is_finished()) {
            self.end_group();
        }
        let mut kept = None;
        for reader in self.readers.drain(..) {
            if let Ok(Some(keep)) = reader.join() {
                kept = Some(keep);
            }
        }
        kept
    }
}

fn read_state(path: &std::path::Path, problems: &mut Vec<String>) -> Option<ShellState> {
    let bytes = std::fs::read(path).ok()?;
    let _ = std::fs::remove_file(path);
    match exported::decode(&bytes) {
        Ok(state) => Some(state),
        Err(error) => {
            problems.push(format!(
                "the shell's state could not be read ({error}); later blocks start from the state before this one"
            ));
            None
        }
    }
}
