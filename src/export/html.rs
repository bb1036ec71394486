//! The HTML page (`--format html`): one self-contained file for the incident report, read
//! offline in any browser and printable. A header (outcome, runbook, operator, times), the
//! timeline as a table (times from the session's start), then the runbook rendered from its
//! Markdown with what happened inserted where it happened: under each step's heading how
//! it went, under each block each command's status and its output in a collapsible
//! `<details>` (open when short), at the end of each step its decision, skip and notes.
//!
//! Self-contained and inert: the CSS is inline, there is no script, and nothing loads from
//! elsewhere: the runbook's images become links, its raw HTML is shown as text (cairn's own
//! `<!-- cairn: … -->` comments are left out), `javascript:` links go nowhere. Every text
//! is escaped. Printing opens every `<details>` (`@media print`).
//!
//! A long output is cut to its last `OUTPUT_LINES` lines and `OUTPUT_BYTES` bytes, with a
//! line saying how much was cut and which git object holds it all.

use std::collections::HashMap;
use std::io::Write;

use pulldown_cmark::{html::push_html, CowStr, Event as Md, Parser, Tag, TagEnd};

use super::{escape_markup as escape, BlockRun, ExportError, Moment, Note, Recorded, Shown, Visit};
use crate::journal::clock;
use crate::runbook::{markdown_options, Block, BlockKind, Step};

/// How much of one output the page shows: its end.
pub const OUTPUT_LINES: usize = 2000;
pub const OUTPUT_BYTES: usize = 256 * 1024;
/// Outputs up to this many lines start open.
pub const OPEN_LINES: usize = 30;

const STYLE: &str = r#"
:root { --ok: #1a7f37; --failed: #cf222e; --muted: #59636e; --line: #d1d9e0; --code: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: #1f2328; max-width: 70rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1, h2, h3 { line-height: 1.25; }
header h1 { margin-bottom: .25rem; }
.outcome { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; color: #fff;
  background: var(--ok); font-weight: 600; }
.outcome.failed { background: var(--failed); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--code); }
td.time { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap;
  text-align: right; }
tr.failed td { background: #ffebe9; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem;
  overflow-x: auto; }
