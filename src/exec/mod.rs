//! Running blocks for real: a shell session whose `export`s and `cd`s carry over from one
//! block to the next, each block in its own process group, in a pseudo-terminal or on pipes,
//! its output redacted and streamed to disk and to the caller.
//!
//! `spawn` starts one job and returns at once; `Running::wait` then hands the job's output
//! to the caller as it comes (the UI draws it, `--auto` prints it), enforces the timeout,
//! forwards interrupts to the job's process group and reports how the job ended. Nothing
//! here decides what a result means: that is the engine's business.

pub mod exported;
pub mod group;
pub mod launch;
pub mod output;
mod pipes;
mod pty;
mod terminal_handle;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::session::redact::Secrets;
pub use exported::ShellState;
pub use group::Group;
use output::{Feed, Keep, Spool, Stream};
pub use terminal_handle::{Resize, TerminalHandle};

/// Where a job's output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminal {
    /// A pseudo-terminal of this size: programs see a terminal, colours and prompts work,
    /// stdout and stderr arrive interleaved as on a screen.
    Pty { cols: u16, rows: u16 },
    /// Plain pipes: stdout and stderr apart (needed to capture stdout alone).
    Pipes,
}

/// What `capture=` keeps of a job's stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capture {
    /// The most bytes kept; more is reported as a problem.
    pub limit: usize,
    /// The value will be a secret: stdout is kept only, never shown or written to disk.
    pub secret: bool,
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
    /// Holds the output spool.
    pub dir: PathBuf,
    /// Holds the script and the state file while the job runs. Both can hold secrets (a
    /// substituted value, an exported token), so this should be in memory (tmpfs) and
    /// private to the user; they are removed when the job ends.
    pub scratch: PathBuf,
    /// The file name stem for this job's files in `dir` (`3-0-1`: step 3, block 0, attempt 1).
    pub name: String,
    pub secrets: Secrets,
    /// Send output chunks to the caller (a background job only spools to disk).
    pub streamed: bool,
    /// Keep stdout for `capture=` (pipes only).
    pub capture: Option<Capture>,
    /// Type end-of-input (^D) into the terminal at the start: nobody can type into it
    /// (a headless walk without a terminal), so a program that waits for input ends
    /// instead of hanging until its timeout.
    pub eof_on_stdin: bool,
}

impl Job {
    /// Where the output goes; the file exists once the job has printed something.
    pub fn spool_path(&self) -> PathBuf {
        self.dir.join(format!("{}.out", self.name))
    }

    fn script_path(&self) -> PathBuf {
        self.scratch.join(format!("{}.script", self.name))
    }

    fn state_path(&self) -> PathBuf {
        self.scratch.join(format!("{}.state", self.name))
    }

    /// The argument vector, after writing the script where the interpreter reads it; and
    /// the files to read and remove when the job ends.
    fn argv(&self) -> Result<(Vec<String>, Scratch), ExecError> {
        match &self.place {
            Place::Here => {
                let script = self.script_path();
                write_file(&script, self.script.as_bytes())?;
                let state = launch::is_shell(&self.interpreter).then(|| self.state_path());
                let argv = launch::local(&self.interpreter, &script, state.as_deref());
                Ok((
                    argv,
                    Scratch {
                        script: Some(script),
                        state,
                    },
                ))
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
                Scratch::default(),
            )),
        }
    }
}

/// A job's files in the scratch directory.
#[derive(Debug, Default)]
struct Scratch {
    script: Option<PathBuf>,
    state: Option<PathBuf>,
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), ExecError> {
    output::private_file(path)
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

impl ExecError {
    /// Makes the error for `program` failing to start, from a message.
    fn spawning(program: &str) -> impl Fn(String) -> ExecError + '_ {
        move |message| ExecError::Spawn {
            program: program.to_string(),
            message,
        }
    }
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
    /// Stdout, for `capture=`; `None` when it could not be kept whole (see `problems`).
    pub captured: Option<Vec<u8>>,
    /// Something that went wrong around the job (its output could not be stored whole…).
    pub problems: Vec<String>,
    /// Ended by `Running::stop`, not on its own.
    pub stopped: bool,
}

/// Asks a running job to stop: Ctrl-C (an interrupt, forwarded to the job as SIGINT), or
/// SIGTERM / SIGHUP to cairn (a termination, which ends the job's process group).
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    interrupt: Arc<AtomicBool>,
    terminate: Arc<AtomicBool>,
}

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    pub fn raise(&self) {
        self.interrupt.store(true, Ordering::SeqCst);
    }

    /// True once per interrupt raised, and always once cairn is terminating.
    pub fn take(&self) -> bool {
        self.interrupt.swap(false, Ordering::SeqCst) || self.terminating()
    }

    pub fn terminating(&self) -> bool {
        self.terminate.load(Ordering::SeqCst)
    }

    /// The interrupt flag itself, for a SIGINT handler to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.interrupt)
    }

    /// The termination flag, for SIGTERM and SIGHUP handlers to set.
    pub fn terminate_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.terminate)
    }
}

