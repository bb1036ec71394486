//! JUnit XML (`--format junit`), for CI dashboards: a walk as a test run. One `<testsuite>`
//! (the runbook) in `<testsuites>`, one `<testcase>` per block that ran or was skipped, in
//! walk order: `classname` is the step's id, `name` is `block N: ` and the command's first
//! line (` (visit 2)` when the walk came back to the step), `time` its commands' run time.
//! A failed or timed-out block carries `<failure>`, one that could not run or was
//! interrupted `<error>`, one not run `<skipped>`; the end of the output (its last
//! `OUTPUT_LINES` lines) goes inside a failure or error, else into `<system-out>`. It
//! validates against the Ant / Jenkins JUnit schema (`tests/fixtures/junit.xsd`).
//!
//! XML 1.0 cannot hold most control characters: they become U+FFFD. Output goes in CDATA
//! sections, a `]]>` inside split across two.

use std::io::Write;

use super::{escape_markup as attribute, tail, xml_char, BlockRun, ExportError, Recorded, Visit};
use crate::journal::clock;
use crate::session::Outcome;

/// How much of a block's output a test case keeps: its end.
pub const OUTPUT_LINES: usize = 50;
pub const OUTPUT_BYTES: usize = 16 * 1024;

/// How a test case came out.
enum Verdict {
    Passed,
    Failed,
    Error,
    Skipped,
}

struct Case {
    classname: String,
    name: String,
    time_ms: u64,
    verdict: Verdict,
    /// The outcome as the journal writes it (`failed`, `timeout`).
    kind: String,
    message: String,
    output: String,
}

pub fn write(recorded: &Recorded, out: &mut dyn Write) -> Result<(), ExportError> {
    let mut cases = Vec::new();
    for visit in &recorded.visits {
        let number = recorded
            .visits_of(&visit.step)
            .position(|other| std::ptr::eq(other, visit))
            .unwrap_or_default();
        for run in &visit.blocks {
            cases.push(case(recorded, visit, number, run)?);
        }
    }
    let count =
        |wanted: fn(&Verdict) -> bool| cases.iter().filter(|case| wanted(&case.verdict)).count();
    let failures = count(|verdict| matches!(verdict, Verdict::Failed));
    let errors = count(|verdict| matches!(verdict, Verdict::Error));
    let skipped = count(|verdict| matches!(verdict, Verdict::Skipped));
    let time = seconds(cases.iter().map(|case| case.time_ms).sum());
    let file = &recorded.file;
    let tests = cases.len();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"cairn\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time}\">\n"
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time}\" timestamp=\"{}\" hostname=\"{}\" id=\"0\" package=\"{}\">\n",
        attribute(&file.title),
        clock::timestamp(file.started_ms),
        attribute(&file.host),
        attribute(&file.runbook),
    ));
    xml.push_str("    <properties>\n");
    for (name, value) in [
        ("cairn.session", file.id.as_str()),
        ("cairn.runbook", file.runbook.as_str()),
        ("cairn.operator", file.operator.as_str()),
        ("cairn.mode", file.mode.label()),
        ("cairn.outcome", recorded.outcome_word()),
        ("cairn.branch", recorded.branch.as_str()),
    ] {
        xml.push_str(&format!(
            "      <property name=\"{name}\" value=\"{}\"/>\n",
            attribute(value)
        ));
    }
    xml.push_str("    </properties>\n");
    for case in &cases {
        testcase(case, &mut xml);
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(xml.as_bytes())?;
    Ok(())
}

fn case(
    recorded: &Recorded,
    visit: &Visit,
    number: usize,
    run: &BlockRun,
) -> Result<Case, ExportError> {
    let written = recorded
        .step(&visit.step)
        .and_then(|step| step.blocks.get(run.block))
        .and_then(|block| block.commands.first())
        .map(String::as_str);
    let command = run
        .commands
        .first()
        .map(|command| command.text.as_str())
        .or(written)
        .unwrap_or_default();
    let mut name = format!(
        "block {}: {}",
        run.block + 1,
        super::first_line(command, 80)
    );
    if number > 0 {
        name.push_str(&format!(" (visit {})", number + 1));
    }
    let outcome = run.outcome();
    let verdict = match outcome {
        Outcome::Ok => Verdict::Passed,
        Outcome::Skipped => Verdict::Skipped,
        Outcome::Failed | Outcome::Timeout => Verdict::Failed,
        Outcome::Error | Outcome::Interrupted => Verdict::Error,
    };
    let last = run.commands.iter().rev().find(|command| !command.ok());
    let message = match (&run.skipped, last) {
        (Some(reason), _) => reason.clone(),
        (None, Some(command)) => command.status(),
        (None, None) => outcome.word().to_string(),
    };
    let mut output = String::new();
    for command in &run.commands {
        for (index, line) in command.text.lines().enumerate() {
            let lead = if index == 0 { "$ " } else { "> " };
            output.push_str(&format!("{lead}{line}\n"));
        }
        if let Some(finished) = &command.finished {
            output.push_str(&recorded.output_text(finished)?);
            if !output.ends_with('\n') {
                output.push('\n');
            }
            output.push_str(&format!("{}\n", finished.status()));
        }
    }
    let kept = tail(&output, OUTPUT_LINES, OUTPUT_BYTES);
    let output = match kept.note() {
        Some(note) => format!("[{note}]\n{}", kept.kept),
        None => kept.kept.to_string(),
    };
    Ok(Case {
        classname: visit.step.clone(),
        name,
        time_ms: run.duration_ms(),
        verdict,
        kind: serde_json::to_value(outcome)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default(),
        message,
        output,
    })
}

fn testcase(case: &Case, xml: &mut String) {
    xml.push_str(&format!(
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\">\n",
        attribute(&case.classname),
        attribute(&case.name),
        seconds(case.time_ms)
    ));
    let message = attribute(&case.message);
    let kind = attribute(&case.kind);
    match case.verdict {
        Verdict::Passed => {}
        Verdict::Skipped => {
            xml.push_str(&format!("      <skipped message=\"{message}\"/>\n"));
        }
        Verdict::Failed | Verdict::Error => {
            let element = if matches!(case.verdict, Verdict::Failed) {
                "failure"
            } else {
                "error"
            };
            xml.push_str(&format!(
                "      <{element} message=\"{message}\" type=\"{kind}\">{}</{element}>\n",
                cdata(&case.output)
            ));
        }
    }
    if matches!(case.verdict, Verdict::Passed) && !case.output.is_empty() {
        xml.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            cdata(&case.output)
        ));
    }
    xml.push_str("    </testcase>\n");
}

/// `0.012`: seconds, as JUnit's `time` attributes want them.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Text in CDATA sections: `]]>` split across two, characters XML cannot hold replaced.
fn cdata(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if xml_char(c) { c } else { '\u{fffd}' })
        .collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_xml_cannot_hold_is_made_safe() {
        assert_eq!(
            cdata("a]]>b\u{1b}[0m"),
            "<![CDATA[a]]]]><![CDATA[>b\u{fffd}[0m]]>"
        );
        assert_eq!(seconds(12), "0.012");
        assert_eq!(seconds(61_500), "61.500");
    }
}