pre.output { background: #0d1117; color: #e6edf3; border-color: #0d1117; }
.transcript { border-top: 2px solid var(--line); margin-top: 2rem; }
.visit { border-radius: 6px; padding: .3rem .7rem; background: #dafbe1; }
.visit.failed { background: #ffebe9; }
.visit.none { background: var(--code); color: var(--muted); font-style: italic; }
.run { border-left: 4px solid var(--ok); padding: .1rem 0 .1rem .8rem; margin: .5rem 0 1.2rem; }
.run.failed { border-color: var(--failed); }
.run.skipped { border-color: var(--line); color: var(--muted); }
.status { font-weight: 600; color: var(--ok); }
.failed > .status, .status.failed { color: var(--failed); }
.cut { color: var(--muted); font-size: 13px; }
details > summary { cursor: pointer; color: var(--muted); }
.decided, .skipped-step { font-weight: 600; }
.note { background: #fff8c5; border-left: 4px solid #d4a72c; padding: .4rem .8rem; margin: .6rem 0; }
.note p { margin: .2rem 0; white-space: pre-wrap; }
.raw-html { color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  tr, .run, .note { break-inside: avoid; }
}
"#;

pub fn write(recorded: &Recorded, out: &mut dyn Write) -> Result<(), ExportError> {
    let file = &recorded.file;
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"cairn export\">\n\
         <title>{} · session {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&file.title),
        escape(&file.id)
    );
    header(recorded, &mut page);
    timeline(recorded, &recorded.timeline(), &mut page);
    page.push_str("<section class=\"transcript\" id=\"transcript\">\n<h2>Transcript</h2>\n");
    page.push_str("<p class=\"cut\">The runbook as it ran, with what happened under each step and block.</p>\n");
    transcript(recorded, &mut page)?;
    page.push_str("</section>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())?;
    Ok(())
}

fn header(recorded: &Recorded, page: &mut String) {
    let file = &recorded.file;
    let word = recorded.outcome_word();
    let class = if word == "completed" { "" } else { " failed" };
    page.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p><span class=\"outcome{class}\">{}</span> session <code>{}</code></p>\n<dl class=\"meta\">\n",
        escape(&file.title),
        escape(word),
        escape(&file.id)
    ));
    for (name, value) in [
        ("Runbook", file.runbook.clone()),
        ("Mode", file.mode.label().to_string()),
        ("Operator", format!("{} on {}", file.operator, file.host)),
        ("Started", clock::timestamp(file.started_ms)),
        ("Duration", recorded.duration_words()),
        ("Journal branch", recorded.branch.clone()),
    ] {
        page.push_str(&format!("<dt>{name}</dt><dd>{}</dd>\n", escape(&value)));
    }
    page.push_str("</dl>\n");
    notes(recorded, &recorded.notes, page);
    page.push_str("</header>\n");
}

fn timeline(recorded: &Recorded, moments: &[Moment], page: &mut String) {
    page.push_str(
        "<section id=\"timeline\">\n<h2>Timeline</h2>\n<table class=\"timeline\">\n\
         <thead><tr><th>Time</th><th>Step</th><th>What happened</th></tr></thead>\n<tbody>\n",
    );
    for moment in moments {
        let class = if moment.failed {
            " class=\"failed\""
        } else {
            ""
        };
        let step = moment
            .step
            .as_deref()
            .map_or(String::new(), |step| escape(recorded.step_title(step)));
        let command = moment.command.as_deref().map_or(String::new(), |command| {
            format!("<code>{}</code> ", escape(command))
        });
        page.push_str(&format!(
            "<tr{class}><td class=\"time\">{}</td><td>{step}</td><td>{command}{}</td></tr>\n",
            recorded.clock(moment.at_ms),
            escape(&moment.what)
        ));
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// HTML to add to the rendered runbook, by offsets in its text.
#[derive(Default)]
struct Additions<'r> {
    /// After a step's heading (by the heading's start): the step and how it went.
    headings: HashMap<usize, (&'r Step, String)>,
    /// After a code block (by its start): what its command block did.
    blocks: HashMap<usize, String>,
    /// Before whatever starts at or after an offset (a step's end): decisions, notes.
    ends: Vec<(usize, String)>,
    /// The offsets of the task-list items that were ticked.
    ticked: Vec<(usize, usize)>,
}

fn transcript(recorded: &Recorded, page: &mut String) -> Result<(), ExportError> {
    let mut additions = Additions::default();
    for step in recorded.runbook.steps.iter() {
        let visits = recorded.labelled_visits(&step.id);
        let status = if step.is_group() {
            String::new()
        } else {
            step_status(recorded, &visits)
        };
        additions
            .headings
            .insert(step.heading.start, (step, status));
        for (index, block) in step.blocks.iter().enumerate() {
            let mut runs = String::new();
            for (label, run) in recorded.runs_of(&step.id, index) {
                block_run(recorded, block, run, label, &mut runs)?;
            }
            if !runs.is_empty() {
                additions.blocks.insert(last_block_start(step, index), runs);
            }
        }
        for (index, check) in step.checks.iter().enumerate() {
            if visits
                .iter()
                .any(|(_, visit)| visit.checks.contains(&index))
            {
                additions.ticked.push((check.span.start, check.span.end));
            }
        }
        let mut after = String::new();
        for (label, visit) in &visits {
            step_end(recorded, visit, label.as_deref(), &mut after);
        }
        if !after.is_empty() {
            additions.ends.push((step.body.end, after));
        }
    }
    additions.ends.sort_by_key(|(at, _)| *at);
    let events = render(recorded, additions);
    push_html(page, events.into_iter());
    Ok(())
}

/// The start of block `index` of `step`, or of the last output block that follows it: the
/// run's results go after that.
fn last_block_start(step: &Step, index: usize) -> usize {
    step.blocks
        .iter()
        .filter(|block| block.kind == BlockKind::Output && block.output_of == Some(index))
        .chain(step.blocks.get(index))
        .max_by_key(|block| block.span.end)
        .map_or(0, |block| block.span.start)
}

/// The runbook's Markdown as events for the HTML writer, with the additions in place and
/// everything that could load, run or inject something made inert.
fn render<'t>(recorded: &'t Recorded, additions: Additions<'_>) -> Vec<Md<'t>> {
    let base = recorded.body_start.min(recorded.text().len());
    let body = &recorded.text()[base..];
    let mut events: Vec<Md<'t>> = Vec::new();
    let mut ends = additions.ends.into_iter().peekable();
    let mut heading: Option<String> = None;
    let mut raw_html: Option<String> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        let start = base + range.start;
        while let Some((_, html)) = ends.next_if(|(at, _)| *at <= start) {
            events.push(Md::Html(html.into()));
        }
        match event {
            Md::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let step = additions.headings.get(&start);
                heading = step.map(|(_, status)| status.clone());
                events.push(Md::Start(Tag::Heading {
                    level,
                    id: step.map_or(id, |(step, _)| Some(step.anchor.clone().into())),
                    classes,
                    attrs,
                }));
            }
            Md::End(TagEnd::Heading(level)) => {
                events.push(Md::End(TagEnd::Heading(level)));
                if let Some(status) = heading.take() {
                    events.push(Md::Html(status.into()));
                }
            }
            Md::End(TagEnd::CodeBlock) => {
                events.push(Md::End(TagEnd::CodeBlock));
                if let Some(runs) = additions.blocks.get(&start) {
                    events.push(Md::Html(runs.clone().into()));
                }
            }
            Md::Start(Tag::HtmlBlock) => raw_html = Some(String::new()),
            Md::Html(html) => match raw_html.as_mut() {
                Some(buffer) => buffer.push_str(&html),
                None => events.push(Md::Text(html)),
            },
            Md::End(TagEnd::HtmlBlock) => {
                let html = raw_html.take().unwrap_or_default();
                if !is_comment(&html) {
                    events.push(Md::Html(
                        format!("<pre class=\"raw-html\">{}</pre>\n", escape(&html)).into(),
                    ));
                }
            }
            Md::InlineHtml(html) => {
                if !is_comment(&html) {
                    events.push(Md::Text(html));
                }
            }
            // An image would load from elsewhere: it becomes a link to it.
            Md::Start(
                Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }
                | Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                },
            ) => events.push(Md::Start(Tag::Link {
                link_type,
                dest_url: inert(dest_url),
                title,
                id,
            })),
            Md::End(TagEnd::Image) => events.push(Md::End(TagEnd::Link)),
            Md::TaskListMarker(checked) => {
                let ticked = additions
                    .ticked
                    .iter()
                    .any(|(from, to)| (*from..*to).contains(&start));
                events.push(Md::TaskListMarker(checked || ticked));
            }
            event => events.push(event),
        }
    }
    for (_, html) in ends {
        events.push(Md::Html(html.into()));
    }
    events
}