/// A job that has started.
pub struct Running {
    pub group: Group,
    /// Types into the program and resizes its terminal (pseudo-terminal only).
    terminal: Option<TerminalHandle>,
    feed: mpsc::Receiver<Feed>,
    /// How many readers will say they reached their end.
    readers: usize,
    spool: Arc<Mutex<Spool>>,
    spool_path: PathBuf,
    keep: Option<Arc<Mutex<Keep>>>,
    abandoned: Arc<AtomicBool>,
    started: Instant,
    timeout: Option<Duration>,
    grace: Duration,
    scratch: Scratch,
}

/// How long a job's output may go on after its main process ended before the rest of its
/// process group is ended too.
const LINGER: Duration = Duration::from_millis(500);
/// How often a wait looks at the interrupt flag and the clock.
const TICK: Duration = Duration::from_millis(25);

/// Starts `job`.
pub fn spawn(job: &Job) -> Result<Running, ExecError> {
    if matches!(job.place, Place::Here) && !job.cwd.is_dir() {
        return Err(ExecError::NoDirectory(job.cwd.clone()));
    }
    let (argv, scratch) = job.argv()?;
    // Room for every chunk in flight plus the exit and one end-of-stream per reader, so
    // that those never wait behind output nobody reads (a background job's).
    let (feed_tx, feed) = mpsc::sync_channel(output::FEED_CHUNKS + 4);
    let to_caller = job.streamed.then(|| feed_tx.clone());
    let spool = Arc::new(Mutex::new(Spool::new(job.spool_path())));
    let keep = job
        .capture
        .map(|capture| Arc::new(Mutex::new(Keep::new(capture.limit))));
    let abandoned = Arc::new(AtomicBool::new(false));
    let stream = |to_caller: Option<mpsc::SyncSender<Feed>>, to_spool, keep| Stream {
        redactor: job.secrets.redactor(),
        to_caller,
        to_spool,
        keep,
        abandoned: Arc::clone(&abandoned),
    };
    let started = Instant::now();
    let parts = match job.terminal {
        Terminal::Pty { cols, rows } => {
            let screen = stream(to_caller, true, None);
            pty::spawn(job, &argv, (cols, rows), &spool, screen, &feed_tx)?
        }
        Terminal::Pipes => {
            let secret = job.capture.is_some_and(|capture| capture.secret);
            let stdout = if secret {
                stream(None, false, keep.clone())
            } else {
                stream(to_caller.clone(), true, keep.clone())
            };
            let stderr = stream(to_caller, true, None);
            pipes::spawn(job, &argv, &spool, [stdout, stderr], &feed_tx)?
        }
    };
    Ok(Running {
        group: parts.group,
        terminal: parts.terminal,
        feed,
        readers: parts.readers,
        spool,
        spool_path: job.spool_path(),
        keep,
        abandoned,
        started,
        timeout: job.timeout,
        grace: job.grace,
        scratch,
    })
}

/// What the pty and pipe launchers hand back.
struct Parts {
    group: Group,
    terminal: Option<TerminalHandle>,
    readers: usize,
}

/// What a wait has seen so far.
#[derive(Default)]
struct Seen {
    exit: Option<Exit>,
    exited_at: Option<Instant>,
    readers_done: usize,
}

impl Seen {
    fn take(&mut self, feed: Feed, on_output: &mut impl FnMut(&[u8])) {
        match feed {
            Feed::Output(chunk) => on_output(&chunk),
            Feed::Exited(status) => {
                self.exit = Some(status);
                self.exited_at = Some(Instant::now());
            }
            Feed::ReaderDone => self.readers_done += 1,
        }
    }
}

impl Running {
    /// Where the job's output is spooled.
    pub fn spool_path(&self) -> &std::path::Path {
        &self.spool_path
    }

    /// The job's terminal, to type into and resize (none on pipes).
    pub fn terminal(&self) -> Option<TerminalHandle> {
        self.terminal.clone()
    }

    /// Ends the job now (a `background` job when its session ends) and reports it. A job
    /// that already ended on its own is reported as it ended, and its process group (whose
    /// number the system may have handed to someone else since) is left alone.
    pub fn stop(self) -> Finished {
        self.finish(&Interrupt::new(), |_| {}, true)
    }

