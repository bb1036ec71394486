//! The session's variables as the shell sees them: cairn's own environment, then what the
//! session set (params, captures, the `export`s and `cd`s of earlier blocks). It holds the
//! real values, secrets included, in memory only; what it reports for the record is the
//! difference from before, with secrets masked.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exec::ShellState;
use crate::runbook::options::is_identifier;
use crate::runbook::variables::is_secret_name;
use crate::session::redact::{Secrets, MASK};
use crate::session::{Event, Value, ValueSource};

/// Variables a shell sets for itself: never recorded as changes a block made.
const SHELL_OWN: &[&str] = &[
    "_", "SHLVL", "PWD", "OLDPWD", "SHELL", "TERM", "COLUMNS", "LINES",
];

#[derive(Clone, Debug)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    /// Names whose values are secret (declared `secret: true`, or named like one).
    secret_names: Vec<String>,
    secrets: Secrets,
    pub cwd: PathBuf,
}

impl Environment {
    pub fn new(vars: impl IntoIterator<Item = (String, String)>, cwd: PathBuf) -> Environment {
        Environment {
            vars: vars.into_iter().collect(),
            secret_names: Vec::new(),
            secrets: Secrets::new(),
            cwd,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// The whole environment for a process.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = self
            .vars
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        vars.push(("PWD".into(), self.cwd.to_string_lossy().into_owned()));
        vars
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Declares `name` secret: its value, now and later, is masked in every record.
    pub fn mark_secret(&mut self, name: &str) {
        if !self.secret_names.iter().any(|known| known == name) {
            self.secret_names.push(name.to_string());
        }
        if let Some(value) = self.vars.get(name) {
            self.secrets.add(value);
        }
    }

    /// Puts back a value recorded earlier in the session (a resume): nothing to record.
    pub fn restore(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    /// Takes out a variable the session had removed (`unset`).
    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// A value to mask wherever it appears (a secret placeholder's value).
    pub fn add_secret(&mut self, value: &str) {
        self.secrets.add(value);
    }

    pub fn is_secret(&self, name: &str) -> bool {
        is_secret_name(name) || self.secret_names.iter().any(|known| known == name)
    }

    /// Values of secret-named variables inherited from cairn's own environment (an
    /// `API_TOKEN` exported before cairn started) are secrets too.
    pub fn adopt_inherited_secrets(&mut self) {
        let names: Vec<String> = self
            .vars
            .keys()
            .filter(|name| is_secret_name(name))
            .cloned()
            .collect();
        for name in names {
            self.mark_secret(&name);
        }
    }

    /// How `value` is recorded: masked when `name` is secret, and with any secret it
    /// contains masked otherwise.
    fn record(&self, name: &str, value: &str) -> Value {
        if self.is_secret(name) {
            Value {
                text: MASK.into(),
                secret: true,
            }
        } else {
            Value {
                text: self.secrets.redact_str(value),
                secret: false,
            }
        }
    }

    /// Sets variables; returns the event that records it, if anything changed.
    pub fn set(&mut self, source: ValueSource, values: Vec<(String, String)>) -> Option<Event> {
        let mut set = Vec::new();
        for (name, value) in values {
            if self.vars.get(&name) == Some(&value) {
                continue;
            }
            if self.is_secret(&name) {
                self.secrets.add(&value);
            }
            set.push((name.clone(), self.record(&name, &value)));
            self.vars.insert(name, value);
        }
        (!set.is_empty()).then_some(Event::VariablesChanged {
            source,
            set,
            unset: Vec::new(),
            cwd: None,
        })
    }

    /// Takes on the state a shell block left behind; returns the event recording what
    /// changed. `keep_cwd` ignores the directory (a block with its own `cwd=`).
    pub fn absorb(&mut self, state: ShellState, keep_cwd: bool) -> Option<Event> {
        let mut after: BTreeMap<String, String> = state
            .exported
            .into_iter()
            // The wrapper's own variables show up when a script runs `set -a`.
            .filter(|(name, _)| {
                !SHELL_OWN.contains(&name.as_str()) && !name.starts_with("__cairn_")
            })
            .collect();
        let mut set = Vec::new();
        let mut unset = Vec::new();
        let mut unseen = Vec::new();
        for (name, value) in &after {
            if self.vars.get(name) != Some(value) {
                if self.is_secret(name) {
                    self.secrets.add(value);
                }
                set.push((name.clone(), self.record(name, value)));
            }
        }
        for (name, value) in &self.vars {
            if after.contains_key(name) || SHELL_OWN.contains(&name.as_str()) {
                continue;
            }
            // Shells drop names they cannot hold (`BASH_FUNC_f%%`, `a-b`) from what they
            // print: those were not unset, only unseen, and still pass to later blocks.
            if is_identifier(name) {
                unset.push(name.clone());
            } else {
                unseen.push((name.clone(), value.clone()));
            }
        }
        after.extend(unseen);
        // The shell's own variables stay as cairn had them.
        for name in SHELL_OWN {
            if let Some(value) = self.vars.get(*name) {
                after.insert((*name).to_string(), value.clone());
            }
        }
        self.vars = after;
        let mut cwd = None;
        if !keep_cwd && !state.cwd.is_empty() {
            let dir = PathBuf::from(&state.cwd);
            if dir != self.cwd {
                cwd = Some(self.secrets.redact_str(&state.cwd));
                self.cwd = dir;
            }
        }
        (!set.is_empty() || !unset.is_empty() || cwd.is_some()).then_some(Event::VariablesChanged {
            source: ValueSource::Shell,
            set,
            unset,
            cwd,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment::new(
            [
                ("HOME".to_string(), "/home/me".to_string()),
                ("KEEP".into(), "1".into()),
            ],
            PathBuf::from("/work"),
        )
    }

    #[test]
    fn a_shell_state_records_only_what_changed() {
        let mut env = env();
        let event = env.absorb(
            ShellState {
                cwd: "/work/sub".into(),
                exported: vec![
                    ("KEEP".into(), "1".into()),
                    ("NEW".into(), "x".into()),
                    ("SHLVL".into(), "2".into()),
                ],
            },
            false,
        );
        let Some(Event::VariablesChanged {
            set, unset, cwd, ..
        }) = event
        else {
            panic!("no change recorded");
        };
        assert_eq!(
            set,
            vec![(
                "NEW".to_string(),
                Value {
                    text: "x".into(),
                    secret: false
                }
            )]
        );
        assert_eq!(unset, vec!["HOME".to_string()]);
        assert_eq!(cwd.as_deref(), Some("/work/sub"));
        assert_eq!(env.get("NEW"), Some("x"));
        assert!(!env.contains("HOME"));
        assert_eq!(env.cwd, PathBuf::from("/work/sub"));
    }

    #[test]
    fn secrets_are_masked_in_the_record_but_kept_for_the_shell() {
        let mut env = env();
        let Some(Event::VariablesChanged { set, .. }) = env.set(
            ValueSource::Flag,
            vec![("DB_PASSWORD".into(), "hunter22".into())],
        ) else {
            panic!("no change recorded");
        };
        assert_eq!(
            set[0].1,
            Value {
                text: MASK.into(),
                secret: true
            }
        );
        assert_eq!(env.get("DB_PASSWORD"), Some("hunter22"));
        let Some(Event::VariablesChanged { set, .. }) = env.set(
            ValueSource::Capture,
            vec![("URL".into(), "db://u:hunter22@h".into())],
        ) else {
            panic!("no change recorded");
        };
        assert_eq!(set[0].1.text, "db://u:[redacted]@h");
        assert!(env
            .set(
                ValueSource::Flag,
                vec![("URL".into(), "db://u:hunter22@h".into())]
            )
            .is_none());
    }
}
