//! The readable outline of a runbook's graph that `cairn show` prints: the step tree with
//! numbers, kinds and phases, each step's blocks, checks and decision, and every edge that
//! does not simply lead to the next step.

use std::fmt::Write;

use super::plural;
use crate::ansi::{self, Painter};

use crate::runbook::{Block, BlockKind, EdgeWhen, Runbook, Severity, Step, StepKind, END};

const WIDTH: usize = 72;

/// The outline's few styles, on top of the shared painter.
struct Style {
    painter: Painter,
}

impl Style {
    fn bold(&self, text: &str) -> String {
        self.painter.paint(ansi::BOLD, text)
    }
    fn dim(&self, text: &str) -> String {
        self.painter.paint(ansi::DIM, text)
    }
    fn warn(&self, text: &str) -> String {
        self.painter.paint(ansi::YELLOW, text)
    }
}

pub fn render(runbook: &Runbook, color: bool) -> String {
    let style = Style {
        painter: Painter::new(color),
    };
    let mut out = String::new();
    let walkable = runbook.steps.iter().filter(|step| !step.is_group()).count();
    let _ = writeln!(out, "{}", style.bold(&runbook.title));
    if let Some(summary) = &runbook.summary {
        let _ = writeln!(out, "{summary}");
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{} · {walkable} step{} · starts at {}",
            runbook.path,
            plural(walkable),
            runbook.start.as_deref().unwrap_or(END)
        ))
    );
    if !runbook.params.is_empty() {
        let params: Vec<String> = runbook
            .params
            .iter()
            .map(|param| {
                let mut text = param.name.clone();
                if param.secret {
                    text.push_str(" (secret)");
                } else if let Some(default) = &param.default {
                    let _ = write!(text, " = {default:?}");
                }
                if !param.choices.is_empty() {
                    let _ = write!(text, " ∈ {{{}}}", param.choices.join(", "));
                }
                text
            })
            .collect();
        let _ = writeln!(out, "params: {}", params.join(", "));
    }
    out.push('\n');

    let min_level = runbook
        .steps
        .iter()
        .map(|step| step.level)
        .min()
        .unwrap_or(0);
    let mut number = 0;
    for (index, step) in runbook.steps.iter().enumerate() {
        let indent = "  ".repeat(usize::from(step.level.saturating_sub(min_level)));
        if step.is_group() {
            let _ = writeln!(
                out,
                "     {indent}{} {}",
                style.dim("▾"),
                style.bold(&step.title)
            );
            continue;
        }
        number += 1;
        let mut tags = Vec::new();
        if step.kind == StepKind::Read {
            tags.push("read".to_string());
        }
        if let Some(phase) = step.phase {
            tags.push(format!("{phase:?}").to_lowercase());
        }
        if step.options.confirm.is_some()
            || step.blocks.iter().any(|block| block.destructive.is_some())
        {
            tags.push(style.warn("⚠ confirm"));
        }
        let head = format!("{number:>3}. {indent}{}", step.title);
        let id = format!("#{}", step.id);
        let pad = WIDTH
            .saturating_sub(head.chars().count() + id.chars().count())
            .max(2);
        let _ = writeln!(
            out,
            "{head}{}{}{}",
            " ".repeat(pad),
            style.dim(&id),
            if tags.is_empty() {
                String::new()
            } else {
                format!("  {}", tags.join(" "))
            }
        );
        let detail = format!("     {indent}   ");
        for block in &step.blocks {
            let _ = writeln!(out, "{detail}{}", describe_block(block, &style));
        }
        for check in &step.checks {
            let _ = writeln!(
                out,
                "{detail}{} {}",
                if check.checked { "[x]" } else { "[ ]" },
                check.text
            );
        }
        for edge in edges_worth_showing(runbook, index, step) {
            let _ = writeln!(out, "{detail}{edge}");
        }
    }

    let errors = runbook.count(Severity::Error);
    let warnings = runbook.count(Severity::Warning);
    if errors + warnings > 0 {
        let _ = writeln!(
            out,
            "\n{}",
            style.warn(&format!(
                "{errors} error{}, {warnings} warning{}: run `cairn check {}` for details",
                plural(errors),
                plural(warnings),
                runbook.path
            ))
        );
    }
    out
}

fn describe_block(block: &Block, style: &Style) -> String {
    let lang = block.lang.as_deref().unwrap_or("text");
    match block.kind {
        BlockKind::Command => {
            let first = block.commands.first().map(String::as_str).unwrap_or("");
            let first_line = first.lines().next().unwrap_or("");
            let prompt = if block.console { "$ " } else { "" };
            let more = match (block.commands.len(), first.lines().count()) {
                (0, _) | (1, 0 | 1) => String::new(),
                (1, lines) => format!(" (+{} more line{})", lines - 1, plural(lines - 1)),
                (count, _) => format!(" (+{} more command{})", count - 1, plural(count - 1)),
            };
            let mut text = format!(
                "{} {prompt}{}{more}",
                style.dim(lang),
                truncate(first_line, 56)
            );
            if let Some(name) = &block.options.name {
                text = format!("{text} {}", style.dim(&format!("[{name}]")));
            }
            if let Some(reason) = &block.destructive {
                text = format!("{text} {}", style.warn(&format!("⚠ {reason}")));
            }
            text
        }
        BlockKind::Output => style.dim(&format!("{lang} (expected output)")),
        BlockKind::Snippet => style.dim(&format!("{lang} snippet")),
    }
}

/// Edges other than the plain "then the next step".
fn edges_worth_showing(runbook: &Runbook, index: usize, step: &Step) -> Vec<String> {
    let following = runbook.steps[index + 1..]
        .iter()
        .find(|step| !step.is_group())
        .map_or(END, |step| step.id.as_str());
    step.next
        .iter()
        .filter(|edge| !(edge.when == EdgeWhen::Default && edge.to == following))
        .map(|edge| match edge.when {
            EdgeWhen::Default => format!("→ {}", edge.to),
            EdgeWhen::Ok => format!(
                "→ {} when {} succeeds",
                edge.to,
                edge.label.as_deref().unwrap_or("a block")
            ),
            EdgeWhen::Fail => format!(
                "→ {} when {} fails",
                edge.to,
                edge.label.as_deref().unwrap_or("a block")
            ),
            EdgeWhen::Choice => format!(
                "? {} → {}",
                truncate(edge.label.as_deref().unwrap_or(""), 48),
                edge.to
            ),
        })
        .collect()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}