    /// Waits for the job to end, passing its output to `on_output` as it comes, in the
    /// calling thread. Enforces the timeout; an interrupt sends SIGINT to the job's process
    /// group (as Ctrl-C in a shell would), a second one or a termination ends the group.
    /// Once the main process has exited, whatever still holds the job's output open gets
    /// `LINGER` to finish, then the group is ended: a block's processes end with it.
    pub fn wait(self, interrupt: &Interrupt, on_output: impl FnMut(&[u8])) -> Finished {
        self.finish(interrupt, on_output, false)
    }

    fn finish(
        self,
        interrupt: &Interrupt,
        mut on_output: impl FnMut(&[u8]),
        stop: bool,
    ) -> Finished {
        let deadline = self.timeout.map(|timeout| self.started + timeout);
        let mut seen = Seen::default();
        let mut stopped = false;
        if stop {
            while let Ok(feed) = self.feed.try_recv() {
                seen.take(feed, &mut on_output);
            }
            if seen.exit.is_none() || seen.readers_done < self.readers {
                self.end_group();
                stopped = true;
            }
        }
        let mut timed_out = false;
        let mut interrupts = 0u32;
        let mut group_ended = false;
        while seen.exit.is_none() || seen.readers_done < self.readers {
            let now = Instant::now();
            if seen.exit.is_none() {
                if !timed_out && deadline.is_some_and(|deadline| now >= deadline) {
                    timed_out = true;
                    self.end_group();
                }
                if interrupt.take() {
                    interrupts += 1;
                    if interrupts == 1 && !interrupt.terminating() {
                        self.group.signal(Signal::SIGINT);
                    } else {
                        self.end_group();
                    }
                }
            } else if seen.exited_at.is_some_and(|at| now >= at + LINGER) {
                if group_ended {
                    // Something outside the group holds the output open: stop waiting.
                    break;
                }
                self.end_group();
                group_ended = true;
                seen.exited_at = Some(now);
            }
            let slice = deadline
                .filter(|_| seen.exit.is_none() && !timed_out)
                .map_or(TICK, |deadline| {
                    deadline.saturating_duration_since(now).min(TICK)
                });
            match self.feed.recv_timeout(slice) {
                Ok(feed) => seen.take(feed, &mut on_output),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let exit = seen.exit.unwrap_or(Exit {
            code: None,
            signal: None,
        });
        let duration = self.started.elapsed();
        let mut problems = Vec::new();
        let output_bytes = match self.spool.lock() {
            Ok(mut spool) => {
                spool.finish();
                problems.extend(spool.failure().map(str::to_string));
                spool.written()
            }
            Err(_) => 0,
        };
        let all_read = seen.readers_done >= self.readers;
        if !all_read {
            // Its pumps stop at their next read, so the output stops growing on disk.
            self.abandoned.store(true, Ordering::SeqCst);
        }
        // A capture that cannot be trusted whole is not handed out at all.
        let captured = self
            .keep
            .as_ref()
            .and_then(|keep| keep.lock().ok())
            .and_then(|keep| {
                if keep.truncated {
                    problems.push(format!(
                        "the output to capture is over {} KiB, more than a variable can pass to a program; write it to a file instead",
                        keep.limit / 1024
                    ));
                    None
                } else if !all_read {
                    problems.push(
                        "a process that left the block still holds its output open, so the capture may be incomplete"
                            .into(),
                    );
                    None
                } else {
                    Some(keep.bytes.clone())
                }
            });
        let state = match &self.scratch.state {
            Some(path) if !timed_out && exit.signal.is_none() => read_state(path, &mut problems),
            _ => None,
        };
        for path in [&self.scratch.script, &self.scratch.state]
            .into_iter()
            .flatten()
        {
            let _ = std::fs::remove_file(path);
        }
        Finished {
            exit,
            timed_out,
            interrupted: interrupts > 0,
            duration,
            output_bytes,
            state,
            captured,
            problems,
            stopped,
        }
    }

    /// TERM to the whole group (and CONT, so that a stopped job can act on it), then KILL
    /// after the grace period if anything is left.
    fn end_group(&self) {
        if !self.group.signal(Signal::SIGTERM) {
            return;
        }
        self.group.signal(Signal::SIGCONT);
        let until = Instant::now() + self.grace;
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
            if !self.group.alive() {
                return;
            }
        }
        self.group.signal(Signal::SIGKILL);
    }
}

fn read_state(path: &std::path::Path, problems: &mut Vec<String>) -> Option<ShellState> {
    let bytes = std::fs::read(path).ok()?;
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
