//! The current step as the operator reads it: its title, its prose, and each of its blocks
//! in a box of its own, in the order the Markdown has them, with what the walk did with
//! each block (ran it, with what result; skipped it, why; edited it, to what) and the
//! values of the variables it reads. The block the walk waits at is marked.
//!
//! It draws from the runbook and the session state only; it changes nothing.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::bridge::Waiting;
use super::prose;
use super::theme::Theme;
use super::wrap::wrap;
use crate::runbook::{Block, BlockKind, Runbook, Span as SourceSpan, Step};
use crate::session::{Outcome, SessionState};

/// The step's rows at `width`, and the row the block the walk waits at starts on.
pub fn rows(
    runbook: &Runbook,
    step: &Step,
    state: &SessionState,
    waiting: Option<&Waiting>,
    theme: &Theme,
    width: usize,
) -> (Vec<Line<'static>>, Option<usize>) {
    let mut rows = Vec::new();
    let mut marked = None;
    let body = step.body;
    let mut from = body.start;
    let text = runbook.source.text();
    for (index, block) in step.blocks.iter().enumerate() {
        let start = block.span.start.clamp(from, body.end);
        push_prose(&mut rows, text, SourceSpan::new(from, start), theme, width);
        let waits_here = waiting
            .is_some_and(|waiting| waiting.step() == step.id && waiting.block() == Some(index));
        if waits_here {
            marked = Some(rows.len());
        }
        let failed_here = matches!(waiting, Some(Waiting::Failed { step: id, index: at }) if *id == step.id && *at == index);
        block_rows(
            &mut rows,
            step,
            index,
            block,
            state,
            waits_here,
            failed_here,
            theme,
            width,
        );
        from = block.span.end.clamp(start, body.end);
    }
    push_prose(
        &mut rows,
        text,
        SourceSpan::new(from, body.end),
        theme,
        width,
    );
    mark_ticked_checks(&mut rows, step, state, theme);
    if let Some(decision) = &step.decision {
        rows.push(Line::styled("Decide:", theme.style("heading")));
        for (number, choice) in decision.choices.iter().enumerate() {
            rows.push(Line::styled(
                format!("  {}. {}", number + 1, choice.label),
                theme.style("text"),
            ));
        }
    }
    // The operator's notes on this step, with the incident clock when each was written.
    for note in state
        .notes
        .iter()
        .filter(|note| note.step.as_deref() == Some(step.id.as_str()))
    {
        let at = note
            .at_ms
            .saturating_sub(state.started_ms.unwrap_or(note.at_ms))
            / 1000;
        let line = Line::from(vec![
            Span::styled(
                format!("✎ {:02}:{:02} ", at / 60, at % 60),
                theme.style("muted"),
            ),
            Span::styled(note.text.clone(), theme.style("text")),
        ]);
        rows.extend(wrap(&line, width, "         "));
    }
    if waiting
        .is_some_and(|waiting| matches!(waiting, Waiting::Leave { step: id } if *id == step.id))
    {
        marked = Some(rows.len());
        rows.push(Line::default());
        rows.push(Line::styled(
            "▶ the step is done: Enter goes on",
            theme.style("step_current"),
        ));
    }
    (rows, marked)
}

/// The prose shows the checks as the Markdown has them (`☐`); those ticked in this walk
/// are shown ticked. Checks are counted in document order, as the parser counts them.
fn mark_ticked_checks(
    rows: &mut [Line<'static>],
    step: &Step,
    state: &SessionState,
    theme: &Theme,
) {
    let Some(ticked) = state.status(&step.id).map(|status| &status.checks) else {
        return;
    };
    let mut index = 0;
    for row in rows.iter_mut() {
        for span in row.spans.iter_mut() {
            let is_box = span.content == "☐ " || span.content == "☑ ";
            if !is_box {
                continue;
            }
            if ticked.contains(&index) {
                span.content = "☑ ".into();
                span.style = theme.style("step_ok");
            }
            index += 1;
        }
    }
}

fn push_prose(
    rows: &mut Vec<Line<'static>>,
    text: &str,
    span: SourceSpan,
    theme: &Theme,
    width: usize,
) {
    let Some(markdown) = text.get(span.range()) else {
        return;
    };
    if markdown.trim().is_empty() {
        return;
    }
    for line in prose::render(markdown, theme) {
        let indent = continuation_indent(&line);
        rows.extend(wrap(&line, width, &indent));
    }
    if rows.last().is_some_and(|row| row.width() > 0) {
        rows.push(Line::default());
    }
}

/// A list item's text continues under its text, not under its bullet.
fn continuation_indent(line: &Line<'static>) -> String {
    let text = line.to_string();
    let lead = text.len() - text.trim_start().len();
    let rest = &text[lead..];
    let marker = ["- [x] ", "- [ ] ", "• ", "- ", "│ "]
        .iter()
        .find(|marker| rest.starts_with(**marker))
        .map(|marker| marker.width())
        .or_else(|| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            (digits > 0 && rest[digits..].starts_with(". ")).then_some(digits + 2)
        })
        .unwrap_or(0);
    " ".repeat(text[..lead].width() + marker)
}