fn is_comment(html: &str) -> bool {
    let html = html.trim();
    html.starts_with("<!--") && html.ends_with("-->")
}

/// A link that runs a script goes nowhere instead.
fn inert(url: CowStr<'_>) -> CowStr<'_> {
    let scheme = url.trim_start().to_ascii_lowercase();
    if ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|bad| scheme.starts_with(bad))
    {
        CowStr::Borrowed("#")
    } else {
        url
    }
}

fn step_status(recorded: &Recorded, visits: &[(Option<String>, &Visit)]) -> String {
    if visits.is_empty() {
        return "<p class=\"visit none\">Not reached in this session.</p>\n".to_string();
    }
    let mut status = String::new();
    for (label, visit) in visits {
        let class = if visit.failed() { " failed" } else { "" };
        let label = label
            .as_ref()
            .map_or(String::new(), |label| format!("<strong>{label}:</strong> "));
        let confirmed: String = visit
            .confirmations
            .iter()
            .map(|answer| format!(" · confirmed (<code>{}</code>)", escape(answer)))
            .collect();
        status.push_str(&format!(
            "<p class=\"visit{class}\">{label}{} · entered at {}{confirmed}</p>\n",
            escape(&visit.status()),
            recorded.clock(visit.entered_ms)
        ));
    }
    status
}

