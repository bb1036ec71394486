//! The Markdown transcript (`--format md`): a header, a timeline table, then the runbook
//! exactly as it ran with what happened inserted where it happened: under each step's
//! heading how the step went, under each block what each of its commands printed (in a
//! fenced code block), its exit code and duration, and at the end of each step the notes,
//! the decision taken and any skip. Ticked checks show as `[x]`. GitHub-flavoured: it reads
//! on GitHub as an ordinary document, and its anchors are the runbook's own.
//!
//! Outputs are the journal's text (escape sequences removed). A long one is cut to its
//! last `OUTPUT_LINES` lines and `OUTPUT_BYTES` bytes, where an error usually is; a line
//! under it says how much was cut and names the git object that holds it all.

use std::io::Write;

use super::{BlockRun, ExportError, Moment, Note, Recorded, Shown, Visit};
use crate::runbook::{Block, BlockKind, Fence, Step};

/// How much of one output the transcript shows: its end.
pub const OUTPUT_LINES: usize = 200;
pub const OUTPUT_BYTES: usize = 32 * 1024;

pub fn write(recorded: &Recorded, out: &mut dyn Write) -> Result<(), ExportError> {
    let mut doc = String::new();
    header(recorded, &mut doc);
    timeline(&recorded.timeline(), recorded, &mut doc);
    doc.push_str(
        "---\n\n_The runbook as it ran, with what happened under each step and block._\n\n",
    );
    transcript(recorded, &mut doc)?;
    out.write_all(doc.as_bytes())?;
    Ok(())
}

fn header(recorded: &Recorded, doc: &mut String) {
    let file = &recorded.file;
    doc.push_str(&format!(
        "# {} · session {}\n\n",
        escape(&file.title),
        escape(&file.id)
    ));
    let mark = if recorded.outcome_word() == "completed" {
        "✓"
    } else {
        "✗"
    };
    let rows = [
        ("Outcome", format!("{mark} {}", recorded.outcome_word())),
        ("Runbook", code(&file.runbook)),
        ("Mode", file.mode.label().to_string()),
        (
            "Operator",
            format!("{} on {}", escape(&file.operator), escape(&file.host)),
        ),
        (
            "Started",
            format!("{}, ran {}", file.started, recorded.duration_words()),
        ),
        ("Journal branch", code(&recorded.branch)),
    ];
    for (name, value) in rows {
        doc.push_str(&format!("- **{name}:** {value}\n"));
    }
    doc.push('\n');
    notes(recorded, &recorded.notes, doc);
}

fn timeline(moments: &[Moment], recorded: &Recorded, doc: &mut String) {
    doc.push_str("## Timeline\n\n| Time | Step | What |\n| ---: | --- | --- |\n");
    for moment in moments {
        let step = moment
            .step
            .as_deref()
            .map_or(String::new(), |step| escape(recorded.step_title(step)));
        let mut what = match &moment.command {
            Some(command) => format!("{} ", code(command)),
            None => String::new(),
        };
        if moment.failed {
            what.push_str(&format!("**{}**", escape(&moment.what)));
        } else {
            what.push_str(&escape(&moment.what));
        }
        doc.push_str(&format!(
            "| {} | {} | {} |\n",
            recorded.clock(moment.at_ms),
            cell(&step),
            cell(&what)
        ));
    }
    doc.push('\n');
}

/// One change to the runbook's text: `text` in place of `start..end` (an insertion when
/// they are equal).
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

fn transcript(recorded: &Recorded, doc: &mut String) -> Result<(), ExportError> {
    let source = recorded.text();
    let mut edits = Vec::new();
    for step in recorded
        .runbook
        .steps
        .iter()
        .filter(|step| !step.is_group())
    {
        let visits = recorded.labelled_visits(&step.id);
        edits.push(insertion(
            source,
            line_end(source, step.heading.end),
            &prefix(source, step.heading.start, false),
            &step_status(recorded, &visits),
        ));
        for (index, block) in step.blocks.iter().enumerate() {
            let mut runs = String::new();
            for (label, run) in recorded.runs_of(&step.id, index) {
                block_run(recorded, Some(block), run, label, &mut runs)?;
            }
            if !runs.is_empty() {
                edits.push(insertion(
                    source,
                    line_end(source, block_end(step, index)),
                    &prefix(source, block.span.start, block.fence == Fence::Indented),
                    &runs,
                ));
            }
        }
        edits.extend(ticked_checks(source, step, &visits));
        let mut after = String::new();
        for (label, visit) in &visits {
            step_end(recorded, visit, label.clone(), &mut after);
        }
        if !after.is_empty() {
            edits.push(insertion(source, step.body.end, "", &after));
        }
    }
    edits.sort_by_key(|edit| edit.start);
    let body_start = recorded.body_start.min(source.len());
    let mut cursor = body_start
        + (source.len() - body_start - source[body_start..].trim_start_matches('\n').len());
    for edit in edits {
        if edit.start < cursor || edit.end > source.len() {
            continue;
        }
        doc.push_str(&source[cursor..edit.start]);
        doc.push_str(&edit.text);
        cursor = edit.end;
    }
    doc.push_str(&source[cursor..]);
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    unknown_steps(recorded, doc)
}

