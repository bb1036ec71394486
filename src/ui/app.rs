//! The UI's state and what changes it: messages from the engine (events, output, questions)
//! and the operator's keys. It runs nothing and draws nothing itself (see `screen`); the
//! loop in `run` feeds it and carries out the few effects that need the outside world
//! (the editor, the clipboard, quitting).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::bridge::{NoteQueue, Reply, ToUi, Waiting};
use super::keymap::{Command, Keymap};
use super::popup::{self, Popup, Purpose};
use super::pty_keys::{key_bytes, paste_bytes};
use super::status_bar::JournalState;
use super::terminal_pane::TerminalPane;
use super::theme::Theme;
use super::timeline::Timeline;
use crate::engine::Action;
use crate::exec::{Interrupt, TerminalHandle};
use crate::runbook::Runbook;
use crate::session::{Event, SessionState, Stamped};

/// Where keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// cairn's own keys.
    Steps,
    /// Into the running program (until the unfocus key).
    Program,
}

/// A question from the engine waiting for the popup that answers it.
enum Question {
    Value(Reply<Option<String>>),
    Confirm(Reply<Option<String>>),
    Choose(Reply<Option<usize>>),
}

/// What the loop must do after a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Open `text` in `$EDITOR`; what comes back runs in place of the block.
    Edit(String),
    /// Put `text` on the clipboard (OSC 52).
    Copy(String),
    /// Leave the UI: the walk has ended, or is stopping.
    Quit,
}

pub struct App<'r> {
    pub runbook: &'r Runbook,
    pub theme: Theme,
    pub keymap: Keymap,
    pub state: SessionState,
    /// `LIVE`, `DRILL`, `DRY-RUN`.
    pub mode: &'static str,
    pub session_id: String,
    pub journal: JournalState,
    /// The step shown (an index into the runbook's steps).
    pub selected: usize,
    /// The shown step follows the walk until the operator looks elsewhere.
    pub follow: bool,
    /// Where the walk waits for the operator, and how to answer.
    pub waiting: Option<(Waiting, Reply<Action>)>,
    question: Option<Question>,
    pub popup: Option<Popup>,
    pub pane: TerminalPane,
    /// The running command's terminal, while one runs.
    pub terminal: Option<TerminalHandle>,
    pub focus: Focus,
    notes: NoteQueue,
    /// A line of feedback under the screen ("copied", "note saved"…).
    pub message: Option<String>,
    /// The step view's first row.
    pub scroll: usize,
    /// The operator scrolled the step view: it stays where they put it (instead of
    /// keeping the block the walk waits at in view) until the walk moves on.
    pub scroll_pinned: bool,
    /// The clock the screen shows (ms since the epoch), set by the loop.
    pub now_ms: u64,
    /// Quitting: every question from here on is answered "stop".
    pub quitting: bool,
    /// The engine is done: `q` leaves.
    pub ended: bool,
    /// Ctrl-C for a command with no terminal to type it into; the end of a running
    /// command when the operator quits.
    pub interrupt: Interrupt,
    /// The pane has the whole screen under the status bar (an `interactive` block runs).
    pub fullscreen: bool,
    /// A review of a recorded session: nothing can be run, answered or added.
    pub review: bool,
    /// The command in the foreground (not a `background` block), for the pane's title.
    pub foreground: Option<crate::session::CommandRef>,
    /// A review's record, to stand at any moment of it.
    pub timeline: Timeline,
    /// A review: the runbook as the session ran it against the file now (a unified diff),
    /// or `None` when they are the same.
    pub runbook_diff: Option<String>,
    /// How sharing the journal stands, when it has a remote.
    pub sharing: Option<crate::journal::push::Sharing>,
}

