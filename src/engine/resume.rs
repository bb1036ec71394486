//! Carrying on a recorded session (`cairn resume`): its events are folded back into
//! state, its variables and directory restored, its secrets asked for again (they were
//! never recorded), and the walk goes on from where it stopped, on the same branch.

use super::{Ask, Engine, Operator, Stop};
use crate::session::resume::{resume_at, CannotResume, ResumeAt};
use crate::session::{Event, SessionState, Stamped, ValueSource};

impl<'r> Engine<'r> {
    /// Folds `events` (the session so far) and walks on from where they stop.
    pub fn resume(
        &mut self,
        operator: &mut dyn Operator,
        events: &[Stamped],
        runbook_changed: bool,
    ) -> Result<(), Stop> {
        self.state = SessionState::fold(events);
        self.seq = events.last().map_or(0, |last| last.seq);
        let at = resume_at(self.runbook, &self.state).map_err(|reason| {
            Stop::CannotResume(match reason {
                CannotResume::Ended(outcome) => {
                    format!("the session already ended ({outcome}); start a new one with `cairn run`")
                }
                CannotResume::StepGone(step) => format!(
                    "the session was at step '{step}', which the runbook no longer has; restore the step or start a new session"
                ),
            })
        })?;
        self.emit(
            operator,
            Event::SessionResumed {
                operator: self.settings.operator.clone(),
                host: self.settings.host.clone(),
                runbook_changed,
            },
        );
        self.restore(operator)?;
        self.prepare_environment(operator);
        let result = match at {
            ResumeAt::Step { step, from_block } => {
                // Carrying on inside the step it was in, or entering again the step that
                // failed.
                let enter = self.state.current.as_deref() != Some(step.id.as_str());
                self.walk_step(step, from_block, enter, operator)
                    .and_then(|next| self.walk_from(next, operator))
            }
            ResumeAt::Next(next) => {
                let from = self
                    .state
                    .path
                    .last()
                    .and_then(|visit| self.runbook.step(&visit.step));
                let next = match from {
                    Some(step) => self.resolve(step, next, operator),
                    None => Ok(next),
                };
                next.and_then(|next| self.walk_from(next, operator))
            }
        };
        self.finish(result, operator)
    }

    /// Puts back the session's variables, placeholders and directory; asks for the
    /// secrets again.
    fn restore(&mut self, operator: &mut dyn Operator) -> Result<(), Stop> {
        let mut secrets = Vec::new();
        for (name, value) in self.state.variables.clone() {
            let placeholder = name
                .strip_prefix('<')
                .and_then(|name| name.strip_suffix('>'));
            match (value, placeholder) {
                (None, _) => self.env.remove(&name),
                (Some(value), _) if value.secret => secrets.push(name),
                (Some(value), Some(placeholder)) => {
                    self.placeholders
                        .insert(placeholder.to_string(), value.text);
                }
                (Some(value), None) => self.env.restore(&name, &value.text),
            }
        }
        for name in secrets {
            let placeholder = name
                .strip_prefix('<')
                .and_then(|name| name.strip_suffix('>'));
            let given = self
                .answers
                .params
                .get(placeholder.unwrap_or(&name))
                .cloned();
            let value = match given {
                Some(value) => value,
                None => {
                    let ask = Ask {
                        name: name.clone(),
                        prompt: Some(
                            "a secret of this session, never recorded: enter it again".into(),
                        ),
                        default: None,
                        choices: Vec::new(),
                        secret: true,
                        used_at: format!("{} (resuming)", self.runbook.path),
                    };
                    operator
                        .value(&ask)
                        .ok_or_else(|| Stop::Unanswered(Box::new(ask)))?
                }
            };
            match placeholder {
                Some(placeholder) => {
                    self.env.add_secret(&value);
                    self.placeholders.insert(placeholder.to_string(), value);
                }
                None => {
                    self.env.mark_secret(&name);
                    let event = self.env.set(ValueSource::Prompt, vec![(name, value)]);
                    self.emit_some(operator, event);
                }
            }
        }
        if let Some(cwd) = &self.state.cwd {
            let dir = std::path::PathBuf::from(cwd);
            if dir.is_dir() {
                self.env.cwd = dir;
            }
        }
        Ok(())
    }
}
