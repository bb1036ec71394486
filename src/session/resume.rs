//! Where a resumed walk picks up, from what the events say happened: inside the step it
//! was in (at its first block not yet done), or where the last finished step leads.

use super::cursor::{self, Next, Route};
use super::event::{Outcome, SessionOutcome};
use super::state::{SessionState, StepState};
use crate::runbook::{Runbook, Step};

#[derive(Clone, Copy, Debug)]
pub enum ResumeAt<'r> {
    /// Inside `step`, from block `from_block` (the blocks before it are done).
    Step { step: &'r Step, from_block: usize },
    /// Where the walk would have gone next.
    Next(Next<'r>),
}

/// The same place: the same step (ids are unique) and block, or the same next place.
impl PartialEq for ResumeAt<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                ResumeAt::Step { step, from_block },
                ResumeAt::Step {
                    step: other_step,
                    from_block: other_block,
                },
            ) => step.id == other_step.id && from_block == other_block,
            (ResumeAt::Next(next), ResumeAt::Next(other)) => next == other,
            _ => false,
        }
    }
}

/// Why a session cannot be resumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CannotResume {
    /// It reached its end.
    Ended(String),
    /// It was in a step the runbook no longer has.
    StepGone(String),
}

/// The first block of `step` that has not succeeded (or been skipped) in its latest visit.
fn first_not_done(step: &Step, state: &SessionState) -> usize {
    let blocks = state.status(&step.id).map(|status| &status.blocks);
    (0..step.blocks.len())
        .find(|index| {
            cursor::not_runnable(&step.blocks[*index]).is_none()
                && !blocks
                    .and_then(|blocks| blocks.get(index))
                    .and_then(|block| block.outcome)
                    .is_some_and(Outcome::is_ok)
        })
        .unwrap_or(step.blocks.len())
}

pub fn resume_at<'r>(
    runbook: &'r Runbook,
    state: &SessionState,
) -> Result<ResumeAt<'r>, CannotResume> {
    // A walk that stopped (a missing answer, a failure, an interrupt) carries on; only a
    // walk that reached its end is over.
    if state.ended == Some(SessionOutcome::Completed) {
        return Err(CannotResume::Ended("completed".into()));
    }
    let step_of = |id: &str| {
        runbook
            .step(id)
            .ok_or_else(|| CannotResume::StepGone(id.to_string()))
    };
    if let Some(current) = &state.current {
        let step = step_of(current)?;
        return Ok(ResumeAt::Step {
            step,
            from_block: first_not_done(step, state),
        });
    }
    let Some(last) = state.path.last() else {
        return Ok(ResumeAt::Next(cursor::first(runbook)));
    };
    let step = step_of(&last.step)?;
    if let Some(choice) = last.choice {
        if let Some(decision) = &step.decision {
            if let Some(next) = cursor::choose(runbook, decision, choice) {
                return Ok(ResumeAt::Next(next));
            }
        }
    }
    // The last block with an outcome decides whether a block edge was taken.
    let status = state.status(&step.id);
    let last_block = status.and_then(|status| {
        status
            .blocks
            .iter()
            .rev()
            .find_map(|(index, block)| block.outcome.map(|outcome| (*index, outcome)))
    });
    if let Some((index, outcome)) = last_block {
        match cursor::after_block(runbook, step, index, outcome.is_ok()) {
            Route::Goto(next) => return Ok(ResumeAt::Next(next)),
            Route::Stop => {
                // It failed with nowhere to go: try the step again.
                return Ok(ResumeAt::Step {
                    step,
                    from_block: first_not_done(step, state),
                });
            }
            Route::Continue => {}
        }
    }
    match status.map(|status| status.state) {
        Some(StepState::Failed) => Ok(ResumeAt::Step {
            step,
            from_block: first_not_done(step, state),
        }),
        _ => Ok(ResumeAt::Next(cursor::after_step(runbook, step))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::parse;
    use crate::session::{Event, Stamped};

    const BOOK: &str = "# T\n\n## One\n\n```sh\ntrue\n```\n\n```sh\ntrue\n```\n\n## Two\n\n```sh {on_fail=three}\nfalse\n```\n\n## Three\n\n```sh\ntrue\n```\n";

    fn state(events: Vec<Event>) -> SessionState {
        SessionState::fold(&Stamped::numbered(events, 0, 1))
    }

    fn block(step: &str, block: usize, outcome: Outcome) -> Event {
        Event::BlockFinished {
            step: step.into(),
            block,
            outcome,
            attempts: 1,
        }
    }

    #[test]
    fn a_walk_cut_short_inside_a_step_resumes_at_its_first_block_not_done() {
        let runbook = parse("t.md", BOOK);
        let state = state(vec![
            Event::StepEntered { step: "one".into() },
            block("one", 0, Outcome::Ok),
        ]);
        let Ok(ResumeAt::Step { step, from_block }) = resume_at(&runbook, &state) else {
            panic!("not inside a step");
        };
        assert_eq!((step.id.as_str(), from_block), ("one", 1));
    }

    #[test]
    fn a_finished_step_leads_on_by_its_edges() {
        let runbook = parse("t.md", BOOK);
        let state = state(vec![
            Event::StepEntered { step: "two".into() },
            block("two", 0, Outcome::Failed),
            Event::StepFinished {
                step: "two".into(),
                outcome: Outcome::Failed,
            },
        ]);
        assert_eq!(
            resume_at(&runbook, &state),
            Ok(ResumeAt::Next(Next::Step(runbook.step("three").unwrap())))
        );
        let state = state_of_one_done();
        assert_eq!(
            resume_at(&runbook, &state),
            Ok(ResumeAt::Next(Next::Step(runbook.step("two").unwrap())))
        );
    }

    fn state_of_one_done() -> SessionState {
        state(vec![
            Event::StepEntered { step: "one".into() },
            block("one", 0, Outcome::Ok),
            block("one", 1, Outcome::Ok),
            Event::StepFinished {
                step: "one".into(),
                outcome: Outcome::Ok,
            },
        ])
    }

    #[test]
    fn an_ended_session_or_a_lost_step_cannot_resume() {
        let runbook = parse("t.md", BOOK);
        let ended = state(vec![Event::SessionEnded {
            outcome: crate::session::SessionOutcome::Completed,
        }]);
        assert_eq!(
            resume_at(&runbook, &ended),
            Err(CannotResume::Ended("completed".into()))
        );
        let gone = state(vec![Event::StepEntered {
            step: "renamed".into(),
        }]);
        assert_eq!(
            resume_at(&runbook, &gone),
            Err(CannotResume::StepGone("renamed".into()))
        );
        assert_eq!(
            resume_at(&runbook, &SessionState::default()),
            Ok(ResumeAt::Next(Next::Step(runbook.step("one").unwrap())))
        );
    }
}
