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
use std::sync::atomic::{AtomicBool, Ordering};
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
/// See `pump`.
const FLOOD_WAIT: std::time::Duration = std::time::Duration::from_millis(1);
/// See `pump`: a chunk this large is passed on without waiting for more.
const FLOOD_CHUNK: usize = 16 * 1024;

/// The spool file a job's output goes to, shared by the pumps of its stdout and stderr.
/// Created with the first byte: most commands of a runbook (`cd`, `export`, `true`) print
/// nothing, and a file per command would be most of their cost. Readable by its owner only.
pub struct Spool {
    file: Option<File>,
    path: PathBuf,
    written: u64,
    failed: Option<String>,
}

impl Spool {
    pub fn new(path: PathBuf) -> Spool {
        Spool {
            file: None,
            path,
            written: 0,
            failed: None,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.file.is_none() && self.failed.is_none() {
            match private_file(&self.path) {
                Ok(file) => self.file = Some(file),
                Err(error) => self.note_failure(&error),
            }
        }
        if let Some(Err(error)) = self.file.as_mut().map(|file| file.write_all(bytes)) {
            self.note_failure(&error);
        }
        self.written += bytes.len() as u64;
    }

    /// Flushes what is written; call once the pumps are done.
    pub fn finish(&mut self) {
        if let Some(Err(error)) = self.file.as_mut().map(Write::flush) {
            self.note_failure(&error);
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

/// Creates (or empties) a file only its owner can read: outputs and scripts may hold what
/// the operator would not show to other users of the machine.
pub fn private_file(path: &std::path::Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// What a pump keeps of one stream besides passing it on: the first `limit` bytes, raw
/// (for `capture=`). Shared with the waiter, which takes it even when a process that left
/// the job's group keeps the stream open.
#[derive(Debug)]
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

/// Where one stream of a job goes.
pub struct Stream {
    /// Each stream redacts on its own: a secret written in two pieces with the other
    /// stream's bytes between them is still one secret in this stream.
    pub redactor: Redactor,
    /// `None`: the caller is not told (a background job, a secret capture).
    pub to_caller: Option<SyncSender<Feed>>,
    /// False for a secret capture: the value must not reach the disk.
    pub to_spool: bool,
    pub keep: Option<Arc<Mutex<Keep>>>,
    /// Set when the waiter gave up on the job (a process outside its group holds the
    /// output open): the pump stops, and drops the terminal or pipe with it.
    pub abandoned: Arc<AtomicBool>,
}

impl Stream {
    /// Passes on redacted bytes. Never called with a lock held: a full channel makes the
    /// pump wait, and nothing the waiter needs may be locked meanwhile.
    fn emit(&mut self, spool: &Mutex<Spool>, redacted: Vec<u8>) {
        if redacted.is_empty() {
            return;
        }
        if self.to_spool {
            match spool.lock() {
                Ok(mut spool) => spool.write(&redacted),
                Err(poisoned) => poisoned.into_inner().write(&redacted),
            }
        }
        if let Some(sender) = &self.to_caller {
            // A caller that stopped listening still gets everything on disk.
            if sender.send(Feed::Output(redacted)).is_err() {
                self.to_caller = None;
            }
        }
    }
}

/// Reads `reader` to its end into `stream`, then says so on `done`. For a reader that hands
/// out little per read (a pseudo-terminal: 4 KiB), `more_ready` says whether another read
/// would return at once; while it does and the buffer has room, the pump reads on before
/// passing the chunk along, and a full read that drained it (a flood) waits `FLOOD_WAIT`
/// once for more. Without `wait_readable` (a pipe, whose one read takes all it holds), reads
/// block and each is a chunk. A pseudo-terminal reports its end as an I/O error (EIO) once
/// every process holding it has gone: that is the end of the stream, not a failure.
///
/// With `wait_readable`, `reader` is non-blocking (a pseudo-terminal hands out at most 4 KiB
/// a read): the pump reads on until the reader has nothing more (`WouldBlock`) or the buffer
/// is full, and waits with `wait_readable` only when it has nothing at all. One failed read
/// per chunk instead of a readiness check per read.
pub fn pump(
    mut reader: impl Read,
    spool: &Mutex<Spool>,
    mut stream: Stream,
    done: &SyncSender<Feed>,
    wait_readable: Option<&dyn Fn()>,
) {
    let mut buffer = vec![0u8; READ_BYTES];
    let mut ended = false;
    while !ended {
        let mut filled = 0;
        let mut waited = false;
        let mut last_read = 0;
        loop {
            match reader.read(&mut buffer[filled..]) {
                Ok(0) => ended = true,
                Ok(read) => {
                    filled += read;
                    last_read = read;
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) if error.kind() == ErrorKind::WouldBlock => {
                    let Some(wait_readable) = wait_readable else {
                        ended = true;
                        break;
                    };
                    if filled == 0 {
                        wait_readable();
                        continue;
                    }
                    // A small chunk whose last read was full means a flood just begun: a
                    // moment's wait lets the writer fill the terminal again, so the chunk
                    // grows (fewer messages on to the UI) at the cost of a millisecond,
                    // once per chunk, that nobody can see. A chunk already large goes now.
                    if waited || last_read < MIN_READ - 1 || filled >= FLOOD_CHUNK {
                        break;
                    }
                    waited = true;
                    std::thread::sleep(FLOOD_WAIT);
                    continue;
                }
                Err(_) => ended = true,
            }
            if ended || wait_readable.is_none() || READ_BYTES - filled < MIN_READ {
                break;
            }
        }
        let chunk = &buffer[..filled];
        if let Some(keep) = &stream.keep {
            if let Ok(mut keep) = keep.lock() {
                keep.take(chunk);
            }
        }
        let mut redacted = Vec::with_capacity(filled);
        stream.redactor.push(chunk, &mut redacted);
        if ended {
            stream.redactor.finish(&mut redacted);
        }
        stream.emit(spool, redacted);
        if stream.abandoned.load(Ordering::SeqCst) {
            break;
        }
    }
    let _ = done.send(Feed::ReaderDone);
}
