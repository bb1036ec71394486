//! The output pump: reads what a process prints, redacts secrets, appends it to the spool
//! file on disk and hands it to the caller through a bounded channel.
//!
//! Memory stays bounded whatever the process prints: one read buffer, the redactor's short
//! tail, and at most `CHANNEL_CHUNKS` chunks waiting for the caller. When the caller is
//! slower than the process, the pump waits, and so the process waits on its next write: no
//! byte is dropped and nothing piles up.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::{self, Receiver, Sender};

use crate::session::redact::Redactor;

/// Chunks in flight between the pump and the caller.
pub const CHANNEL_CHUNKS: usize = 64;
/// One read: what a pipe buffer holds (a pseudo-terminal gives at most 4 KiB per read).
const READ_BYTES: usize = 64 * 1024;

/// Where a process's output goes: the spool file, and (unless the caller asked not to be
/// told) the channel. Shared by the pumps of a process's stdout and stderr.
pub struct Sink {
    spool: File,
    redactor: Redactor,
    to_caller: Option<Sender<Vec<u8>>>,
    written: u64,
    failed: Option<String>,
    scratch: Vec<u8>,
}

impl Sink {
    pub fn new(
        spool: File,
        redactor: Redactor,
        streamed: bool,
    ) -> (Sink, Option<Receiver<Vec<u8>>>) {
        let (to_caller, receiver) = if streamed {
            let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
            (Some(sender), Some(receiver))
        } else {
            (None, None)
        };
        let sink = Sink {
            spool,
            redactor,
            to_caller,
            written: 0,
            failed: None,
            scratch: Vec::with_capacity(READ_BYTES),
        };
        (sink, receiver)
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
        if let Err(error) = self.spool.flush() {
            self.note_failure(&error);
        }
    }

    fn emit(&mut self) {
        if self.scratch.is_empty() {
            return;
        }
        if let Err(error) = self.spool.write_all(&self.scratch) {
            self.note_failure(&error);
        }
        self.written += self.scratch.len() as u64;
        if let Some(sender) = &self.to_caller {
            // A caller that stopped listening still gets everything on disk.
            if sender.blocking_send(self.scratch.clone()).is_err() {
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

/// Reads `reader` to its end into `sink`, keeping a copy in `keep` when asked. A
/// pseudo-terminal reports its end as an I/O error (EIO) once every process holding it has
/// gone: that is the end of the stream, not a failure.
pub fn pump(mut reader: impl Read, sink: &Arc<Mutex<Sink>>, mut keep: Option<&mut Keep>) {
    let mut buffer = vec![0u8; READ_BYTES];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let chunk = &buffer[..read];
        if let Some(keep) = keep.as_deref_mut() {
            keep.take(chunk);
        }
        match sink.lock() {
            Ok(mut sink) => sink.push(chunk),
            Err(poisoned) => poisoned.into_inner().push(chunk),
        }
    }
}
