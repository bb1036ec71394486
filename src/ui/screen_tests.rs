//! Snapshots of the whole screen, as the engine's messages and the operator's keys leave
//! it, at 80x24 (the smallest it is made for) and 160x48: the walk waiting at a block,
//! output in the pane, a failure, each popup, typing into the program.

use std::sync::mpsc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::engine::{Action, Ask, Confirmation};
use crate::runbook::{parse, Runbook};
use crate::session::{CommandRef, Event, Mode, Outcome, SessionInfo, Stamped, Value, ValueSource};
use crate::ui::app::{App, Effect};
use crate::ui::bridge::{NoteQueue, ToUi, Waiting};
use crate::ui::keymap::Keymap;
use crate::ui::status_bar::JournalState;
use crate::ui::theme::Theme;

const RUNBOOK: &str = r#"# Fail over the orders database

Move writes to the standby when the primary is lost.

## Check replication lag

The standby must be no more than a few seconds behind.

```bash
psql -h "$DB_HOST" -c 'select now() - pg_last_xact_replay_timestamp()'
```

- [ ] Lag is under 5 s

## Decide

<!-- cairn: choose -->
- Lag is fine: [promote](#promote-the-standby)
- Lag is too high: [wait](#wait-for-the-standby)

## Promote the standby

```bash
pg_ctl promote -D /var/lib/postgresql/data
rm -rf /var/run/orders/primary.lock
```

## Wait for the standby

Give it a minute, then check again.

## Look around

```bash { interactive }
psql -h "$DB_HOST"
```
"#;

const START_MS: u64 = 1_790_000_000_000;

fn runbook() -> Runbook {
    parse("runbooks/failover.md", RUNBOOK)
}

struct Screen<'r> {
    app: App<'r>,
    seq: u64,
    /// Replies the app sent, kept so the channels stay open.
    actions: Vec<mpsc::Receiver<Action>>,
    values: Vec<mpsc::Receiver<Option<String>>>,
    choices: Vec<mpsc::Receiver<Option<usize>>>,
}

impl<'r> Screen<'r> {
    fn new(runbook: &'r Runbook) -> Screen<'r> {
        Screen::with(runbook, false)
    }

    /// A screen for a walk, or (`review`) for a review, which records its timeline.
    fn with(runbook: &'r Runbook, review: bool) -> Screen<'r> {
        let mut app = App::new(
            runbook,
            Theme::default_theme(),
            Keymap::default(),
            Mode::Live.label(),
            "7f3a21c0".into(),
            JournalState::Saved,
            NoteQueue::default(),
        );
        app.now_ms = START_MS + 75_000;
        app.review = review;
        if review {
            app.mode = "REVIEW";
        }
        let mut screen = Screen {
            app,
            seq: 0,
            actions: Vec::new(),
            values: Vec::new(),
            choices: Vec::new(),
        };
        screen.event(Event::SessionStarted(SessionInfo {
            id: "7f3a21c0".into(),
            runbook: "runbooks/failover.md".into(),
            title: "Fail over the orders database".into(),
            mode: Mode::Live,
            operator: "ana".into(),
            host: "ops-1".into(),
        }));
        screen
    }

    fn event(&mut self, event: Event) {
        self.seq += 1;
        let stamped = Stamped {
            seq: self.seq,
            at_ms: START_MS + self.seq * 1000,
            event,
        };
        self.app.on_message(ToUi::Event(stamped));
    }

    fn wait(&mut self, waiting: Waiting) {
        let (reply, answer) = mpsc::channel();
        self.actions.push(answer);
        self.app.on_message(ToUi::Next(waiting, reply));
    }

    fn key(&mut self, code: KeyCode) -> Effect {
        self.app.on_key(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn draw(&mut self, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| crate::ui::screen::draw(frame, &mut self.app))
            .unwrap();
        terminal
    }

    /// The walk at the first block of the first step, the lag check.
    fn at_first_block(&mut self) {
        self.event(Event::StepEntered {
            step: "check-replication-lag".into(),
        });
        self.wait(Waiting::Block {
            step: "check-replication-lag".into(),
            index: 0,
        });
    }

    /// The lag check ran and printed, then the walk waits to leave the step.
    fn after_first_block(&mut self, exit: i32) {
        let at = CommandRef {
            step: "check-replication-lag".into(),
            block: 0,
            command: 0,
            attempt: 1,
        };
        self.event(Event::VariablesChanged {
            source: ValueSource::Prompt,
            set: vec![(
                "DB_HOST".into(),
                Value {
                    text: "db-2.internal".into(),
                    secret: false,
                },
            )],
            unset: Vec::new(),
            cwd: None,
        });
        self.event(Event::CommandStarted {
            at: at.clone(),
            text: "psql -h \"$DB_HOST\" -c 'select now() - pg_last_xact_replay_timestamp()'".into(),
            cwd: "/srv/ops".into(),
            host: None,
        });
        self.app.on_message(ToUi::Output(
            b" ?column?\r\n-----------------\r\n \x1b[32m00:00:01.204\x1b[0m\r\n(1 row)\r\n"
                .to_vec(),
        ));
        let outcome = if exit == 0 {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
        self.event(Event::CommandFinished {
            at,
            outcome,
            exit: Some(exit),
            signal: None,
            duration_ms: 1_204,
            output_bytes: 60,
            reason: None,
            output: None,
        });
        self.event(Event::BlockFinished {
            step: "check-replication-lag".into(),
            block: 0,
            outcome,
            attempts: 1,
        });
        let waiting = if exit == 0 {
            Waiting::Leave {
                step: "check-replication-lag".into(),
            }
        } else {
            Waiting::Failed {
                step: "check-replication-lag".into(),
                index: 0,
            }
        };
        self.wait(waiting);
    }
}

/// Both sizes of one screen, as one snapshot each.
macro_rules! snapshots {
    ($name:literal, $screen:expr) => {{
        let screen = &mut $screen;
        insta::assert_snapshot!(concat!($name, "_80x24"), screen.draw(80, 24).backend());
        insta::assert_snapshot!(concat!($name, "_160x48"), screen.draw(160, 48).backend());
    }};
}

#[test]
fn the_walk_waits_at_a_block() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    snapshots!("waiting_at_a_block", screen);
}

#[test]
fn output_in_the_pane_and_the_step_done() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.after_first_block(0);
    screen.event(Event::CheckTicked {
        step: "check-replication-lag".into(),
        check: 0,
    });
    snapshots!("step_done", screen);
}

#[test]
fn a_failed_block_offers_retry_edit_skip() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.after_first_block(2);
    snapshots!("block_failed", screen);
}

#[test]
fn a_value_is_asked_in_a_form() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.key(KeyCode::Enter);
    let (reply, answer) = mpsc::channel();
    screen.values.push(answer);
    screen.app.on_message(ToUi::Value(
        Ask {
            name: "DB_HOST".into(),
            prompt: Some("Which standby host?".into()),
            default: Some("db-2.internal".into()),
            choices: Vec::new(),
            secret: false,
            used_at: "runbooks/failover.md:10:1".into(),
        },
        reply,
    ));
    for c in "db-3".chars() {
        screen.key(KeyCode::Char(c));
    }
    snapshots!("value_form", screen);
    screen.key(KeyCode::Enter);
    assert_eq!(screen.values[0].try_recv(), Ok(Some("db-3".into())));
}

#[test]
fn a_secret_is_typed_without_echo() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    let (reply, answer) = mpsc::channel();
    screen.values.push(answer);
    screen.app.on_message(ToUi::Value(
        Ask {
            name: "PGPASSWORD".into(),
            prompt: None,
            default: None,
            choices: Vec::new(),
            secret: true,
            used_at: "runbooks/failover.md:10:1".into(),
        },
        reply,
    ));
    for c in "hunter2".chars() {
        screen.key(KeyCode::Char(c));
    }
    let terminal = screen.draw(80, 24);
    let text = format!("{}", terminal.backend());
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("•••••••"), "{text}");
    snapshots!("secret_form", screen);
}