/// Visits to steps the runbook does not have (a session resumed on a changed runbook).
fn unknown_steps(recorded: &Recorded, doc: &mut String) -> Result<(), ExportError> {
    let mut heading = false;
    for visit in recorded
        .visits
        .iter()
        .filter(|visit| recorded.step(&visit.step).is_none())
    {
        if !heading {
            doc.push_str("\n## Steps this runbook does not have\n\n");
            heading = true;
        }
        doc.push_str(&format!(
            "### {}\n\n> {}\n\n",
            escape(&visit.step),
            escape(&visit.status())
        ));
        for run in &visit.blocks {
            block_run(
                recorded,
                None,
                run,
                Some(format!("Block {}", run.block + 1)),
                doc,
            )?;
        }
        step_end(recorded, visit, None, doc);
    }
    Ok(())
}

/// The end of block `index` of `step`, or of the output blocks that follow it.
fn block_end(step: &Step, index: usize) -> usize {
    step.blocks
        .iter()
        .filter(|block| block.kind == BlockKind::Output && block.output_of == Some(index))
        .map(|block| block.span.end)
        .chain(step.blocks.get(index).map(|block| block.span.end))
        .max()
        .unwrap_or(step.body.end)
}

fn step_status(recorded: &Recorded, visits: &[(Option<String>, &Visit)]) -> String {
    if visits.is_empty() {
        return "> _Not reached in this session._\n".to_string();
    }
    let mut status = String::new();
    for (label, visit) in visits {
        if !status.is_empty() {
            status.push_str(">\n");
        }
        let label = label
            .as_ref()
            .map_or(String::new(), |label| format!("**{label}:** "));
        status.push_str(&format!(
            "> {label}{} · entered at {}",
            escape(&visit.status()),
            recorded.clock(visit.entered_ms)
        ));
        for answer in &visit.confirmations {
            status.push_str(&format!(" · confirmed ({})", code(answer)));
        }
        status.push('\n');
    }
    status
}

/// One block's run: each command's status and output, or why it did not run.
fn block_run(
    recorded: &Recorded,
    block: Option<&Block>,
    run: &BlockRun,
    label: Option<String>,
    doc: &mut String,
) -> Result<(), ExportError> {
    let label = label.map_or(String::new(), |label| format!("**{label}** · "));
    if let Some(reason) = &run.skipped {
        doc.push_str(&format!("{label}**Not run:** {}\n\n", escape(reason)));
        return Ok(());
    }
    if run.edited.is_some() {
        doc.push_str(&format!("{label}_Edited before it ran._\n\n"));
    }
    for command in &run.commands {
        let shown = recorded.shown(block, command, OUTPUT_LINES, OUTPUT_BYTES)?;
        command_run(&shown, &label, doc);
    }
    Ok(())
}

fn command_run(shown: &Shown, label: &str, doc: &mut String) {
    let mut line = label.to_string();
    if let Some(command) = &shown.command {
        line.push_str(&format!("{} ", code(command)));
    }
    for context in &shown.context {
        line.push_str(&format!("{} · ", escape(context)));
    }
    let status = escape(&shown.status);
    if shown.ok {
        line.push_str(&status);
    } else {
        line.push_str(&format!("**{status}**"));
    }
    doc.push_str(&format!("{line} · at {}\n\n", shown.at));
    if let Some(ran_as) = &shown.ran_as {
        doc.push_str("Ran as:\n\n");
        doc.push_str(&fenced(ran_as, "sh"));
    }
    let Some(output) = &shown.output else {
        return;
    };
    if output.kept.trim().is_empty() {
        doc.push_str("_No output._\n\n");
        return;
    }
    if let Some((cut, how)) = output.cut_note() {
        doc.push_str(&format!(
            "_{} {} in the journal prints it all._\n\n",
            escape(&cut),
            code(&how)
        ));
    }
    doc.push_str(&fenced(&output.kept, "text"));
}

/// `[ ]` made `[x]` for the checks a visit ticked.
fn ticked_checks(source: &str, step: &Step, visits: &[(Option<String>, &Visit)]) -> Vec<Edit> {
    step.checks
        .iter()
        .enumerate()
        .filter(|(index, _)| visits.iter().any(|(_, visit)| visit.checks.contains(index)))
        .filter_map(|(_, check)| {
            let item = source.get(check.span.range())?;
            let at = check.span.start + item.find("[ ]")?;
            Some(Edit {
                start: at,
                end: at + 3,
                text: "[x]".to_string(),
            })
        })
        .collect()
}

