//! `cairn stats` on a real journal of several runbooks, operators and modes: its figures
//! against those the test works out from what it ran and from `cairn log`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

mod common;
use common::cairn_with;

fn walk(dir: &Path, command: &str, runbook: &str, operator: &str, extra: &[&str]) -> i32 {
    let mut args = vec![command, "--auto", runbook, "--journal", "journal"];
    args.extend_from_slice(extra);
    cairn_with(dir, &args, &[("USER", operator), ("LOGNAME", operator)]).code
}

#[test]
fn stats_give_the_figures_a_person_would_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("disk.md"),
        "# Disk\n\n## Look\n\n```bash\necho look\n```\n\n## Free\n\n```bash\ntest -f fixed\n```\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cert.md"),
        "---\nreview_every: 30d\n---\n# Cert\n\n## Check\n\n```bash\necho ok\n```\n",
    )
    .unwrap();
    // disk.md: ana live (fails at free), bo drill (fails at free), ana drill (passes),
    // ana live (passes). cert.md: cy live only.
    assert_eq!(walk(dir.path(), "run", "disk.md", "ana", &[]), 1);
    assert_eq!(walk(dir.path(), "drill", "disk.md", "bo", &[]), 1);
    std::fs::write(dir.path().join("fixed"), "").unwrap();
    assert_eq!(walk(dir.path(), "drill", "disk.md", "ana", &[]), 0);
    assert_eq!(walk(dir.path(), "run", "disk.md", "ana", &[]), 0);
    assert_eq!(walk(dir.path(), "run", "cert.md", "cy", &[]), 0);

    let log = cairn_with(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
        &[],
    )
    .json();
    let sessions = log.as_array().unwrap();
    let of = |runbook: &str| -> Vec<&Value> {
        sessions
            .iter()
            .filter(|session| session["runbook"] == runbook)
            .collect()
    };
    let stats = cairn_with(
        dir.path(),
        &["stats", "--journal", "journal", "--format", "json"],
        &[],
    );
    stats.expect_code(0);
    let stats = stats.json();
    let by_runbook: BTreeMap<String, &Value> = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["runbook"].as_str().unwrap().to_string(), entry))
        .collect();
    assert_eq!(by_runbook.len(), 2);

    let disk = by_runbook["disk.md"];
    let disk_sessions = of("disk.md");
    assert_eq!(disk["sessions"], disk_sessions.len());
    assert_eq!(disk["live"], 2);
    assert_eq!(disk["drills"], 2);
    let operators: BTreeSet<&str> = disk_sessions
        .iter()
        .map(|s| s["operator"].as_str().unwrap())
        .collect();
    assert_eq!(operators, BTreeSet::from(["ana", "bo"]));
    assert_eq!(disk["operators"], serde_json::json!(["ana", "bo"]));
    let newest = |mode: &str, outcome: Option<&str>| {
        disk_sessions
            .iter()
            .filter(|s| s["mode"] == mode && outcome.is_none_or(|outcome| s["outcome"] == outcome))
            .map(|s| s["started_ms"].as_u64().unwrap())
            .max()
    };
    assert_eq!(disk["last_live_ms"].as_u64(), newest("live", None));
    assert_eq!(
        disk["last_successful_drill_ms"].as_u64(),
        newest("drill", Some("completed"))
    );
    let mut completed: Vec<u64> = disk_sessions
        .iter()
        .filter(|s| s["outcome"] == "completed")
        .map(|s| s["duration_ms"].as_u64().unwrap())
        .collect();
    completed.sort_unstable();
    assert_eq!(completed.len(), 2);
    assert_eq!(
        disk["median_ms"].as_u64(),
        Some((completed[0] + completed[1]) / 2)
    );
    assert_eq!(disk["fails_most"], serde_json::json!(["free", 2]));
    assert!(disk["stale"].is_null(), "drilled just now: {disk}");
    assert_eq!(disk["review_every_days"], 90);

    let cert = by_runbook["cert.md"];
    assert_eq!(
        (
            cert["sessions"].as_u64(),
            cert["live"].as_u64(),
            cert["drills"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(cert["review_every_days"], 30);
    assert_eq!(cert["stale"], "never drilled successfully");

    let text = cairn_with(dir.path(), &["stats", "--journal", "journal"], &[]);
    assert!(
        text.stdout
            .contains("STALE cert.md: never drilled successfully"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("BUS FACTOR 1 cert.md: only cy"),
        "{}",
        text.stdout
    );
}