fn block_run(
    recorded: &Recorded,
    block: &Block,
    run: &BlockRun,
    label: Option<String>,
    page: &mut String,
) -> Result<(), ExportError> {
    let label = label.map_or(String::new(), |label| format!("{label} · "));
    if let Some(reason) = &run.skipped {
        page.push_str(&format!(
            "<div class=\"run skipped\"><p class=\"status\">{}Not run: {}</p></div>\n",
            escape(&label),
            escape(reason)
        ));
        return Ok(());
    }
    let class = if run.outcome().is_ok() { "" } else { " failed" };
    page.push_str(&format!("<div class=\"run{class}\">\n"));
    if run.edited.is_some() {
        page.push_str("<p><em>Edited before it ran.</em></p>\n");
    }
    for command in &run.commands {
        let shown = recorded.shown(Some(block), command, OUTPUT_LINES, OUTPUT_BYTES)?;
        command_run(&shown, &label, page);
    }
    page.push_str("</div>\n");
    Ok(())
}

fn command_run(shown: &Shown, label: &str, page: &mut String) {
    let class = if shown.ok { "" } else { " failed" };
    let mut line = escape(label);
    if let Some(command) = &shown.command {
        line.push_str(&format!("<code>{}</code> ", escape(command)));
    }
    for context in &shown.context {
        line.push_str(&format!("{} · ", escape(context)));
    }
    line.push_str(&escape(&shown.status));
    page.push_str(&format!(
        "<p class=\"status{class}\">{line} <span class=\"cut\">· at {}</span></p>\n",
        shown.at
    ));
    if let Some(ran_as) = &shown.ran_as {
        page.push_str(&format!(
            "<p>Ran as:</p>\n<pre><code>{}</code></pre>\n",
            escape(ran_as)
        ));
    }
    let Some(output) = &shown.output else {
        return;
    };
    if output.kept.trim().is_empty() {
        page.push_str("<p class=\"cut\">No output.</p>\n");
        return;
    }
    let open = if output.lines <= OPEN_LINES {
        " open"
    } else {
        ""
    };
    page.push_str(&format!(
        "<details{open}><summary>Output · {} line{}</summary>\n",
        output.lines,
        if output.lines == 1 { "" } else { "s" }
    ));
    if let Some((cut, how)) = output.cut_note() {
        page.push_str(&format!(
            "<p class=\"cut\">{} <code>{}</code> in the journal prints it all.</p>\n",
            escape(&cut),
            escape(&how)
        ));
    }
    page.push_str(&format!(
        "<pre class=\"output\">{}</pre>\n</details>\n",
        escape(&output.kept)
    ));
}

fn step_end(recorded: &Recorded, visit: &Visit, label: Option<&str>, page: &mut String) {
    let label = label.map_or(String::new(), |label| format!("{} · ", escape(label)));
    if let Some(decided) = recorded.decided_at(visit) {
        let words = decided.words(escape, |title, anchor| {
            format!("<a href=\"#{}\">{title}</a>", escape(anchor))
        });
        page.push_str(&format!(
            "<p class=\"decided\">{label}Decided: {words}</p>\n"
        ));
    }
    if let Some(reason) = &visit.skipped {
        page.push_str(&format!(
            "<p class=\"skipped-step\">{label}Skipped: {}</p>\n",
            escape(reason)
        ));
    }
    notes(recorded, &visit.notes, page);
}

fn notes(recorded: &Recorded, notes: &[Note], page: &mut String) {
    for note in notes {
        page.push_str(&format!(
            "<aside class=\"note\"><strong>Note</strong> at {}<p>{}</p></aside>\n",
            recorded.clock(note.at_ms),
            escape(&note.text)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_links_are_made_inert() {
        assert_eq!(&*inert("JavaScript:alert(1)".into()), "#");
        assert_eq!(&*inert("#verify".into()), "#verify");
        assert!(is_comment("<!-- cairn: choose -->\n"));
        assert!(!is_comment("<b>x</b>"));
    }
}