impl<'r> App<'r> {
    pub fn new(
        runbook: &'r Runbook,
        theme: Theme,
        keymap: Keymap,
        mode: &'static str,
        session_id: String,
        journal: JournalState,
        notes: NoteQueue,
    ) -> App<'r> {
        App {
            runbook,
            theme,
            keymap,
            state: SessionState::default(),
            mode,
            session_id,
            journal,
            selected: 0,
            follow: true,
            waiting: None,
            question: None,
            popup: None,
            pane: TerminalPane::new(10, 80),
            terminal: None,
            focus: Focus::Steps,
            notes,
            message: None,
            scroll: 0,
            scroll_pinned: false,
            now_ms: 0,
            quitting: false,
            ended: false,
            interrupt: Interrupt::new(),
            fullscreen: false,
            review: false,
            foreground: None,
            timeline: Timeline::default(),
            runbook_diff: None,
            sharing: None,
        }
    }

    /// What the status bar says about the journal now.
    pub fn journal_state(&self) -> JournalState {
        use crate::journal::push::SharingState;
        match (&self.journal, &self.sharing) {
            (JournalState::Saved, Some(sharing)) => match sharing.state() {
                SharingState::Behind => JournalState::Saved,
                SharingState::Pushed => JournalState::SavedAndPushed,
                SharingState::Failing => JournalState::PushFailing,
            },
            (journal, _) => journal.clone(),
        }
    }

    /// Gives the pane, and the program in it, the size the screen has room for.
    pub fn fit_pane(&mut self, (rows, cols): (u16, u16)) {
        if self.pane.size() != (rows, cols) {
            self.pane.resize(rows, cols);
            if let Some(terminal) = &self.terminal {
                terminal.resize(cols, rows);
            }
        }
    }

    /// A review stands at timeline item `index` (`None`: the end): the view is rebuilt from
    /// the record up to there.
    pub fn stand_at(&mut self, index: Option<usize>) {
        self.timeline.at = index;
        let upto = self.timeline.position();
        let items: Vec<crate::ui::timeline::Item> =
            self.timeline.items.iter().take(upto + 1).cloned().collect();
        let (rows, cols) = self.pane.size();
        self.pane = TerminalPane::new(rows, cols);
        self.state = SessionState::default();
        self.foreground = None;
        for item in &items {
            match item {
                crate::ui::timeline::Item::Event(stamped) => self.on_event(stamped),
                crate::ui::timeline::Item::Output(bytes) => self.pane.feed(bytes),
            }
        }
        self.pane.catch_up();
        let at = items.iter().rev().find_map(|item| match item {
            crate::ui::timeline::Item::Event(stamped) => Some(stamped.at_ms),
            crate::ui::timeline::Item::Output(_) => None,
        });
        let start = self.state.started_ms.unwrap_or(0);
        self.message = Some(match (index, at) {
            (None, _) => "at the end of the record".into(),
            (Some(_), Some(at)) => {
                let seconds = at.saturating_sub(start) / 1000;
                format!(
                    "at {:02}:{:02}:{:02} of the session · [ ] step through · t timeline",
                    seconds / 3600,
                    seconds / 60 % 60,
                    seconds % 60
                )
            }
            (Some(_), None) => "at the start of the record".into(),
        });
    }

    /// Where notes written while a command runs wait for the engine.
    pub fn notes_queue(&self) -> NoteQueue {
        std::sync::Arc::clone(&self.notes)
    }

    /// cairn is told to end (SIGTERM, SIGHUP): refuse the open question, stop the walk.
    pub fn stop_now(&mut self) {
        self.popup = None;
        self.refuse_question();
        self.quit();
    }

    /// Answers the open question, if any, with "no answer" (the walk stops).
    fn refuse_question(&mut self) {
        match self.question.take() {
            Some(Question::Value(reply) | Question::Confirm(reply)) => {
                let _ = reply.send(None);
            }
            Some(Question::Choose(reply)) => {
                let _ = reply.send(None);
            }
            None => {}
        }
    }

    /// Pasted text: into the program when typing into it, else into the open field.
    pub fn paste(&mut self, text: &str) {
        if self.focus == Focus::Program {
            if let Some(terminal) = &self.terminal {
                terminal.type_bytes(&paste_bytes(text, self.pane.screen().bracketed_paste()));
            }
            return;
        }
        if let Some(
            Popup::Value { input, .. } | Popup::Confirm { input, .. } | Popup::Text { input, .. },
        ) = &mut self.popup
        {
            input.push_str(&text.replace(['\r', '\n'], " "));
        }
    }

    /// True while a command runs.
    pub fn running(&self) -> bool {
        !self.state.running.is_empty()
    }

    /// Takes one message from the engine (or, in a review, the replay).
    pub fn on_message(&mut self, message: ToUi) {
        if self.review {
            match &message {
                ToUi::Event(stamped) => self.timeline.push_event(stamped),
                ToUi::Output(bytes) => self.timeline.push_output(bytes),
                _ => {}
            }
            // Standing at an earlier moment: the view stays there.
            if self.timeline.at.is_some() {
                return;
            }
        }
        match message {
            ToUi::Event(stamped) => self.on_event(&stamped),
            ToUi::Output(bytes) => self.pane.feed_later(&bytes),
            ToUi::Attach(terminal) => {
                let (rows, cols) = self.pane.size();
                terminal.resize(cols, rows);
                self.terminal = Some(terminal);
            }
            ToUi::WouldRun(line) => {
                self.pane.feed(line.replace('\n', "\r\n").as_bytes());
                self.pane.feed(b"\r\n");
            }
            ToUi::Value(ask, reply) => {
                if self.quitting {
                    let _ = reply.send(None);
                    return;
                }
                self.question = Some(Question::Value(reply));
                self.popup = Some(Popup::Value {
                    ask,
                    input: String::new(),
                    choice: 0,
                });
            }
            ToUi::Confirm(confirmation, reply) => {
                if self.quitting {
                    let _ = reply.send(None);
                    return;
                }
                self.show_step(&confirmation.step);
                self.question = Some(Question::Confirm(reply));
                self.popup = Some(Popup::Confirm {
                    confirmation,
                    input: String::new(),
                });
            }
            ToUi::Choose(step_id, reply) => {
                if self.quitting {
                    let _ = reply.send(None);
                    return;
                }
                let Some(step) = self.runbook.step(&step_id) else {
                    let _ = reply.send(None);
                    return;
                };
                let (prompt, labels) = match &step.decision {
                    Some(decision) => (
                        decision.prompt.clone(),
                        decision
                            .choices
                            .iter()
                            .map(|choice| choice.label.clone())
                            .collect(),
                    ),
                    None => (None, Vec::new()),
                };
                self.show_step(&step_id);
                self.question = Some(Question::Choose(reply));
                self.popup = Some(Popup::Choose {
                    step: step_id,
                    prompt,
                    labels,
                    choice: 0,
                });
            }
            ToUi::Next(waiting, reply) => {
                if self.quitting {
                    let _ = reply.send(Action::Quit);
                    return;
                }
                self.show_step(waiting.step());
                self.waiting = Some((waiting, reply));
            }
        }
    }

    fn on_event(&mut self, stamped: &Stamped) {
        self.state.apply(stamped);
        match &stamped.event {
            Event::StepEntered { step } => {
                self.show_step(step);
            }
            Event::CommandStarted { at, text, cwd, .. } => {
                // An `interactive` block (a shell, `top`, a REPL) gets the whole screen
                // and the keys until it exits.
                let interactive = self
                    .runbook
                    .step(&at.step)
                    .and_then(|step| step.blocks.get(at.block))
                    .is_some_and(|block| block.options.interactive);
                if interactive {
                    self.focus = Focus::Program;
                    self.fullscreen = true;
                }
                let background = self
                    .runbook
                    .step(&at.step)
                    .and_then(|step| step.blocks.get(at.block))
                    .is_some_and(|block| block.options.background);
                if !background {
                    self.foreground = Some(at.clone());
                }
                let text = text.trim_end().replace('\n', " ⏎ ");
                self.pane.start_command(&format!("{cwd} $ {text}"));
            }
            Event::CommandFinished { at, .. } => {
                if self.foreground.as_ref() == Some(at) {
                    self.foreground = None;
                }
                self.terminal = None;
                self.fullscreen = false;
                if self.focus == Focus::Program {
                    self.focus = Focus::Steps;
                }
            }
            Event::NoteAdded { .. } => self.message = Some("note saved in the journal".into()),
            Event::DrillCompared { original, steps } => {
                // The trainee's walk beside the original, where the output goes.
                let time = |ms: Option<u64>| {
                    ms.map_or_else(|| "-".to_string(), crate::journal::clock::duration)
                };
                let mut table = format!(
                    "\r\n\x1b[1mthe drill beside session {original}\x1b[0m\r\n{:<32} {:>10} {:>10}\r\n",
                    "step", "original", "drill"
                );
                for row in steps {
                    let title = self
                        .runbook
                        .step(&row.step)
                        .map_or(row.step.as_str(), |step| step.title.as_str());
                    table.push_str(&format!(
                        "{:<32} {:>10} {:>10}\r\n",
                        title,
                        time(row.original_ms),
                        time(row.drill_ms)
                    ));
                }
                self.pane.feed(table.as_bytes());
            }
            _ => {}
        }
    }

    /// Shows `step` when the view follows the walk.
    fn show_step(&mut self, step: &str) {
        if !self.follow {
            return;
        }
        if let Some(index) = self.runbook.steps.iter().position(|s| s.id == step) {
            if index != self.selected {
                self.scroll = 0;
                self.scroll_pinned = false;
            }
            self.selected = index;
        }
    }

    /// The engine is gone: the walk is over.
    pub fn on_engine_done(&mut self) {
        self.ended = true;
        self.waiting = None;
        self.terminal = None;
        self.focus = Focus::Steps;
        self.message = Some(match self.state.ended {
            Some(outcome) => format!("The walk is over ({}). q leaves.", outcome.word()),
            None if self.review => {
                "The record goes no further (the session has not ended). q leaves.".into()
            }
            None => "The walk stopped. q leaves.".into(),
        });
    }

    /// Answers the walk's `Next` question, if it is asking.
    fn answer(&mut self, action: Action) -> bool {
        self.scroll_pinned = false;
        match self.waiting.take() {
            Some((_, reply)) => {
                let _ = reply.send(action);
                true
            }
            None => false,
        }
    }

    /// Takes one key.
    pub fn on_key(&mut self, key: &KeyEvent) -> Effect {
        if key.kind == KeyEventKind::Release {
            return Effect::None;
        }
        if self.focus == Focus::Program {
            if self.keymap.command(key) == Some(Command::Unfocus) {
                self.focus = Focus::Steps;
                return Effect::None;
            }
            if let (Some(terminal), Some(bytes)) = (
                &self.terminal,
                key_bytes(key, self.pane.screen().application_cursor()),
            ) {
                terminal.type_bytes(&bytes);
            }
            return Effect::None;
        }
        // Ctrl-C goes to the program, never to cairn.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            match &self.terminal {
                Some(terminal) => terminal.type_bytes(b"\x03"),
                None if self.running() => self.interrupt.raise(),
                None => {}
            }
            return Effect::None;
        }
        if let Some(popup) = &mut self.popup {
            let outcome = popup.key(key);
            return self.popup_done(outcome);
        }
        self.message = None;
        let Some(command) = self.keymap.command(key) else {
            return Effect::None;
        };
        self.command(command)
    }

    fn command(&mut self, command: Command) -> Effect {
        if self.review {
            match command {
                Command::PrevEvent | Command::NextEvent => {
                    let forward = command == Command::NextEvent;
                    match self.timeline.next_landmark(forward) {
                        Some(index) => self.stand_at(Some(index)),
                        None if forward => self.stand_at(None),
                        None => self.message = Some("at the start of the record".into()),
                    }
                    return Effect::None;
                }
                Command::Timeline => {
                    let steps = crate::journal::message::StepNames::of(self.runbook);
                    let entries = self.timeline.lines(&steps);
                    let here = self.timeline.position();
                    let selected = entries
                        .iter()
                        .rposition(|(index, _)| *index <= here)
                        .unwrap_or(0);
                    self.popup = Some(Popup::Timeline { entries, selected });
                    return Effect::None;
                }
                Command::Diff => {
                    let lines: Vec<String> = match &self.runbook_diff {
                        Some(diff) => diff.lines().map(str::to_string).collect(),
                        None => {
                            vec!["The runbook is the same now as when this session ran it.".into()]
                        }
                    };
                    self.popup = Some(Popup::Lines {
                        title: " The runbook: as run → as it is now ".into(),
                        lines,
                        scroll: 0,
                    });
                    return Effect::None;
                }
                _ => {}
            }
            match command {
                Command::Run
                | Command::Skip
                | Command::SkipStep
                | Command::Edit
                | Command::Note
                | Command::Tick
                | Command::Focus => {
                    self.message = Some("a review is read-only: nothing runs from here".into());
                    return Effect::None;
                }
                Command::Quit => return Effect::Quit,
                _ => {}
            }
        }
        match command {
            Command::Up => {
                self.follow = false;
                self.selected = self.selected.saturating_sub(1);
                self.scroll = 0;
            }
            Command::Down => {
                self.follow = false;
                self.selected = (self.selected + 1).min(self.runbook.steps.len().saturating_sub(1));
                self.scroll = 0;
            }
            Command::Run => {
                self.back_to_walk();
                if !self.answer(Action::Go) && self.ended {
                    return Effect::Quit;
                }
            }
            Command::Help => self.popup = Some(Popup::Help),
            Command::Search => {
                self.popup = Some(Popup::Text {
                    purpose: Purpose::Search,
                    input: String::new(),
                })
            }
            Command::SearchNext => {
                if self.pane.search_next().is_none() {
                    self.message = Some("no more matches".into());
                }
            }
            Command::Note => {
                self.popup = Some(Popup::Text {
                    purpose: Purpose::Note,
                    input: String::new(),
                })
            }
            Command::Skip | Command::SkipStep => {
                if self.waiting.is_none() {
                    self.message = Some("nothing to skip while a command runs".into());
                    return Effect::None;
                }
                let purpose = if command == Command::Skip
                    && self
                        .waiting
                        .as_ref()
                        .is_some_and(|(waiting, _)| waiting.block().is_some())
                {
                    Purpose::SkipBlock
                } else {
                    Purpose::SkipStep
                };
                self.popup = Some(Popup::Text {
                    purpose,
                    input: String::new(),
                });
            }
            Command::Edit => match self.waiting_block_text() {
                Some(text) => return Effect::Edit(text),
                None => self.message = Some("no block waits to run".into()),
            },
            Command::Copy => match self.shown_block_text() {
                Some(text) => {
                    self.message = Some("command copied".into());
                    return Effect::Copy(text);
                }
                None => self.message = Some("this step has no command".into()),
            },
            Command::Tick => self.tick(),
            Command::Focus => {
                if self.terminal.is_some() {
                    self.focus = Focus::Program;
                    self.pane.scroll_to_bottom();
                } else {
                    self.message = Some("no program is running".into());
                }
            }
            Command::Unfocus => {}
            Command::Timeline | Command::PrevEvent | Command::NextEvent | Command::Diff => {
                self.message =
                    Some("the timeline and the diff are for reviews: cairn review SESSION".into());
            }
            Command::StepScrollUp => {
                self.scroll_pinned = true;
                self.scroll = self.scroll.saturating_sub(5);
            }
            Command::StepScrollDown => {
                self.scroll_pinned = true;
                self.scroll += 5;
            }
            Command::ScrollUp => self.pane.scroll_up(self.pane.size().0.max(2) as usize / 2),
            Command::ScrollDown => self
                .pane
                .scroll_down(self.pane.size().0.max(2) as usize / 2),
            Command::Quit => {
                if self.ended {
                    return Effect::Quit;
                }
                if self.running() {
                    self.popup = Some(Popup::QuitWhileRunning);
                } else {
                    self.quit();
                }
            }
        }
        Effect::None
    }

    /// Stops the walk: the engine records how it ended, then the loop leaves.
    fn quit(&mut self) {
        self.quitting = true;
        self.answer(Action::Quit);
        self.message = Some("stopping…".into());
    }

    /// The view goes back to following the walk.
    fn back_to_walk(&mut self) {
        self.follow = true;
        if let Some((waiting, _)) = &self.waiting {
            let step = waiting.step().to_string();
            self.show_step(&step);
        }
    }

    /// The commands of the block the walk waits at, as one script.
    fn waiting_block_text(&self) -> Option<String> {
        let (waiting, _) = self.waiting.as_ref()?;
        let block = self
            .runbook
            .step(waiting.step())?
            .blocks
            .get(waiting.block()?)?;
        Some(block.commands.join("\n"))
    }

    /// The command of the block the walk waits at, or the first of the shown step.
    fn shown_block_text(&self) -> Option<String> {
        self.waiting_block_text().or_else(|| {
            let step = self.runbook.steps.get(self.selected)?;
            let block = step
                .blocks
                .iter()
                .find(|block| !block.commands.is_empty())?;
            Some(block.commands.join("\n"))
        })
    }

    /// Ticks the first unticked check of the step the walk waits in.
    fn tick(&mut self) {
        let Some((waiting, _)) = &self.waiting else {
            self.message = Some("checks are ticked while the walk waits".into());
            return;
        };
        let Some(step) = self.runbook.step(waiting.step()) else {
            return;
        };
        let ticked = self
            .state
            .status(&step.id)
            .map(|status| status.checks.clone())
            .unwrap_or_default();
        match (0..step.checks.len())
            .find(|index| !ticked.contains(index) && !step.checks[*index].checked)
        {
            Some(index) => {
                self.answer(Action::Tick(index));
            }
            None => self.message = Some("no check left to tick".into()),
        }
    }

    /// The edited script came back from the editor.
    pub fn edited(&mut self, original: &str, text: Option<String>) {
        match text {
            Some(text) if text.trim() != original.trim() && !text.trim().is_empty() => {
                self.back_to_walk();
                self.answer(Action::RunEdited(text));
            }
            Some(_) => self.message = Some("unchanged: nothing run".into()),
            None => self.message = Some("the editor failed: nothing run".into()),
        }
    }

    fn popup_done(&mut self, outcome: popup::Outcome) -> Effect {
        if outcome == popup::Outcome::Open {
            return Effect::None;
        }
        let Some(popup) = self.popup.take() else {
            return Effect::None;
        };
        let question = self.question.take();
        match (popup, outcome, question) {
            (_, popup::Outcome::Open, question) => self.question = question,
            (Popup::Value { .. }, popup::Outcome::Text(value), Some(Question::Value(reply)))
            | (
                Popup::Confirm { .. },
                popup::Outcome::Text(value),
                Some(Question::Confirm(reply)),
            ) => {
                let _ = reply.send(Some(value));
            }
            (
                Popup::Choose { .. },
                popup::Outcome::Choice(index),
                Some(Question::Choose(reply)),
            ) => {
                let _ = reply.send(Some(index));
            }
            // Esc on a question: no answer, and the walk stops (it can be resumed).
            (_, popup::Outcome::Cancelled, Some(question)) => {
                self.question = Some(question);
                self.refuse_question();
            }
            (Popup::Text { purpose, .. }, popup::Outcome::Text(text), _) => match purpose {
                Purpose::Note => {
                    if !self.answer(Action::Note(text.clone())) {
                        if let Ok(mut notes) = self.notes.lock() {
                            notes.push(text);
                        }
                        self.message = Some("note kept: it is saved when the command ends".into());
                    }
                }
                Purpose::SkipBlock => {
                    self.back_to_walk();
                    self.answer(Action::SkipBlock(text));
                }
                Purpose::SkipStep => {
                    self.back_to_walk();
                    self.answer(Action::SkipStep(text));
                }
                Purpose::Search => {
                    if self.pane.search(&text).is_none() {
                        self.message = Some(format!("`{text}` is not in the output"));
                    }
                }
            },
            (Popup::Timeline { .. }, popup::Outcome::Choice(index), _) => {
                self.stand_at(Some(index));
            }
            (popup @ Popup::Timeline { .. }, popup::Outcome::Scrub(index), _) => {
                self.stand_at(Some(index));
                self.popup = Some(popup);
            }
            (Popup::QuitWhileRunning, popup::Outcome::Yes, _) => {
                // The engine ends the command's process group, then stops the walk.
                self.interrupt
                    .terminate_flag()
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                self.quit();
            }
            _ => {}
        }
        Effect::None
    }
}
