//! Sharing the journal: when it has a remote, session branches are pushed by the system's
//! `git` (which knows the user's ssh keys, agents, config and credential helpers) on a
//! thread of their own, so a slow or unreachable remote never holds up the walk.
//!
//! Each push sends every session branch (`refs/heads/sessions/*`), so a branch a failed
//! push left behind goes with the next one, in this session or the next; nothing is lost.
//! The remote is the settings file's `journal.remote` (a remote's name, or a URL), else the
//! one the journal's git config `cairn.remote` names, else `origin`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const REFSPEC: &str = "refs/heads/sessions/*:refs/heads/sessions/*";
/// Waits between failed tries, growing to this.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The remote the journal at `dir` shares its sessions with, if any: `configured` (from
/// the settings file), else the journal's own.
pub fn remote(dir: &Path, configured: Option<&str>) -> Option<String> {
    if let Some(remote) = configured.filter(|remote| !remote.is_empty()) {
        return Some(remote.to_string());
    }
    let repo = git2::Repository::open_bare(dir).ok()?;
    let config = repo.config().ok()?;
    let name = config
        .get_string("cairn.remote")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "origin".into());
    repo.find_remote(&name).ok().map(|_| name)
}

/// Runs `git -C dir ARGS`, ending it at `deadline`; the error is git's own last line.
fn git(dir: &Path, args: &[&str], deadline: Option<Instant>) -> Result<(), String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Never wait for a password nobody will type.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not run git: {error}"))?;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if deadline.is_some_and(|deadline| Instant::now() >= deadline) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the remote did not answer in time".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(error.to_string()),
        }
    }
    let output = child
        .wait_with_output()
        .map_err(|error| error.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        let message = String::from_utf8_lossy(&output.stderr);
        Err(message
            .trim()
            .lines()
            .last()
            .unwrap_or("git failed")
            .to_string())
    }
}

/// Pushes every session branch to `remote`.
fn push(dir: &Path, remote: &str, deadline: Option<Instant>) -> Result<(), String> {
    git(dir, &["push", "--quiet", remote, REFSPEC], deadline)
}

/// Brings the remote's session branches in as `refs/remotes/<remote>/sessions/*`, for
/// `cairn log --remote`.
pub fn fetch(dir: &Path, remote: &str) -> Result<(), String> {
    let refspec = format!(
        "+refs/heads/sessions/*:refs/remotes/{}/sessions/*",
        tracking_name(remote)
    );
    git(dir, &["fetch", "--quiet", remote, &refspec], None)
}

/// The name fetched sessions are kept under: the remote's own name, or `journal-remote`
/// for a remote given as a URL.
pub fn tracking_name(remote: &str) -> &str {
    if remote.contains(['/', ':']) {
        "journal-remote"
    } else {
        remote
    }
}

/// How sharing went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushStatus {
    Pushed { remote: String },
    Failed { remote: String, error: String },
}

/// How sharing stands right now, for the UI's status bar: read from any thread.
#[derive(Clone, Debug, Default)]
pub struct Sharing(Arc<AtomicU8>);

/// What `Sharing` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharingState {
    /// Nothing pushed yet, or new events since the last push.
    Behind,
    /// The remote has everything recorded so far.
    Pushed,
    /// The last push failed; it is retried.
    Failing,
}

impl Sharing {
    pub fn state(&self) -> SharingState {
        match self.0.load(Ordering::SeqCst) {
            1 => SharingState::Pushed,
            2 => SharingState::Failing,
            _ => SharingState::Behind,
        }
    }

    fn set(&self, state: SharingState) {
        let value = match state {
            SharingState::Behind => 0,
            SharingState::Pushed => 1,
            SharingState::Failing => 2,
        };
        self.0.store(value, Ordering::SeqCst);
    }
}

enum Message {
    Push,
    Finish(Instant),
}

/// The pushing thread of one session.
pub struct Pusher {
    remote: String,
    sharing: Sharing,
    to_thread: Sender<Message>,
    thread: Option<JoinHandle<PushStatus>>,
}

