//! Snapshots of what `cairn show` prints for the project's example runbook and a graph
//! fixture: the outline a person reads and the JSON that scripts rely on (FORMAT.md §7).
//! A change to either output shows up here as a reviewable diff (`cargo insta review`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;

fn show(args: &[&str]) -> String {
    let output = Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn outline_of_the_getting_started_runbook() {
    insta::assert_snapshot!(show(&["show", "runbooks/getting-started.md"]));
}

#[test]
fn outline_of_a_graph_with_groups_decisions_and_problems() {
    insta::assert_snapshot!(show(&["show", "tests/fixtures/format/graph.md"]));
}

#[test]
fn json_of_a_graph_with_groups_decisions_and_problems() {
    let json: serde_json::Value = serde_json::from_str(&show(&[
        "show",
        "--format",
        "json",
        "tests/fixtures/format/graph.md",
    ]))
    .unwrap();
    insta::assert_json_snapshot!(json);
}