/// What became of a block, in words and a role.
fn block_status(step: &Step, index: usize, state: &SessionState) -> Option<(String, &'static str)> {
    let running = state
        .running
        .iter()
        .any(|command| command.step == step.id && command.block == index);
    if running {
        return Some(("⟳ running".into(), "step_running"));
    }
    let status = state.status(&step.id)?.blocks.get(&index)?;
    let seconds = status.duration_ms as f64 / 1000.0;
    Some(match status.outcome? {
        Outcome::Ok => (format!("✓ ok in {seconds:.1} s"), "step_ok"),
        Outcome::Skipped => (
            format!(
                "– skipped: {}",
                status
                    .skipped_because
                    .as_deref()
                    .unwrap_or("no reason given")
            ),
            "step_skipped",
        ),
        outcome => {
            let exit = status
                .exit
                .map_or(String::new(), |code| format!(" (exit {code})"));
            (format!("✗ {}{exit}", outcome.word()), "step_failed")
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn block_rows(
    rows: &mut Vec<Line<'static>>,
    step: &Step,
    index: usize,
    block: &Block,
    state: &SessionState,
    waits_here: bool,
    failed_here: bool,
    theme: &Theme,
    width: usize,
) {
    let border = if waits_here {
        theme.style("border_focused")
    } else {
        theme.style("border")
    };
    let kind = match block.kind {
        BlockKind::Command => block
            .interpreter
            .clone()
            .or_else(|| block.lang.clone())
            .unwrap_or_else(|| "sh".into()),
        BlockKind::Output => "expected output".into(),
        BlockKind::Snippet => format!("{} · not run", block.lang.as_deref().unwrap_or("text")),
    };
    let mut head = vec![
        Span::styled(if waits_here { "▶ " } else { "┌ " }, border),
        Span::styled(
            format!("block {} · {kind}", index + 1),
            theme.style("muted"),
        ),
    ];
    if let Some(why) = &block.destructive {
        head.push(Span::styled(
            format!(" · ⚠ destructive: {why}"),
            theme.style("danger"),
        ));
    } else if block.options.danger || block.options.confirm.is_some() {
        head.push(Span::styled(" · ⚠ asks to confirm", theme.style("danger")));
    }
    if let Some(host) = &block.options.host {
        head.push(Span::styled(
            format!(" · on {host}"),
            theme.style("warning"),
        ));
    }
    if let Some((status, role)) = block_status(step, index, state) {
        head.push(Span::styled(format!("  {status}"), theme.style(role)));
    }
    rows.extend(wrap(&Line::from(head), width, "  "));
    let code_style = match block.kind {
        BlockKind::Command => theme.style("code"),
        BlockKind::Output | BlockKind::Snippet => theme.style("muted"),
    };
    let edited = state
        .status(&step.id)
        .and_then(|status| status.blocks.get(&index))
        .and_then(|status| status.edited.clone());
    let shown = edited.as_deref().unwrap_or(block.content.as_str());
    let room = width.saturating_sub(2).max(1);
    for line in shown.trim_end_matches('\n').lines() {
        let row = Line::from(vec![
            Span::styled("│ ", border),
            Span::styled(line.replace('\t', "    "), code_style),
        ]);
        rows.extend(wrap(&row, room + 2, "│   "));
    }
    let rehearsed = state
        .status(&step.id)
        .and_then(|status| status.blocks.get(&index))
        .and_then(|status| status.rehearsed.clone());
    // Before it runs, a drill says what it will do instead of the block.
    let drill = state.mode() == Some(crate::session::Mode::Drill);
    let ran = state
        .status(&step.id)
        .and_then(|status| status.blocks.get(&index))
        .is_some_and(|status| status.outcome.is_some());
    if let (true, false, None, Some(rehearsal)) = (drill, ran, &rehearsed, &block.options.rehearsal)
    {
        let text = match rehearsal {
            crate::runbook::options::Rehearsal::Skip => {
                "in a drill: not run (rehearsal=skip)".to_string()
            }
            crate::runbook::options::Rehearsal::Run(command) => {
                format!("in a drill, runs instead: {command}")
            }
        };
        let line = Line::from(vec![
            Span::styled("│ ", border),
            Span::styled(text, theme.style("warning")),
        ]);
        rows.extend(wrap(&line, width, "│   "));
    }
    if let Some(stand_in) = rehearsed {
        let line = Line::from(vec![
            Span::styled("│ ", border),
            Span::styled(
                format!("(a drill: ran `{stand_in}` in its place)"),
                theme.style("warning"),
            ),
        ]);
        rows.extend(wrap(&line, width, "│   "));
    }
    if edited.is_some() {
        rows.push(Line::from(vec![
            Span::styled("│ ", border),
            Span::styled(
                "(edited before it ran; the journal has both)",
                theme.style("warning"),
            ),
        ]));
    }
    let values: Vec<Span<'static>> = block
        .variables
        .iter()
        .map(|name| {
            let value = match state.variable(name) {
                Some(value) if value.secret => "••••••".to_string(),
                Some(value) => value.text.clone(),
                None => "(not set: asked when it runs)".to_string(),
            };
            Span::styled(format!("${name} = {value}  "), theme.style("muted"))
        })
        .collect();
    if !values.is_empty() {
        let mut row = vec![Span::styled("│ ", border)];
        row.extend(values);
        rows.extend(wrap(&Line::from(row), width, "│ "));
    }
    if failed_here {
        let line = Line::styled(
            "└ failed: Enter retries, e edits and retries, s skips, q stops",
            theme.style("step_failed"),
        );
        rows.extend(wrap(&line, width, "  "));
    } else {
        rows.push(Line::styled("└", border));
    }
    rows.push(Line::default());
}
