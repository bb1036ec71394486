//! Launching a job on plain pipes (duct): no terminal, stdout and stderr apart. Used where
//! a terminal is not wanted, such as `capture=` (a program's stdout as data, as `$(…)`
//! gives it).
//!
//! The job starts through util-linux `setsid`, so it leads a new session with no
//! controlling terminal: a timeout can end its whole process group, and a program that
//! opens `/dev/tty` (a `sudo` password prompt) fails at once instead of being stopped as a
//! background job of cairn's own terminal. Without `setsid`, it leads its own process group.

use std::io::PipeReader;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread;

use super::output::{pump, Feed, Spool, Stream};
use super::{ExecError, Exit, Group, Job, Parts};

const SETSID: &str = "/usr/bin/setsid";

pub(super) fn spawn(
    job: &Job,
    argv: &[String],
    spool: &Arc<Mutex<Spool>>,
    [stdout, stderr]: [Stream; 2],
    feed: &SyncSender<Feed>,
) -> Result<Parts, ExecError> {
    let program = argv.first().cloned().unwrap_or_default();
    let spawn_error = ExecError::spawning(&program);
    let io_error = |error: std::io::Error| spawn_error(error.to_string());
    let (stdout_reader, stdout_writer) = std::io::pipe().map_err(io_error)?;
    let (stderr_reader, stderr_writer) = std::io::pipe().map_err(io_error)?;
    let expression = if Path::new(SETSID).exists() {
        // `setsid` is not a process-group leader when started, so it makes the new session
        // itself and then becomes the program (same pid): no extra process stays behind.
        duct::cmd(SETSID, argv)
    } else {
        duct::cmd(&program, &argv[1..]).before_spawn(|command| {
            command.process_group(0);
            Ok(())
        })
    };
    let expression = expression
        .full_env(job.env.iter().map(|(name, value)| (name, value)))
        .dir(&job.cwd)
        .stdin_null()
        .stdout_file(stdout_writer)
        .stderr_file(stderr_writer)
        .unchecked();
    let handle = expression.start().map_err(io_error)?;
    // duct keeps its copies of the write ends only until the spawn; once the child has
    // them, the readers see the end of the stream when the job's processes close them.
    drop(expression);
    let pid = handle.pids().first().copied().unwrap_or(0);
    reader(stdout_reader, spool, stdout, feed.clone()).map_err(io_error)?;
    reader(stderr_reader, spool, stderr, feed.clone()).map_err(io_error)?;
    let exited = feed.clone();
    thread::Builder::new()
        .name("cairn-pipe-wait".into())
        .spawn(move || {
            let exit = match handle.wait() {
                Ok(output) => Exit {
                    code: output.status.code(),
                    signal: output.status.signal(),
                },
                Err(_) => Exit {
                    code: None,
                    signal: None,
                },
            };
            let _ = exited.send(Feed::Exited(exit));
        })
        .map_err(io_error)?;
    Ok(Parts {
        group: Group(pid),
        terminal: None,
        readers: 2,
    })
}

fn reader(
    pipe: PipeReader,
    spool: &Arc<Mutex<Spool>>,
    stream: Stream,
    done: SyncSender<Feed>,
) -> std::io::Result<()> {
    let spool = Arc::clone(spool);
    thread::Builder::new()
        .name("cairn-pipe-out".into())
        .spawn(move || pump(pipe, &spool, stream, &done, None))
        .map(drop)
}
