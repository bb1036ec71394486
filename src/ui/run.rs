//! The UI's loop. The engine walks on a thread of its own, talking through a `Bridge`; this
//! thread awaits, on one tokio select, the operator's keys, the engine's messages and a
//! clock, and draws at most once a frame.
//!
//! Keys come first: a key is handled before any further output, so a command flooding its
//! terminal never makes cairn deaf. Output is taken in slices of a few milliseconds between
//! frames; behind that, the bounded channel slows the flood down instead of piling it up.
//!
//! The loop is generic over where it draws, where keys come from and what stands for the
//! outside world (the editor, the clipboard): `walk` gives it the operator's terminal, a
//! benchmark or a test gives it a `TestBackend` and keys of its own.

use std::io::Write;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::Terminal;
use tokio::sync::mpsc;

use super::app::{App, Effect};
use super::bridge::{Bridge, NoteQueue, ToUi};
use super::screen;
use super::terminal_guard::TerminalGuard;
use crate::engine::Operator;
use crate::exec::Interrupt;

/// How many messages may wait between the engine and the UI.
const CHANNEL: usize = 256;
/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// The longest the loop takes engine messages before it looks at keys and frames again.
const SLICE: Duration = Duration::from_millis(8);
/// How often the clocks on screen move (and a SIGTERM is noticed) when nothing happens.
const TICK: Duration = Duration::from_millis(250);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Where the operator's keys come from.
pub trait Keys {
    /// The next key, paste or resize; `None` when there will be no more.
    fn next(&mut self) -> impl std::future::Future<Output = Option<std::io::Result<TermEvent>>>;
    /// Stop reading until the next `next` (another program has the terminal).
    fn pause(&mut self) {}
}

/// The operator's terminal, read only while awaited.
#[derive(Default)]
pub struct TerminalKeys {
    stream: Option<EventStream>,
}

impl Keys for TerminalKeys {
    async fn next(&mut self) -> Option<std::io::Result<TermEvent>> {
        self.stream
            .get_or_insert_with(EventStream::new)
            .next()
            .await
    }

    fn pause(&mut self) {
        // Dropping the stream stops crossterm's reader, so the editor gets every key.
        self.stream = None;
    }
}

/// Keys sent by a harness.
pub struct ChannelKeys(pub mpsc::UnboundedReceiver<TermEvent>);

impl Keys for ChannelKeys {
    async fn next(&mut self) -> Option<std::io::Result<TermEvent>> {
        self.0.recv().await.map(Ok)
    }
}

/// What the UI asks of the world outside it.
pub trait Outside {
    /// `text` as the operator edited it, or `None`.
    fn edit(&mut self, text: &str) -> Option<String>;
    fn copy(&mut self, text: &str);
}

/// Nothing outside: no editor, no clipboard (benchmarks, tests).
pub struct Nowhere;

impl Outside for Nowhere {
    fn edit(&mut self, _text: &str) -> Option<String> {
        None
    }

    fn copy(&mut self, _text: &str) {}
}

/// The operator's terminal, held by the guard.
struct OperatorTerminal<'g> {
    guard: &'g TerminalGuard,
}

impl Outside for OperatorTerminal<'_> {
    /// Opens `text` in `$VISUAL` / `$EDITOR` (else `vi`); what the file holds when the
    /// editor exits with 0.
    fn edit(&mut self, text: &str) -> Option<String> {
        let editor = ["VISUAL", "EDITOR"]
            .iter()
            .find_map(|name| {
                std::env::var(name)
                    .ok()
                    .filter(|value| !value.trim().is_empty())
            })
            .unwrap_or_else(|| "vi".into());
        let mut file = tempfile::Builder::new()
            .prefix("cairn-edit-")
            .suffix(".sh")
            .tempfile()
            .ok()?;
        file.write_all(text.as_bytes()).ok()?;
        file.flush().ok()?;
        self.guard.suspend();
        // Through the shell, as git does, so that `EDITOR="code --wait"` works.
        let status = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("cairn-edit")
            .arg(file.path())
            .status();
        let resumed = self.guard.resume();
        match (status, resumed) {
            (Ok(status), Ok(())) if status.success() => std::fs::read_to_string(file.path()).ok(),
            _ => None,
        }
    }

    /// Puts `text` on the clipboard of the operator's terminal (OSC 52): it works over ssh
    /// and inside tmux, with no clipboard program on the machine.
    fn copy(&mut self, text: &str) {
        let mut stdout = std::io::stdout();
        let _ = write!(
            stdout,
            "\x1b]52;c;{}\x07",
            super::base64::encode(text.as_bytes())
        );
        let _ = stdout.flush();
    }
}

/// Runs `walk` (the engine, given the UI as its operator) on its own thread while the UI
/// runs on the operator's terminal; returns what `walk` returned once both are done.
pub fn walk<R: Send>(
    app: &mut App<'_>,
    interrupt: &Interrupt,
    walk: impl FnOnce(&mut dyn Operator) -> R + Send,
) -> std::io::Result<R> {
    let guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    redraw_all(&mut terminal)?;
    let result = walk_with(
        app,
        interrupt,
        Screen {
            terminal: &mut terminal,
            keys: &mut TerminalKeys::default(),
            outside: &mut OperatorTerminal { guard: &guard },
            on_frame: &mut |_| {},
        },
        walk,
    );
    drop(guard);
    result
}