impl Pusher {
    /// Starts pushing for the journal at `dir` to `remote`, beginning with whatever earlier
    /// sessions left unpushed.
    pub fn start(dir: PathBuf, remote: String) -> Pusher {
        let (to_thread, messages) = mpsc::channel();
        let name = remote.clone();
        let sharing = Sharing::default();
        let shared = sharing.clone();
        let thread = std::thread::Builder::new()
            .name("cairn-push".into())
            .spawn(move || run(&dir, &name, &messages, &shared))
            .ok();
        let pusher = Pusher {
            remote,
            sharing,
            to_thread,
            thread,
        };
        pusher.nudge();
        pusher
    }

    /// How sharing stands, as it goes.
    pub fn sharing(&self) -> Sharing {
        self.sharing.clone()
    }

    /// Something new to push.
    pub fn nudge(&self) {
        // Pushed becomes behind; failing stays failing until a push works.
        let _ = self
            .sharing
            .0
            .compare_exchange(1, 0, Ordering::SeqCst, Ordering::SeqCst);
        let _ = self.to_thread.send(Message::Push);
    }

    /// A last push, waiting for it at most `wait`.
    pub fn finish(mut self, wait: Duration) -> PushStatus {
        let _ = self.to_thread.send(Message::Finish(Instant::now() + wait));
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(status)) => status,
            _ => PushStatus::Failed {
                remote: self.remote.clone(),
                error: "the push thread did not start".into(),
            },
        }
    }
}

fn run(dir: &Path, remote: &str, messages: &Receiver<Message>, sharing: &Sharing) -> PushStatus {
    let mut dirty = false;
    let mut backoff = Duration::from_secs(1);
    let mut retry_at: Option<Instant> = None;
    let mut last: Result<(), String> = Ok(());
    loop {
        let wait = retry_at.map_or(Duration::from_secs(3600), |at| {
            at.saturating_duration_since(Instant::now())
        });
        match messages.recv_timeout(wait) {
            Ok(Message::Push) => dirty = true,
            Ok(Message::Finish(deadline)) => return finish(dir, remote, deadline, sharing),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return status(remote, last),
        }
        // Several events in a row make one push.
        while let Ok(message) = messages.try_recv() {
            match message {
                Message::Push => dirty = true,
                Message::Finish(deadline) => return finish(dir, remote, deadline, sharing),
            }
        }
        if !dirty || retry_at.is_some_and(|at| Instant::now() < at) {
            continue;
        }
        // A hung connection gives up in time for the walk's end to push again.
        last = push(dir, remote, Some(Instant::now() + Duration::from_secs(30)));
        match &last {
            Ok(()) => {
                // Events that came during the push make it behind again at once.
                dirty = false;
                while let Ok(message) = messages.try_recv() {
                    match message {
                        Message::Push => dirty = true,
                        Message::Finish(deadline) => return finish(dir, remote, deadline, sharing),
                    }
                }
                if !dirty {
                    sharing.set(SharingState::Pushed);
                }
                retry_at = None;
                backoff = Duration::from_secs(1);
            }
            Err(_) => {
                sharing.set(SharingState::Failing);
                retry_at = Some(Instant::now() + backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn finish(dir: &Path, remote: &str, deadline: Instant, sharing: &Sharing) -> PushStatus {
    let mut last = push(dir, remote, Some(deadline));
    let mut pause = Duration::from_millis(250);
    while last.is_err() && Instant::now() + pause < deadline {
        std::thread::sleep(pause);
        pause = (pause * 2).min(MAX_BACKOFF);
        last = push(dir, remote, Some(deadline));
    }
    sharing.set(if last.is_ok() {
        SharingState::Pushed
    } else {
        SharingState::Failing
    });
    status(remote, last)
}

fn status(remote: &str, result: Result<(), String>) -> PushStatus {
    match result {
        Ok(()) => PushStatus::Pushed {
            remote: remote.to_string(),
        },
        Err(error) => PushStatus::Failed {
            remote: remote.to_string(),
            error,
        },
    }
}
