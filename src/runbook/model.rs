//! The parsed runbook: steps, blocks, checks, decisions and edges, with the position of each.
//!
//! These types are the contract between the parser and everything downstream (engine,
//! journal, UI). They serialize to the JSON of `cairn show --format json` (FORMAT.md §7), so a
//! field rename here is a breaking change for scripts.

use serde::Serialize;

use super::attrs::Attrs;
use super::diagnostic::{Diagnostic, Severity};
use super::front_matter::FrontMatter;
use super::options::{BlockOptions, StepOptions};
use super::source::{Source, Span};
use super::variables::PromptEnv;

/// The id of the pseudo-step that ends a walk.
pub const END: &str = "end";

#[derive(Clone, Debug, Serialize)]
pub struct Runbook {
    pub title: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The id of the step a walk starts at (none for a runbook without steps).
    pub start: Option<String>,
    pub params: Vec<Param>,
    pub front_matter: FrontMatter,
    pub steps: Vec<Step>,
    pub diagnostics: Vec<Diagnostic>,
    /// The prose between the title and the first step.
    #[serde(skip)]
    pub intro: Span,
    /// Anchors that lead to the top of the runbook (the title heading's, and those of
    /// headings in an introduction that is no step).
    #[serde(skip)]
    pub top_anchors: Vec<String>,
    #[serde(skip)]
    pub source: Source,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.id == id)
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    }
}

/// A value the operator supplies: declared in front matter or found in a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Param {
    pub name: String,
    pub secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    pub line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Has something to run or tick.
    Step,
    /// Holds only sub-headings: a node in the tree, never a stop.
    Group,
    /// Prose (and snippets) to acknowledge.
    Read,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Diagnose,
    Mitigate,
    Verify,
    Rollback,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub id: String,
    /// The GitHub anchor of the heading (equal to `id` unless `id=` overrides it).
    pub anchor: String,
    pub title: String,
    /// Heading level 1 to 6 (0 for the implicit step of a runbook without headings).
    pub level: u8,
    pub line: usize,
    pub kind: StepKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// The id of the enclosing group or step, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(flatten)]
    pub options: StepOptions,
    pub checks: Vec<Check>,
    pub blocks: Vec<Block>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    pub next: Vec<Edge>,
    /// The heading itself.
    #[serde(skip)]
    pub heading: Span,
    /// The step's own content: from the end of its heading to the next heading of any level.
    #[serde(skip)]
    pub body: Span,
    /// Anchors of headings inside the step's content (in lists or quotes): links to them
    /// lead to this step.
    #[serde(skip)]
    pub inner_anchors: Vec<String>,
}

impl Step {
    pub fn is_group(&self) -> bool {
        self.kind == StepKind::Group
    }
}

/// A GitHub task-list item the operator ticks by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub text: String,
    /// Already ticked in the Markdown (`- [x]`).
    pub checked: bool,
    pub line: usize,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// Runnable.
    Command,
    /// What the previous command is expected to print.
    Output,
    /// Shown and copyable, never run.
    Snippet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fence {
    Backtick,
    Tilde,
    Indented,
}

#[derive(Clone, Debug, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    /// The language word of the info string, as written (`None` when there is none).
    pub lang: Option<String>,
    pub line: usize,
    pub col: usize,
    pub fence: Fence,
    /// The program that runs the block (`bash`, `python3`, an `interpreter=`); commands only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// True when the block is a console transcript: only prompted lines run.
    pub console: bool,
    /// What runs: one script for a plain block, one entry per prompt for a console block.
    pub commands: Vec<String>,
    /// The line each command starts on.
    pub command_lines: Vec<usize>,
    /// For console blocks with `$host cmd` tags: the host of each command (`None`: here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command_hosts: Vec<Option<String>>,
    /// The console block's lines that are not commands: what the commands should print.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_output: Option<String>,
    /// For an output block, the index (within the step) of the command block it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_of: Option<usize>,
    /// The attributes exactly as written, in either syntax.
    pub attrs: Attrs,
    #[serde(skip_serializing_if = "BlockOptions::is_empty")]
    pub options: BlockOptions,
    pub placeholders: Vec<Placeholder>,
    /// Every `$VAR` the commands read that is neither set inside the block nor well known.
    pub variables: Vec<String>,
    /// Those of `variables` that the runbook defines nowhere before this block (no param,
    /// no `env`, no earlier export or capture): the operator is asked for them.
    pub undefined: Vec<String>,
    /// Variables this block sets for later blocks (exports, captures).
    pub defines: Vec<String>,
    /// Runme-style `export VAR=...` lines whose values the operator is asked for.
    pub prompt_env: Vec<PromptEnv>,
    /// Why the block counts as destructive, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive: Option<String>,
    /// The block's text, as the operator sees it.
    pub content: String,
    #[serde(skip)]
    pub span: Span,
}

/// A `<placeholder>` word to ask for and substitute as one shell word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub name: String,
    /// The command (index into `commands`) it appears in.
    pub command: usize,
    pub line: usize,
    pub col: usize,
    /// The quoting around it: `none`, `single`, `double`, or inside a here-document body
    /// (`heredoc` expands `$`, `literal-heredoc` does not).
    pub quote: Quote,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quote {
    None,
    Single,
    Double,
    Heredoc,
    LiteralHeredoc,
}

/// A choice the operator makes between steps.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    pub line: usize,
    pub choices: Vec<Choice>,
    /// The `choose` annotation.
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Choice {
    pub label: String,
    /// The step id the link leads to (resolved from the anchor), or `end`.
    pub to: String,
    pub line: usize,
    /// The `#anchor` links of the item as written.
    #[serde(skip)]
    pub targets: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeWhen {
    /// Taken when the step is done.
    Default,
    /// Taken when a block succeeds (`on_ok`).
    Ok,
    /// Taken when a block fails (`on_fail`).
    Fail,
    /// Taken when the operator picks it in a decision.
    Choice,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub to: String,
    pub when: EdgeWhen,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The block (index within the step) whose outcome takes the edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<usize>,
}
