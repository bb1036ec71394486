//! The operator's terminal while the UI has it: raw mode, the alternate screen, bracketed
//! paste. Whatever way cairn leaves (quit, error, panic, SIGTERM or SIGHUP turned into a
//! quit by the loop), the terminal is put back as it was: by the guard's `Drop`, and by a
//! panic hook that runs before the panic message is printed, so the message is readable.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute};

/// True while the UI holds the terminal (the panic hook restores only then).
static HELD: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

thread_local! {
    /// Set while `contain` runs code whose panics are caught and handled: the hook must
    /// neither give the terminal back nor print over the screen for those.
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `work`, catching a panic in it (a terminal emulator's bug on strange bytes) so the
/// caller can recover; the UI stays as it is.
pub fn contain<T>(work: impl FnOnce() -> T) -> std::thread::Result<T> {
    let outer = CONTAINED.with(|contained| contained.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    CONTAINED.with(|contained| contained.set(outer));
    result
}

/// Holds the terminal for the UI; dropping it gives the terminal back.
pub struct TerminalGuard {
    _private: (),
}

fn take_terminal() -> std::io::Result<()> {
    enable_raw_mode()?;
    HELD.store(true, Ordering::SeqCst);
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )
}

/// Puts the terminal back: idempotent, and never fails loudly (it runs while leaving).
pub fn restore() {
    if !HELD.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut stdout = std::io::stdout();
    let _ = execute!(
        stdout,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = stdout.flush();
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if CONTAINED.with(std::cell::Cell::get) {
                    return;
                }
                restore();
                previous(info);
            }));
        });
        if let Err(error) = take_terminal() {
            restore();
            return Err(error);
        }
        Ok(TerminalGuard { _private: () })
    }

    /// Lends the terminal to another program (`$EDITOR`) until `resume`.
    pub fn suspend(&self) {
        restore();
    }

    pub fn resume(&self) -> std::io::Result<()> {
        take_terminal()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