/// Where the loop draws and what it reads.
pub struct Screen<'s, B: Backend, K: Keys, O: Outside> {
    pub terminal: &'s mut Terminal<B>,
    pub keys: &'s mut K,
    pub outside: &'s mut O,
    /// Called after each frame is drawn.
    pub on_frame: &'s mut dyn FnMut(&App<'_>),
}

/// `walk` on the engine's thread, the UI loop on this one, on `screen`.
pub fn walk_with<R: Send, B: Backend, K: Keys, O: Outside>(
    app: &mut App<'_>,
    interrupt: &Interrupt,
    screen: Screen<'_, B, K, O>,
    walk: impl FnOnce(&mut dyn Operator) -> R + Send,
) -> std::io::Result<R> {
    let (to_ui, from_engine) = mpsc::channel(CHANNEL);
    let notes: NoteQueue = app.notes_queue();
    std::thread::scope(|scope| {
        let engine = std::thread::Builder::new()
            .name("cairn-engine".into())
            .spawn_scoped(scope, move || {
                let mut bridge = Bridge::new(to_ui, notes);
                walk(&mut bridge)
            })?;
        let looped = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .and_then(|runtime| runtime.block_on(drive(app, interrupt, screen, from_engine)));
        if !app.ended {
            // The screen or the keys are gone before the walk ended: stop the walk rather
            // than leave it waiting for an answer nobody can give.
            interrupt
                .terminate_flag()
                .store(true, std::sync::atomic::Ordering::SeqCst);
            interrupt.raise();
            app.stop_now();
        }
        let result = engine
            .join()
            .map_err(|_| std::io::Error::other("the engine's thread panicked"))?;
        looped.map(|()| result)
    })
}

/// The loop: until the operator leaves after the walk ended, or the keys end.
async fn drive<B: Backend, K: Keys, O: Outside>(
    app: &mut App<'_>,
    interrupt: &Interrupt,
    screen: Screen<'_, B, K, O>,
    mut from_engine: mpsc::Receiver<ToUi>,
) -> std::io::Result<()> {
    let Screen {
        terminal,
        keys,
        outside,
        on_frame,
    } = screen;
    let draw_error = |error: B::Error| std::io::Error::other(error.to_string());
    let mut clock = tokio::time::interval(TICK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut engine_done = false;
    let mut dirty = true;
    // A key's effect is drawn at once, not at the next frame's time.
    let mut key_pressed = false;
    let mut last_frame = Instant::now() - FRAME;
    loop {
        if dirty && (key_pressed || last_frame.elapsed() >= FRAME) {
            key_pressed = false;
            app.now_ms = now_ms();
            terminal
                .draw(|frame| screen::draw(frame, app))
                .map_err(draw_error)?;
            on_frame(app);
            last_frame = Instant::now();
            dirty = false;
        }
        if interrupt.terminating() && !app.quitting {
            // SIGTERM or SIGHUP: the engine ends the running command; stop the walk.
            app.stop_now();
            dirty = true;
        }
        let wait = if dirty {
            FRAME.saturating_sub(last_frame.elapsed())
        } else {
            TICK
        };
        tokio::select! {
            biased;
            event = keys.next() => match event {
                Some(Ok(TermEvent::Key(key))) => {
                    key_pressed = true;
                    match app.on_key(&key) {
                        Effect::None => {}
                        Effect::Quit => return Ok(()),
                        Effect::Copy(text) => outside.copy(&text),
                        Effect::Edit(text) => {
                            keys.pause();
                            let edited = outside.edit(&text);
                            redraw_all(terminal).map_err(draw_error)?;
                            app.edited(&text, edited);
                        }
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Paste(text))) => {
                    app.paste(&text);
                    dirty = true;
                }
                Some(Ok(_)) => dirty = true,
                Some(Err(error)) => return Err(error),
                None => return Ok(()),
            },
            message = from_engine.recv(), if !engine_done => {
                match message {
                    Some(message) => {
                        app.on_message(message);
                        let slice = Instant::now();
                        while slice.elapsed() < SLICE {
                            match from_engine.try_recv() {
                                Ok(message) => app.on_message(message),
                                Err(_) => break,
                            }
                        }
                    }
                    None => {
                        engine_done = true;
                        app.on_engine_done();
                        if app.quitting {
                            return Ok(());
                        }
                    }
                }
                dirty = true;
            },
            _ = clock.tick() => dirty = true,
            _ = tokio::time::sleep(wait), if dirty => {},
        }
    }
}

/// Blanks the screen and forgets what was drawn, so the next frame draws every cell (after
/// another program had the terminal). Unlike `Terminal::clear` it does not ask the terminal
/// where its cursor is: that answer would have to come through the key reader.
fn redraw_all<B: Backend>(terminal: &mut Terminal<B>) -> Result<(), B::Error> {
    terminal.backend_mut().clear()?;
    terminal.swap_buffers();
    terminal.swap_buffers();
    Ok(())
}
