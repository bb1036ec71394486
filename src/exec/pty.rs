//! Launching a job in a pseudo-terminal (portable-pty): the program is the leader of a new
//! session and process group with the terminal as its controlling tty, so `isatty`, colours,
//! `sudo` and `ssh` password prompts and job control all behave as in a real terminal.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

use super::output::{pump, Feed, Spool, Stream};

/// Waits until `fd` has something to read (or has ended).
fn wait_readable(fd: std::os::fd::RawFd) {
    let mut poll = [libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }];
    let _ = filedescriptor::poll(&mut poll, None);
}

/// Makes reads of the master non-blocking, so the pump reads on while output is there and
/// learns it has all of it from one failed read. (The descriptors of the master share this
/// flag: the typing thread retries a write that would block.) Without it, reads block and
/// each is passed on alone: slower, still right.
fn set_nonblocking(fd: std::os::fd::RawFd) -> bool {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let Ok(flags) = fcntl(fd, FcntlArg::F_GETFL) else {
        return false;
    };
    let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
    fcntl(fd, FcntlArg::F_SETFL(flags)).is_ok()
}
use super::{ExecError, Exit, Group, Job, Parts};

pub(super) fn spawn(
    job: &Job,
    argv: &[String],
    (cols, rows): (u16, u16),
    spool: &Arc<Mutex<Spool>>,
    screen: Stream,
    feed: &SyncSender<Feed>,
) -> Result<Parts, ExecError> {
    let program = argv.first().cloned().unwrap_or_default();
    let spawn_error = ExecError::spawning(&program);
    let size = PtySize {
        rows: rows.max(2),
        cols: cols.max(10),
        pixel_width: 0,
        pixel_height: 0,
    };
    let pair = native_pty_system()
        .openpty(size)
        .map_err(|error| spawn_error(format!("no pseudo-terminal: {error}")))?;
    let mut command = CommandBuilder::new(&program);
    command.args(&argv[1..]);
    command.env_clear();
    for (name, value) in &job.env {
        command.env(name, value);
    }
    if !job.env.iter().any(|(name, _)| name == "TERM") {
        command.env("TERM", "xterm-256color");
    }
    command.cwd(&job.cwd);
    let child = pair
        .slave
        .spawn_command(command)
        .map_err(|error| spawn_error(error.to_string()))?;
    // The terminal must end when the job's processes close their side: keeping the slave
    // open here would keep the reader waiting forever.
    drop(pair.slave);
    let pid = child.process_id().unwrap_or(0);
    let reader = pair
        .master
        .try_clone_reader()
        .map_err(|error| spawn_error(error.to_string()))?;
    let mut input = pair.master.take_writer().ok();
    if job.eof_on_stdin {
        if let Some(input) = input.as_mut() {
            let _ = input.write_all(b"\x04");
        }
    }
    let fd = pair.master.as_raw_fd();
    let nonblocking = fd.is_some_and(set_nonblocking);
    // Shared by the resize handle and the reader, which polls the master's descriptor:
    // the master must live as long as either.
    let master = Arc::new(Mutex::new(pair.master));
    let kept_open = Arc::clone(&master);
    let resize: super::Resize = Arc::new(move |cols: u16, rows: u16| {
        if let Ok(master) = master.lock() {
            let _ = master.resize(PtySize {
                rows: rows.max(2),
                cols: cols.max(10),
                pixel_width: 0,
                pixel_height: 0,
            });
        }
    });
    let spool = Arc::clone(spool);
    let done = feed.clone();
    thread::Builder::new()
        .name("cairn-pty-out".into())
        .spawn(move || {
            let _master = kept_open;
            let wait = || {
                if let Some(fd) = fd {
                    wait_readable(fd);
                }
            };
            pump(
                reader,
                &spool,
                screen,
                &done,
                nonblocking.then_some(&wait as &dyn Fn()),
            );
        })
        .map_err(|error| spawn_error(error.to_string()))?;
    let exited = feed.clone();
    // portable-pty's own status keeps a signal's description only; the child is a std
    // process underneath, whose status keeps the number.
    let mut child = child;
    if child
        .as_any()
        .downcast_ref::<std::process::Child>()
        .is_none()
    {
        return Err(spawn_error("unexpected kind of child process".into()));
    }
    thread::Builder::new()
        .name("cairn-pty-wait".into())
        .spawn(move || {
            let status = child
                .as_any_mut()
                .downcast_mut::<std::process::Child>()
                .map(std::process::Child::wait);
            let exit = match status {
                Some(Ok(status)) => Exit {
                    code: status.code(),
                    signal: status.signal(),
                },
                _ => Exit {
                    code: None,
                    signal: None,
                },
            };
            let _ = exited.send(Feed::Exited(exit));
        })
        .map_err(|error| spawn_error(error.to_string()))?;
    let terminal = match input {
        Some(input) => Some(
            super::TerminalHandle::new(input, resize)
                .map_err(|error| spawn_error(error.to_string()))?,
        ),
        None => None,
    };
    Ok(Parts {
        group: Group(pid),
        terminal,
        readers: 1,
    })
}