/// What closes a visit: the decision taken, a skip, its notes.
fn step_end(recorded: &Recorded, visit: &Visit, label: Option<String>, doc: &mut String) {
    let label = label.map_or(String::new(), |label| format!("**{label}** · "));
    if let Some(decided) = recorded.decided_at(visit) {
        let words = decided.words(escape, |title, anchor| format!("[{title}](#{anchor})"));
        doc.push_str(&format!("{label}**Decided:** {words}\n\n"));
    }
    if let Some(reason) = &visit.skipped {
        doc.push_str(&format!("{label}**Skipped:** {}\n\n", escape(reason)));
    }
    notes(recorded, &visit.notes, doc);
}

fn notes(recorded: &Recorded, notes: &[Note], doc: &mut String) {
    for note in notes {
        doc.push_str(&format!("> **Note** at {}:\n", recorded.clock(note.at_ms)));
        for line in note.text.lines() {
            doc.push_str(&format!("> {}\n", escape(line)));
        }
        doc.push('\n');
    }
}

/// Where a line-based insertion can go at or after `at`: the start of the next line.
fn line_end(source: &str, at: usize) -> usize {
    let at = at.min(source.len());
    if at == 0 || source[..at].ends_with('\n') {
        return at;
    }
    source[at..]
        .find('\n')
        .map_or(source.len(), |newline| at + newline + 1)
}

/// What stands before `at` on its line, as the lines inserted there must repeat it to stay
/// in the same list item or quote: `>` kept, anything else (list markers, indentation) as
/// spaces. An indented code block's own four spaces are not part of it.
fn prefix(source: &str, at: usize, indented_code: bool) -> String {
    let at = at.min(source.len());
    let line_start = source[..at].rfind('\n').map_or(0, |newline| newline + 1);
    let mut prefix: String = source
        .get(line_start..at)
        .unwrap_or_default()
        .chars()
        .map(|c| if c == '>' { '>' } else { ' ' })
        .collect();
    if indented_code {
        let keep = prefix.len().saturating_sub(4);
        prefix.truncate(keep);
    }
    prefix
}

/// `content` as lines to insert at `at` (a line start), each behind `prefix`, set apart by
/// blank lines.
fn insertion(source: &str, at: usize, prefix: &str, content: &str) -> Edit {
    let blank = prefix.trim_end();
    let before = &source[..at];
    let mut text = String::new();
    if at > 0 && !before.ends_with('\n') {
        text.push('\n');
    }
    if !before.ends_with("\n\n") {
        text.push_str(blank);
        text.push('\n');
    }
    for line in content.trim_end_matches('\n').lines() {
        if line.is_empty() {
            text.push_str(blank);
        } else {
            text.push_str(prefix);
            text.push_str(line);
        }
        text.push('\n');
    }
    if !source[at..].starts_with('\n') {
        text.push_str(blank);
        text.push('\n');
    }
    Edit {
        start: at,
        end: at,
        text,
    }
}

/// `text` in a fenced code block whose fence is longer than any run of backticks in it.
pub fn fenced(text: &str, info: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{text}{newline}{fence}\n\n")
}

/// `text` as an inline code span (delimiters longer than any backtick run inside).
fn code(text: &str) -> String {
    let text = text.replace('\n', " ");
    let delimiter = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{delimiter}{pad}{text}{pad}{delimiter}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default()
}

/// Plain text that Markdown must not read as markup: ASCII punctuation that could start
/// markup is backslash-escaped (CommonMark allows it before any ASCII punctuation).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '&' | '!' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A table cell: pipes (even in code spans) escaped for GFM, on one line.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escaped = false;
    for c in text.chars() {
        match c {
            '|' if !escaped => out.push_str("\\|"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_inside() {
        assert_eq!(fenced("a\n", "text"), "```text\na\n```\n\n");
        assert_eq!(fenced("```\nx", "text"), "````text\n```\nx\n````\n\n");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn markup_in_text_stays_text() {
        assert_eq!(escape("*a* <b> | c_d"), "\\*a\\* \\<b\\> \\| c\\_d");
        assert_eq!(cell("`a|b` \\| c"), "`a\\|b` \\| c");
    }

    #[test]
    fn insertions_stay_inside_their_list_item_or_quote() {
        let source = "- ```bash\n  echo\n  ```\n> ```sh\n> x\n> ```\n";
        assert_eq!(prefix(source, 2, false), "  ");
        let quoted = source.find("> ```sh").unwrap_or_default() + 2;
        assert_eq!(prefix(source, quoted, false), "> ");
        let edit = insertion(source, source.len(), "> ", "one\n\ntwo\n");
        assert_eq!(edit.text, ">\n> one\n>\n> two\n>\n");
        let edit = insertion("a\n\n\nb", 3, "", "one\n");
        assert_eq!(edit.text, "one\n");
        assert_eq!(line_end("ab\ncd", 1), 3);
        assert_eq!(line_end("ab\ncd", 4), 5);
    }
}
