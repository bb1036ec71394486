//! The session fold: what a sequence of events adds up to, for any sequence at all (a
//! journal may be damaged or edited by hand), and the same state every time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn::session::{
    CommandRef, Event, Mode, Outcome, SessionInfo, SessionOutcome, SessionState, Stamped,
    StepState, Value, ValueSource,
};
use proptest::prelude::*;

fn stamp(events: Vec<Event>) -> Vec<Stamped> {
    Stamped::numbered(events, 1_000, 1_000)
}

fn command(step: &str, block: usize, attempt: u32) -> CommandRef {
    CommandRef {
        step: step.into(),
        block,
        command: 0,
        attempt,
    }
}

#[test]
fn a_walk_folds_into_path_statuses_and_variables() {
    let events = stamp(vec![
        Event::SessionStarted(SessionInfo {
            id: "abcd1234".into(),
            runbook: "db.md".into(),
            title: "Fail over".into(),
            mode: Mode::Drill,
            operator: "ana".into(),
            host: "laptop".into(),
        }),
        Event::StepEntered {
            step: "check".into(),
        },
        Event::CommandStarted {
            at: command("check", 0, 1),
            text: "pg_isready".into(),
            cwd: "/".into(),
            host: None,
        },
        Event::CommandFinished {
            at: command("check", 0, 1),
            outcome: Outcome::Failed,
            exit: Some(2),
            signal: None,
            duration_ms: 300,
            output_bytes: 12,
            reason: None,
            output: None,
        },
        Event::BlockFinished {
            step: "check".into(),
            block: 0,
            outcome: Outcome::Failed,
            attempts: 1,
        },
        Event::StepFinished {
            step: "check".into(),
            outcome: Outcome::Failed,
        },
        Event::StepEntered {
            step: "promote".into(),
        },
        Event::VariablesChanged {
            source: ValueSource::Shell,
            set: vec![(
                "PRIMARY".into(),
                Value {
                    text: "db-2".into(),
                    secret: false,
                },
            )],
            unset: vec!["OLD".into()],
            cwd: Some("/srv".into()),
        },
        Event::CheckTicked {
            step: "promote".into(),
            check: 0,
        },
        Event::NoteAdded {
            step: Some("promote".into()),
            text: "lag was 3 s".into(),
        },
        Event::StepSkipped {
            step: "promote".into(),
            reason: "done by hand".into(),
        },
        Event::SessionEnded {
            outcome: SessionOutcome::Completed,
        },
    ]);
    let state = SessionState::fold(&events);
    assert_eq!(state.mode(), Some(Mode::Drill));
    assert_eq!(state.elapsed_ms(), 11_000);
    let path: Vec<&str> = state.path.iter().map(|visit| visit.step.as_str()).collect();
    assert_eq!(path, ["check", "promote"]);
    assert_eq!(state.status("check").unwrap().state, StepState::Failed);
    assert_eq!(state.status("check").unwrap().blocks[&0].exit, Some(2));
    assert_eq!(state.status("promote").unwrap().state, StepState::Skipped);
    assert!(state.status("promote").unwrap().checks.contains(&0));
    assert_eq!(state.variable("PRIMARY").unwrap().text, "db-2");
    assert_eq!(state.variables.get("OLD"), Some(&None));
    assert_eq!(state.cwd.as_deref(), Some("/srv"));
    assert_eq!(state.notes.len(), 1);
    assert!(state.running.is_empty());
    assert_eq!(state.current, None);
    assert_eq!(state.ended, Some(SessionOutcome::Completed));
    assert_eq!(state.seq_gaps, 0);
}

#[test]
fn entering_a_step_again_starts_it_afresh() {
    let events = stamp(vec![
        Event::StepEntered {
            step: "wait".into(),
        },
        Event::BlockFinished {
            step: "wait".into(),
            block: 0,
            outcome: Outcome::Failed,
            attempts: 3,
        },
        Event::StepFinished {
            step: "wait".into(),
            outcome: Outcome::Failed,
        },
        Event::StepEntered {
            step: "wait".into(),
        },
    ]);
    let state = SessionState::fold(&events);
    let status = state.status("wait").unwrap();
    assert_eq!(status.visits, 2);
    assert_eq!(status.state, StepState::Current);
    assert!(status.blocks.is_empty());
    assert_eq!(status.elapsed_ms, 2_000);
    assert_eq!(state.current.as_deref(), Some("wait"));
}