#[test]
fn a_destructive_block_is_confirmed_by_typing() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.event(Event::StepEntered {
        step: "promote-the-standby".into(),
    });
    let (reply, answer) = mpsc::channel();
    screen.values.push(answer);
    screen.app.on_message(ToUi::Confirm(
        Confirmation {
            step: "promote-the-standby".into(),
            block: Some(0),
            reason: "destructive: rm -rf".into(),
            at: "runbooks/failover.md:24:1".into(),
        },
        reply,
    ));
    for c in "promote".chars() {
        screen.key(KeyCode::Char(c));
    }
    snapshots!("confirm", screen);
    screen.key(KeyCode::Enter);
    assert!(
        screen.values[0].try_recv().is_err(),
        "half the id is no answer"
    );
    for c in "-the-standby".chars() {
        screen.key(KeyCode::Char(c));
    }
    screen.key(KeyCode::Enter);
    assert_eq!(
        screen.values[0].try_recv(),
        Ok(Some("promote-the-standby".into()))
    );
}

#[test]
fn a_decision_is_a_choice_list() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.event(Event::StepEntered {
        step: "decide".into(),
    });
    let (reply, answer) = mpsc::channel();
    screen.choices.push(answer);
    screen.app.on_message(ToUi::Choose("decide".into(), reply));
    screen.key(KeyCode::Down);
    snapshots!("decision", screen);
    screen.key(KeyCode::Enter);
    assert_eq!(screen.choices[0].try_recv(), Ok(Some(1)));
}

