//! A running job's terminal as the UI holds it: to type into the program (a `sudo`
//! password, a `y/N`, a key for `less`) and to resize it when the pane changes size.
//!
//! Typing never waits: a program that does not read its input fills the pseudo-terminal's
//! buffer, and a write would then block whoever made it (the UI, mid-frame). Keys go
//! through a channel to a thread of their own that does the blocking writes.

use std::io::Write;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;

/// Changes the size of a job's terminal (columns, rows).
pub type Resize = Arc<dyn Fn(u16, u16) + Send + Sync>;

/// A handle on a running job's pseudo-terminal; clones share the one terminal.
#[derive(Clone)]
pub struct TerminalHandle {
    keys: mpsc::Sender<Vec<u8>>,
    resize: Resize,
}

impl TerminalHandle {
    /// Starts the thread that types into `input`. It ends, closing `input`, when every
    /// clone of the handle is gone.
    pub(super) fn new(
        mut input: Box<dyn Write + Send>,
        resize: Resize,
    ) -> std::io::Result<TerminalHandle> {
        let (keys, typed) = mpsc::channel::<Vec<u8>>();
        thread::Builder::new()
            .name("cairn-pty-in".into())
            .spawn(move || {
                for bytes in typed {
                    if input
                        .write_all(&bytes)
                        .and_then(|()| input.flush())
                        .is_err()
                    {
                        // The program is gone; what is typed after it goes nowhere.
                        break;
                    }
                }
            })?;
        Ok(TerminalHandle { keys, resize })
    }

    /// Types `bytes` into the program, without waiting for it to read them.
    pub fn type_bytes(&self, bytes: &[u8]) {
        let _ = self.keys.send(bytes.to_vec());
    }

    /// Tells the program its terminal is now `cols` x `rows` (it gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        (self.resize)(cols, rows);
    }
}