#[test]
fn a_lost_event_is_noticed() {
    let mut events = stamp(vec![
        Event::StepEntered { step: "a".into() },
        Event::StepFinished {
            step: "a".into(),
            outcome: Outcome::Ok,
        },
        Event::StepEntered { step: "b".into() },
    ]);
    events.remove(1);
    assert_eq!(SessionState::fold(&events).seq_gaps, 1);
}

fn step_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("".to_string()),
        "[a-z-]{1,8}"
    ]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Ok),
        Just(Outcome::Failed),
        Just(Outcome::Timeout),
        Just(Outcome::Interrupted),
        Just(Outcome::Error),
        Just(Outcome::Skipped),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    (".{0,8}", any::<bool>()).prop_map(|(text, secret)| Value { text, secret })
}

fn reference() -> impl Strategy<Value = CommandRef> {
    (step_id(), 0usize..4, 0usize..3, 0u32..4).prop_map(|(step, block, command, attempt)| {
        CommandRef {
            step,
            block,
            command,
            attempt,
        }
    })
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        step_id().prop_map(|step| Event::StepEntered { step }),
        (step_id(), outcome()).prop_map(|(step, outcome)| Event::StepFinished { step, outcome }),
        (step_id(), ".{0,5}").prop_map(|(step, reason)| Event::StepSkipped { step, reason }),
        reference().prop_map(|at| Event::CommandStarted {
            at,
            text: "x".into(),
            cwd: "/".into(),
            host: None
        }),
        (
            reference(),
            outcome(),
            proptest::option::of(any::<i32>()),
            any::<u64>()
        )
            .prop_map(|(at, outcome, exit, duration_ms)| {
                Event::CommandFinished {
                    at,
                    outcome,
                    exit,
                    signal: None,
                    duration_ms,
                    output_bytes: duration_ms,
                    reason: None,
                    output: None,
                }
            }),
        (step_id(), 0usize..4, outcome(), any::<u32>()).prop_map(
            |(step, block, outcome, attempts)| Event::BlockFinished {
                step,
                block,
                outcome,
                attempts
            }
        ),
        (step_id(), 0usize..4).prop_map(|(step, block)| Event::BlockSkipped {
            step,
            block,
            reason: "r".into()
        }),
        (step_id(), any::<usize>()).prop_map(|(step, check)| Event::CheckTicked { step, check }),
        (step_id(), any::<usize>(), step_id())
            .prop_map(|(step, choice, to)| Event::DecisionTaken { step, choice, to }),
        (
            proptest::collection::vec(("[A-Z]{1,3}", value()), 0..3),
            proptest::collection::vec("[A-Z]{1,3}", 0..2)
        )
            .prop_map(|(set, unset)| Event::VariablesChanged {
                source: ValueSource::Shell,
                set,
                unset,
                cwd: None
            }),
        (proptest::option::of(step_id()), ".{0,5}")
            .prop_map(|(step, text)| Event::NoteAdded { step, text }),
        Just(Event::SessionEnded {
            outcome: SessionOutcome::Stopped
        }),
    ]
}

fn stamped() -> impl Strategy<Value = Vec<Stamped>> {
    proptest::collection::vec((any::<u64>(), any::<u64>(), event()), 0..40).prop_map(|events| {
        events
            .into_iter()
            .map(|(seq, at_ms, event)| Stamped { seq, at_ms, event })
            .collect()
    })
}

proptest! {
    #[test]
    fn any_events_fold_without_panic_and_the_same_way_twice(events in stamped()) {
        let once = SessionState::fold(&events);
        let twice = SessionState::fold(&events);
        prop_assert_eq!(&once, &twice);
        // Folding in two halves gives what folding at once gives.
        let middle = events.len() / 2;
        let mut halves = SessionState::fold(&events[..middle]);
        for event in &events[middle..] {
            halves.apply(event);
        }
        prop_assert_eq!(&once, &halves);
        // Time never runs backwards in the state, whatever the stamps say.
        prop_assert!(once.last_ms >= events.iter().map(|event| event.at_ms).max().unwrap_or(0));
    }

    #[test]
    fn events_survive_a_trip_through_json(events in stamped()) {
        for event in &events {
            let tagged = serde_json::to_value(&event.event).unwrap();
            prop_assert_eq!(tagged["type"].as_str(), Some(event.event.kind()));
            let json = serde_json::to_string(event).unwrap();
            let back: Stamped = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, event);
        }
    }
}
