//! The output pump: reads what a process prints, redacts secrets, appends it to the spool
//! file on disk and hands it to the caller through a bounded channel.
//!
//! Memory stays bounded whatever the process prints: one read buffer, the redactor's short
//! tail, and at most `FEED_CHUNKS` chunks waiting for the caller. When the caller is slower
//! than the process, the pump waits, and so the process waits on its next write: no byte is
//! dropped and nothing piles up.
//!
//! The same channel (the job's feed) also says when the main process exited and when each
//! reader reached the end of its stream, so the caller waits on one thing only.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use std::sync::mpsc::SyncSender;

use super::Exit;
use crate::session::redact::Redactor;

/// Chunks in flight between the pump and the caller.
pub const FEED_CHUNKS: usize = 64;

/// What a running job tells its caller, in order.
#[derive(Debug)]
pub enum Feed {
    /// Redacted output.
    Output(Vec<u8>),
    /// The main process ended.
    Exited(Exit),
    /// A reader reached the end of its stream (one per reader).
    ReaderDone,
}
/// One chunk: what a pipe buffer holds (a pseudo-terminal gives at most 4 KiB per read, so
/// the pump reads on while more is ready).
const READ_BYTES: usize = 64 * 1024;
/// Read on only while at least this much room is left.
const MIN_READ: usize = 4096;

/// Where a process's output goes: the spool file, and (unless the caller asked not to be
/// told) the channel. Shared by the pumps of a process's stdout and stderr.
pub struct Sink {
    /// Created with the first byte: most commands of a runbook (`cd`, `export`, `true`)
    /// print nothing, and a file per command would be most of their cost.
    spool: Option<File>,
    spool_path: PathBuf,
    redactor: Redactor,
    to_caller: Option<SyncSender<Feed>>,
    written: u64,
    failed: Option<String>,
    scratch: Vec<u8>,
}

impl Sink {
    /// `to_caller` is `None` when the output only goes to disk (a background job).
    pub fn new(
        spool_path: PathBuf,
        redactor: Redactor,
        to_caller: Option<SyncSender<Feed>>,
    ) -> Sink {
        Sink {
            spool: None,
            spool_path,
            redactor,
            to_caller,
            written: 0,
            failed: None,
            scratch: Vec::with_capacity(READ_BYTES),
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.scratch.clear();
        self.redactor.push(bytes, &mut self.scratch);
        self.emit();
    }

    /// Flushes the redactor's held-back tail and closes the channel.
    pub fn finish(&mut self) {
        self.scratch.clear();
        self.redactor.finish(&mut self.scratch);
        self.emit();
        self.to_caller = None;
        if let Some(Err(error)) = self.spool.as_mut().map(Write::flush) {
            self.note_failure(&error);
        }
    }

    fn emit(&mut self) {
        if self.scratch.is_empty() {
            return;
        }
        if self.spool.is_none() && self.failed.is_none() {
            match File::create(&self.spool_path) {
                Ok(file) => self.spool = Some(file),
                Err(error) => self.note_failure(&error),
            }
        }
        if let Some(Err(error)) = self
            .spool
            .as_mut()
            .map(|spool| spool.write_all(&self.scratch))
        {
            self.note_failure(&error);
        }
        self.written += self.scratch.len() as u64;
        if let Some(sender) = &self.to_caller {
            let chunk = std::mem::replace(&mut self.scratch, Vec::with_capacity(READ_BYTES));
            // A caller that stopped listening still gets everything on disk.
            if sender.send(Feed::Output(chunk)).is_err() {
                self.to_caller = None;
            }
        }
    }

    fn note_failure(&mut self, error: &std::io::Error) {
        if self.failed.is_none() {
            self.failed = Some(format!("could not write the output to disk: {error}"));
        }
    }

    /// Bytes written so far (after redaction).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The first error writing the spool file, if any: output was lost from the record.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }
}

/// What a pump keeps of one stream besides sending it on: the first `limit` bytes (for
/// `capture=`), raw, before redaction is applied to the sink copy.
pub struct Keep {
    pub bytes: Vec<u8>,
    pub limit: usize,
    pub truncated: bool,
}

impl Keep {
    pub fn new(limit: usize) -> Keep {
        Keep {
            bytes: Vec::new(),
            limit,
            truncated: false,
        }
    }

    fn take(&mut self, chunk: &[u8]) {
        let room = self.limit.saturating_sub(self.bytes.len());
        if chunk.len() > room {
            self.truncated = true;
        }
        self.bytes
            .extend_from_slice(&chunk[..room.min(chunk.len())]);
    }
}

/// Reads `reader` to its end into `sink`, keeping a copy in `keep` when asked, then says so
/// on `done`. After each read, `more_ready` says whether another read would return at once;
/// while it does and the buffer has room, the pump reads on before passing the chunk along.
/// A pseudo-terminal reports its end as an I/O error (EIO) once every process holding it
/// has gone: that is the end of the stream, not a failure.
pub fn pump(
    mut reader: impl Read,
    sink: &Arc<Mutex<Sink>>,
    mut keep: Option<&mut Keep>,
    done: &SyncSender<Feed>,
    more_ready: impl Fn() -> bool,
) {
    let mut buffer = vec![0u8; READ_BYTES];
    let mut ended = false;
    while !ended {
        let mut filled = 0;
        loop {
            match reader.read(&mut buffer[filled..]) {
                Ok(0) => ended = true,
                Ok(read) => filled += read,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(_) => ended = true,
            }
            if ended || READ_BYTES - filled < MIN_READ || !more_ready() {
                break;
            }
        }
        if filled == 0 {
            continue;
        }
        let chunk = &buffer[..filled];
        if let Some(keep) = keep.as_deref_mut() {
            keep.take(chunk);
        }
        match sink.lock() {
            Ok(mut sink) => sink.push(chunk),
            Err(poisoned) => poisoned.into_inner().push(chunk),
        }
    }
    let _ = done.send(Feed::ReaderDone);
}
