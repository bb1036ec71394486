//! `cairn-test.toml`: what `cairn test` needs to walk the runbooks of a folder unattended.
//! It sits beside them; a table per runbook file name, over an optional `[defaults]` table
//! that applies to every runbook of the folder:
//!
//! ```toml
//! [defaults]
//! params = { REGION = "eu-west-1" }
//!
//! ["failover.md"]
//! params = { DB_HOST = "127.0.0.1" }   # values for params, variables and <placeholders>
//! choose = { decide = 2 }              # the choice (from 1) at each step's decision
//! yes = true                           # confirm destructive steps (default: false)
//! expect = "failed"                    # the outcome the test wants (default: completed)
//!
//! ["needs-a-cluster.md"]
//! skip = "needs a Kubernetes cluster"  # reported as skipped, not run
//! ```
//!
//! A file cairn cannot read, a key it does not know, a value of the wrong type: an error
//! with `file:line:col`, never silently ignored.

use std::collections::BTreeMap;
use std::path::Path;

use crate::runbook::Source;

/// The test file's name, looked for beside each runbook.
pub const FILE_NAME: &str = "cairn-test.toml";

/// What a test of one runbook is given and wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub params: BTreeMap<String, String>,
    pub choices: BTreeMap<String, usize>,
    pub yes: bool,
    /// `completed` (the default) or `failed`, `stopped`.
    pub expect: Option<String>,
    pub skip: Option<String>,
}

impl Plan {
    /// `over` laid over `self`: its params and choices added, its other keys winning.
    fn with(&self, over: &Plan) -> Plan {
        let mut plan = self.clone();
        plan.params.extend(over.params.clone());
        plan.choices.extend(over.choices.clone());
        plan.yes |= over.yes;
        if over.expect.is_some() {
            plan.expect = over.expect.clone();
        }
        if over.skip.is_some() {
            plan.skip = over.skip.clone();
        }
        plan
    }

    /// The outcome word the test wants.
    pub fn expected(&self) -> &str {
        self.expect.as_deref().unwrap_or("completed")
    }
}

/// The plan for the runbook at `runbook` from the `cairn-test.toml` beside it (none: an
/// empty plan).
pub fn for_runbook(runbook: &Path) -> Result<Plan, String> {
    let dir = runbook.parent().unwrap_or(Path::new("."));
    let file = dir.join(FILE_NAME);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Plan::default()),
        Err(error) => return Err(format!("{}: {error}", file.display())),
    };
    let plans = parse(&file, &text)?;
    let name = runbook
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let defaults = plans.get("defaults").cloned().unwrap_or_default();
    Ok(match plans.get(&name) {
        Some(plan) => defaults.with(plan),
        None => defaults,
    })
}

/// The plans of a test file: `defaults` and one per runbook file name.
pub fn parse(path: &Path, text: &str) -> Result<BTreeMap<String, Plan>, String> {
    let source = Source::new(path.display().to_string(), text.to_string());
    let place = |offset: usize| {
        let position = source.position(offset);
        format!("{}:{}:{}", path.display(), position.line, position.col)
    };
    // The first place `word` stands as a key or a table name, for messages.
    let key_at = |word: &str| {
        text.match_indices(word)
            .find(|(offset, _)| {
                let before = text[..*offset].chars().next_back();
                matches!(before, None | Some('\n' | '[' | '"' | ' ' | '{' | ','))
            })
            .map_or_else(|| path.display().to_string(), |(offset, _)| place(offset))
    };
    let table: toml::Table = toml::from_str(text).map_err(|error| {
        let at = error
            .span()
            .map_or_else(|| path.display().to_string(), |span| place(span.start));
        format!("{at}: {}; fix the file", error.message())
    })?;
    let mut plans = BTreeMap::new();
    for (name, value) in &table {
        let toml::Value::Table(keys) = value else {
            return Err(format!(
                "{}: `{name}` must be a table: [defaults] or [\"RUNBOOK.md\"]",
                key_at(name)
            ));
        };
        let mut plan = Plan::default();
        for (key, value) in keys {
            let wrong = |what: &str| format!("{}: {name}.{key} must be {what}", key_at(key));
            match (key.as_str(), value) {
                ("params", toml::Value::Table(params)) => {
                    for (param, value) in params {
                        let value = match value {
                            toml::Value::String(text) => text.clone(),
                            toml::Value::Integer(number) => number.to_string(),
                            toml::Value::Float(number) => number.to_string(),
                            toml::Value::Boolean(flag) => flag.to_string(),
                            _ => return Err(wrong("a table of text values")),
                        };
                        plan.params.insert(param.clone(), value);
                    }
                }
                ("choose", toml::Value::Table(choices)) => {
                    for (step, value) in choices {
                        let choice = value
                            .as_integer()
                            .and_then(|number| usize::try_from(number).ok())
                            .filter(|number| *number >= 1)
                            .ok_or_else(|| wrong("a table of choice numbers, counted from 1"))?;
                        plan.choices.insert(step.clone(), choice);
                    }
                }
                ("yes", toml::Value::Boolean(yes)) => plan.yes = *yes,
                ("expect", toml::Value::String(outcome))
                    if ["completed", "failed", "stopped"].contains(&outcome.as_str()) =>
                {
                    plan.expect = Some(outcome.clone());
                }
                ("skip", toml::Value::String(reason)) => plan.skip = Some(reason.clone()),
                ("params" | "choose", _) => return Err(wrong("a table")),
                ("yes", _) => return Err(wrong("true or false")),
                ("expect", _) => return Err(wrong("\"completed\", \"failed\" or \"stopped\"")),
                ("skip", _) => return Err(wrong("the reason, as text")),
                _ => {
                    return Err(format!(
                        "{}: unknown key {name}.{key} (known: params, choose, yes, expect, skip)",
                        key_at(key)
                    ))
                }
            }
        }
        plans.insert(name.clone(), plan);
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runbook_gets_the_defaults_under_its_own_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[defaults]\nparams = { REGION = \"eu\", TIER = \"web\" }\n\n[\"a.md\"]\nparams = { TIER = \"db\" }\nchoose = { decide = 2 }\nexpect = \"failed\"\n",
        )
        .unwrap();
        let plan = for_runbook(&dir.path().join("a.md")).unwrap();
        assert_eq!(plan.params["REGION"], "eu");
        assert_eq!(plan.params["TIER"], "db");
        assert_eq!(plan.choices["decide"], 2);
        assert_eq!(plan.expected(), "failed");
        let other = for_runbook(&dir.path().join("b.md")).unwrap();
        assert_eq!(other.params["TIER"], "web");
        assert_eq!(other.expected(), "completed");
        assert_eq!(
            for_runbook(&dir.path().join("sub/c.md")).unwrap(),
            Plan::default()
        );
    }

    #[test]
    fn mistakes_are_errors_at_their_place() {
        let path = Path::new("t/cairn-test.toml");
        let error = parse(path, "[\"a.md\"]\nchoose = { decide = 0 }\n").unwrap_err();
        assert!(
            error.starts_with("t/cairn-test.toml:2:1: a.md.choose must be"),
            "{error}"
        );
        let error = parse(path, "[\"a.md\"]\nexpect = \"green\"\n").unwrap_err();
        assert!(error.starts_with("t/cairn-test.toml:2:1:"), "{error}");
        let error = parse(path, "[\"a.md\"]\ncolour = 1\n").unwrap_err();
        assert!(error.contains("unknown key a.md.colour"), "{error}");
        let error = parse(path, "[\"a.md\"\n").unwrap_err();
        assert!(error.starts_with("t/cairn-test.toml:1:"), "{error}");
    }
}