#[test]
fn help_lists_every_key() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.key(KeyCode::Char('?'));
    snapshots!("help", screen);
}

#[test]
fn a_note_goes_to_the_walk() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.key(KeyCode::Char('n'));
    for c in "paged the DBA".chars() {
        screen.key(KeyCode::Char(c));
    }
    snapshots!("note", screen);
    screen.key(KeyCode::Enter);
    assert_eq!(
        screen.actions[0].try_recv(),
        Ok(Action::Note("paged the DBA".into()))
    );
}

#[test]
fn skipping_asks_why() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.key(KeyCode::Char('s'));
    for c in "replica is down".chars() {
        screen.key(KeyCode::Char(c));
    }
    snapshots!("skip", screen);
    screen.key(KeyCode::Enter);
    assert_eq!(
        screen.actions[0].try_recv(),
        Ok(Action::SkipBlock("replica is down".into()))
    );
}

#[test]
fn quitting_while_a_command_runs_asks_first() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.key(KeyCode::Enter);
    screen.event(Event::CommandStarted {
        at: CommandRef {
            step: "check-replication-lag".into(),
            block: 0,
            command: 0,
            attempt: 1,
        },
        text: "psql".into(),
        cwd: "/srv/ops".into(),
        host: None,
    });
    assert_eq!(screen.key(KeyCode::Char('q')), Effect::None);
    snapshots!("quit_while_running", screen);
    screen.key(KeyCode::Char('n'));
    assert!(screen.app.popup.is_none());
    assert!(!screen.app.quitting);
}

#[test]
fn enter_answers_the_walk_and_the_view_follows_it() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.key(KeyCode::Char('j'));
    screen.key(KeyCode::Char('j'));
    assert_eq!(screen.app.selected, 2, "the operator reads ahead");
    screen.key(KeyCode::Enter);
    assert_eq!(screen.actions[0].try_recv(), Ok(Action::Go));
    assert_eq!(
        screen.app.selected, 0,
        "running brings the view back to the walk"
    );
}

#[test]
fn an_interactive_block_gets_the_whole_screen_and_the_keys() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.event(Event::StepEntered {
        step: "look-around".into(),
    });
    screen.event(Event::CommandStarted {
        at: CommandRef {
            step: "look-around".into(),
            block: 0,
            command: 0,
            attempt: 1,
        },
        text: "psql -h \"$DB_HOST\"".into(),
        cwd: "/srv/ops".into(),
        host: None,
    });
    screen.app.on_message(ToUi::Output(
        b"psql (16.2)\r\nType \"help\" for help.\r\n\r\norders=> ".to_vec(),
    ));
    assert_eq!(screen.app.focus, crate::ui::app::Focus::Program);
    snapshots!("interactive", screen);
    screen.event(Event::CommandFinished {
        at: CommandRef {
            step: "look-around".into(),
            block: 0,
            command: 0,
            attempt: 1,
        },
        outcome: Outcome::Ok,
        exit: Some(0),
        signal: None,
        duration_ms: 5_000,
        output_bytes: 40,
        reason: None,
        output: None,
    });
    assert_eq!(screen.app.focus, crate::ui::app::Focus::Steps);
    assert!(!screen.app.fullscreen);
}

#[test]
fn searching_the_output_asks_for_words_then_marks_the_match() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.after_first_block(0);
    screen.key(KeyCode::Char('/'));
    for c in "row".chars() {
        screen.key(KeyCode::Char(c));
    }
    snapshots!("search", screen);
    screen.key(KeyCode::Enter);
    assert!(screen.app.pane.current_match().is_some());
    snapshots!("search_found", screen);
}

#[test]
fn a_review_shows_the_path_taken_read_only() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.app.review = true;
    screen.app.mode = "REVIEW";
    screen.event(Event::StepEntered {
        step: "check-replication-lag".into(),
    });
    screen.after_first_block(0);
    screen.app.waiting = None;
    screen.event(Event::StepFinished {
        step: "check-replication-lag".into(),
        outcome: Outcome::Ok,
    });
    screen.event(Event::NoteAdded {
        step: Some("check-replication-lag".into()),
        text: "lag fine".into(),
    });
    screen.event(Event::SessionEnded {
        outcome: crate::session::SessionOutcome::Completed,
    });
    screen.app.on_engine_done();
    assert_eq!(screen.key(KeyCode::Enter), Effect::None);
    snapshots!("review", screen);
    assert_eq!(screen.key(KeyCode::Char('q')), Effect::Quit);
}

