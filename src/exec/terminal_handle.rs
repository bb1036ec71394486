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
                    if type_all(&mut input, &bytes).is_err() {
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

/// Writes all of `bytes`, waiting while the terminal's input is full (the master is
/// non-blocking, for the reader's sake).
fn type_all(input: &mut Box<dyn Write + Send>, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match input.write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => bytes = &bytes[written..],
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    input.flush()
}
