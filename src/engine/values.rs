//! Getting the values a block needs before it runs: variables it reads that nothing has
//! set (from `--param`, a param's default, or the operator), and its `<placeholders>`.
//! Values become environment variables or quoted words later, never raw command text.

use crate::runbook::variables::is_secret_name;
use crate::runbook::Block;
use crate::session::redact::MASK;
use crate::session::{Event, Value, ValueSource};

use super::{Ask, Engine, Operator, Stop};

/// `<pod name>` is secret when `pod_name` would be (`<api token>`, `<db password>`).
pub(super) fn placeholder_is_secret(name: &str) -> bool {
    is_secret_name(&name.replace([' ', '-', '.'], "_"))
}

impl Engine<'_> {
    /// Runme's convention: `export NS="default"` offers a default, `export NS=Pick one`
    /// asks a question. A value given (`--param NS=prod`, or typed) replaces the line's
    /// own; without one, a default stands as written and a question must be answered.
    fn gather_prompt_env(
        &mut self,
        block: &Block,
        operator: &mut dyn Operator,
    ) -> Result<(), Stop> {
        if block.options.prompt_env == Some(false) || self.runbook.front_matter.skip_prompts {
            return Ok(());
        }
        for prompt in &block.prompt_env {
            let name = &prompt.name;
            let (value, source) = if let Some(value) = self.answers.params.get(name) {
                (value.clone(), ValueSource::Flag)
            } else if prompt.prompt.is_none() {
                continue;
            } else {
                let ask = Ask {
                    name: name.clone(),
                    prompt: prompt.prompt.clone(),
                    default: prompt.default.clone(),
                    choices: Vec::new(),
                    secret: is_secret_name(name),
                    used_at: self.variable_use(block, name),
                };
                match operator.value(&ask) {
                    Some(value) if ask.default.as_ref() == Some(&value) => {
                        (value, ValueSource::Default)
                    }
                    Some(value) => (value, ValueSource::Prompt),
                    None if self.settings.mode == crate::session::Mode::DryRun => continue,
                    None => return Err(Stop::Unanswered(Box::new(ask))),
                }
            };
            self.prompted.insert(name.clone());
            let event = self.env.set(source, vec![(name.clone(), value)]);
            self.emit_some(operator, event);
        }
        Ok(())
    }

    /// `file:line:col` of the first `$NAME` or `${NAME` in the block (the block itself when
    /// the text is not found, as for a name read by a here-document).
    pub(super) fn variable_use(&self, block: &Block, name: &str) -> String {
        let source = &self.runbook.source;
        let text = source.slice(block.span);
        let found = [format!("${{{name}"), format!("${name}")]
            .iter()
            .find_map(|needle| {
                text.match_indices(needle.as_str()).find_map(|(at, _)| {
                    let after = text[at + needle.len()..].chars().next();
                    let ends = needle.starts_with("${")
                        || !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                    ends.then_some(at)
                })
            });
        match found {
            Some(at) => {
                let position = source.position(block.span.start + at);
                self.at(position.line, position.col)
            }
            None => self.at(block.line, block.col),
        }
    }

    /// Makes sure every value `block` needs is known, asking when it must.
    pub(super) fn gather_values(
        &mut self,
        block: &Block,
        operator: &mut dyn Operator,
    ) -> Result<(), Stop> {
        for name in &block.variables {
            if self.env.contains(name) {
                continue;
            }
            let param = self.runbook.params.iter().find(|param| &param.name == name);
            let default = param.and_then(|param| param.default.clone());
            let (value, source) = if let Some(value) = self.answers.params.get(name) {
                (value.clone(), ValueSource::Flag)
            } else if let (Some(default), false) = (&default, self.answers.offer_defaults) {
                (default.clone(), ValueSource::Default)
            } else if param.is_some() || block.undefined.contains(name) {
                let ask = Ask {
                    name: name.clone(),
                    prompt: param.and_then(|param| param.prompt.clone()),
                    default,
                    choices: param.map(|param| param.choices.clone()).unwrap_or_default(),
                    secret: param.is_some_and(|param| param.secret) || is_secret_name(name),
                    used_at: self.variable_use(block, name),
                };
                match operator.value(&ask) {
                    Some(value) => (value, ValueSource::Prompt),
                    None if self.settings.mode == crate::session::Mode::DryRun => continue,
                    None => return Err(Stop::Unanswered(Box::new(ask))),
                }
            } else {
                // Set by a block the walk did not pass through: the shell sees it unset.
                continue;
            };
            let event = self.env.set(source, vec![(name.clone(), value)]);
            self.emit_some(operator, event);
        }
        self.gather_prompt_env(block, operator)?;
        for placeholder in &block.placeholders {
            let name = &placeholder.name;
            if self.placeholders.contains_key(name) {
                continue;
            }
            let secret = placeholder_is_secret(name);
            let (value, source) = if let Some(value) = self.answers.params.get(name) {
                (value.clone(), ValueSource::Flag)
            } else {
                let ask = Ask {
                    name: format!("<{name}>"),
                    prompt: None,
                    default: None,
                    choices: Vec::new(),
                    secret,
                    used_at: self.at(placeholder.line, placeholder.col),
                };
                match operator.value(&ask) {
                    Some(value) => (value, ValueSource::Prompt),
                    None if self.settings.mode == crate::session::Mode::DryRun => continue,
                    None => return Err(Stop::Unanswered(Box::new(ask))),
                }
            };
            let recorded = if secret {
                self.env.add_secret(&value);
                Value {
                    text: MASK.into(),
                    secret: true,
                }
            } else {
                Value {
                    text: self.env.secrets().redact_str(&value),
                    secret: false,
                }
            };
            self.placeholders.insert(name.clone(), value);
            self.emit(
                operator,
                Event::VariablesChanged {
                    source,
                    set: vec![(format!("<{name}>"), recorded)],
                    unset: Vec::new(),
                    cwd: None,
                },
            );
        }
        Ok(())
    }
}