#[test]
fn the_step_text_scrolls_by_hand_and_stays_put() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.at_first_block();
    screen.after_first_block(0);
    let text = |screen: &mut Screen<'_>| format!("{}", screen.draw(80, 24).backend());
    assert!(
        !text(&mut screen).contains("The standby must"),
        "scrolled to the marker"
    );
    screen
        .app
        .on_key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    assert!(text(&mut screen).contains("The standby must"));
    assert!(
        text(&mut screen).contains("The standby must"),
        "a frame does not scroll it back"
    );
}

#[test]
fn a_replayed_drill_ends_beside_the_original() {
    let runbook = runbook();
    let mut screen = Screen::new(&runbook);
    screen.app.mode = Mode::Drill.label();
    screen.at_first_block();
    screen.after_first_block(0);
    screen.app.waiting = None;
    screen.event(Event::DrillCompared {
        original: "0c1d2e3f".into(),
        steps: vec![
            crate::session::recording::ComparedStep {
                step: "check-replication-lag".into(),
                original_ms: Some(95_000),
                drill_ms: Some(41_000),
            },
            crate::session::recording::ComparedStep {
                step: "promote-the-standby".into(),
                original_ms: Some(310_000),
                drill_ms: None,
            },
        ],
    });
    let text = format!("{}", screen.draw(160, 48).backend());
    assert!(text.contains("the drill beside session 0c1d2e3f"), "{text}");
    assert!(text.contains("DRILL"), "{text}");
    snapshots!("drill_compared", screen);
}

/// A review of the lag check: the session replayed into the app, as `cairn review` does.
fn reviewed(runbook: &Runbook) -> Screen<'_> {
    let mut screen = Screen::with(runbook, true);
    let at = CommandRef {
        step: "check-replication-lag".into(),
        block: 0,
        command: 0,
        attempt: 1,
    };
    screen.event(Event::StepEntered {
        step: "check-replication-lag".into(),
    });
    screen.event(Event::CommandStarted {
        at: at.clone(),
        text: "psql -h \"$DB_HOST\" -c 'select 1'".into(),
        cwd: "/srv/ops".into(),
        host: None,
    });
    screen
        .app
        .on_message(ToUi::Output(b" 00:00:01.204\r\n(1 row)\r\n".to_vec()));
    screen.event(Event::CommandFinished {
        at,
        outcome: Outcome::Ok,
        exit: Some(0),
        signal: None,
        duration_ms: 1_204,
        output_bytes: 30,
        reason: None,
        output: None,
    });
    screen.event(Event::NoteAdded {
        step: Some("check-replication-lag".into()),
        text: "lag fine".into(),
    });
    screen.event(Event::StepFinished {
        step: "check-replication-lag".into(),
        outcome: Outcome::Ok,
    });
    screen.event(Event::StepEntered {
        step: "decide".into(),
    });
    screen.event(Event::DecisionTaken {
        step: "decide".into(),
        choice: 0,
        to: "promote-the-standby".into(),
    });
    screen.app.on_engine_done();
    screen.app.runbook_diff = Some(
        "--- as the session ran it\n+++ as it is now\n@@ -9,3 +9,3 @@\n-The standby must be no more than a few seconds behind.\n+The standby must be at most 5 s behind.\n"
            .into(),
    );
    screen
}

#[test]
fn a_review_steps_back_through_the_record() {
    let runbook = runbook();
    let mut screen = reviewed(&runbook);
    assert_eq!(screen.app.state.current.as_deref(), Some("decide"));
    screen.key(KeyCode::Char('['));
    screen.key(KeyCode::Char('['));
    assert_eq!(
        screen.app.state.current.as_deref(),
        Some("check-replication-lag"),
        "two landmarks back, the walk was still in the lag check"
    );
    snapshots!("review_stepped_back", screen);
    screen.key(KeyCode::Char('t'));
    snapshots!("review_timeline", screen);
    screen.key(KeyCode::Up);
    screen.key(KeyCode::Up);
    screen.key(KeyCode::Enter);
    assert!(screen.app.popup.is_none());
    for _ in 0..20 {
        screen.key(KeyCode::Char(']'));
    }
    assert_eq!(
        screen.app.timeline.at, None,
        "back at the end of the record"
    );
    assert_eq!(screen.app.state.current.as_deref(), Some("decide"));
}

#[test]
fn a_review_shows_how_the_runbook_changed_since() {
    let runbook = runbook();
    let mut screen = reviewed(&runbook);
    screen.key(KeyCode::Char('d'));
    let text = format!("{}", screen.draw(80, 24).backend());
    assert!(
        text.contains("+The standby must be at most 5 s behind."),
        "{text}"
    );
    snapshots!("review_diff", screen);
}
