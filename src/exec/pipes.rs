//! Launching a job on plain pipes (duct): no terminal, stdout and stderr apart. Used where
//! a terminal is not wanted, such as `capture=` (a program's stdout as data, as `$(…)`
//! gives it). The program leads its own process group so that a timeout ends all of it.

use std::io::PipeReader;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use super::output::{pump, Feed, Keep, Sink};
use super::{ExecError, Exit, Group, Job, Parts};

pub(super) fn spawn(
    job: &Job,
    argv: &[String],
    sink: &Arc<Mutex<Sink>>,
    feed: &SyncSender<Feed>,
) -> Result<Parts, ExecError> {
    let program = argv.first().cloned().unwrap_or_default();
    let spawn_error = ExecError::spawning(&program);
    let io_error = |error: std::io::Error| spawn_error(error.to_string());
    let (stdout_reader, stdout_writer) = std::io::pipe().map_err(io_error)?;
    let (stderr_reader, stderr_writer) = std::io::pipe().map_err(io_error)?;
    let expression = duct::cmd(&program, &argv[1..])
        .full_env(job.env.iter().map(|(name, value)| (name, value)))
        .dir(&job.cwd)
        .stdin_null()
        .stdout_file(stdout_writer)
        .stderr_file(stderr_writer)
        .unchecked()
        .before_spawn(|command| {
            command.process_group(0);
            Ok(())
        });
    let handle = expression.start().map_err(io_error)?;
    // duct keeps its copies of the write ends only until the spawn; once the child has
    // them, the readers see the end of the stream when the job's processes close them.
    drop(expression);
    let pid = handle.pids().first().copied().unwrap_or(0);
    let stdout = reader(
        stdout_reader,
        sink,
        job.capture.map(Keep::new),
        feed.clone(),
    )
    .map_err(io_error)?;
    let stderr = reader(stderr_reader, sink, None, feed.clone()).map_err(io_error)?;
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
        input: None,
        resize: None,
        readers: vec![stdout, stderr],
    })
}

fn reader(
    pipe: PipeReader,
    sink: &Arc<Mutex<Sink>>,
    keep: Option<Keep>,
    done: SyncSender<Feed>,
) -> std::io::Result<JoinHandle<Option<Keep>>> {
    let sink = Arc::clone(sink);
    thread::Builder::new()
        .name("cairn-pipe-out".into())
        .spawn(move || {
            let mut keep = keep;
            pump(pipe, &sink, keep.as_mut(), &done, || false);
            keep
        })
}
