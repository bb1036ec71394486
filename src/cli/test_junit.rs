//! `cairn test --junit FILE`: the results as JUnit XML, the format CI dashboards read. One
//! test suite (`cairn test`), one test case per runbook (class: its folder, name: its
//! file); a failed runbook's case carries why it failed and the end of its transcript, a
//! skipped one its reason.

use std::fmt::Write;

use super::test::{Tested, Verdict};
use crate::export::escape_markup as escape;

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub fn render(results: &[Tested]) -> String {
    let count = |wanted: fn(&Verdict) -> bool| {
        results
            .iter()
            .filter(|tested| wanted(&tested.verdict))
            .count()
    };
    let failures = count(|verdict| matches!(verdict, Verdict::Failed(_)));
    let skipped = count(|verdict| matches!(verdict, Verdict::Skipped(_)));
    let time: f64 = results.iter().map(|tested| tested.seconds).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"cairn test\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        results.len()
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"cairn test\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        results.len()
    );
    for tested in results {
        let folder = tested
            .path
            .parent()
            .map(|dir| dir.display().to_string())
            .filter(|dir| !dir.is_empty())
            .unwrap_or_else(|| ".".into());
        let name = tested.runbook.as_ref().map_or_else(
            || tested.path.display().to_string(),
            |runbook| format!("{} ({})", tested.path.display(), runbook.title),
        );
        let _ = write!(
            xml,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&folder),
            escape(&name),
            tested.seconds
        );
        match &tested.verdict {
            Verdict::Passed => xml.push_str("/>\n"),
            Verdict::Skipped(reason) => {
                let _ = writeln!(
                    xml,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(reason)
                );
            }
            Verdict::Failed(why) => {
                let _ = writeln!(
                    xml,
                    ">\n      <failure message=\"{}\" type=\"failed\">{}</failure>\n    </testcase>",
                    escape(why),
                    escape(&tail(&tested.transcript, 60))
                );
            }
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}
