//! Drills on real processes and real journals: rehearsal stand-ins, a replay of a recorded
//! incident that runs nothing, and `cairn test` passing and failing the right runbooks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use serde_json::Value;

mod common;
use common::{cairn_with, Run};

fn cairn(dir: &Path, args: &[&str]) -> Run {
    cairn_with(dir, args, &[])
}

fn kinds(events: &[Value], kind: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|event| event["type"] == kind)
        .cloned()
        .collect()
}

const INCIDENT: &str = r#"# Disk full

## Look

```bash
echo "disk at 97%"
```

## Clean up

```bash {rehearsal="echo would remove old logs"}
touch removed-for-real
echo "removed 12 GB of logs"
```

## Restart

```bash {rehearsal=skip}
touch restarted-for-real
```

## Check again

```bash {on_fail=escalate}
echo "disk at 99%"
exit 1
```

## Done

```bash
echo done
```

## Escalate

<!-- cairn: choose -->
- Page the storage team: [page](#page)
- Give up: [done](#done)

## Page

```bash
touch paged-for-real
echo "paged storage"
```
"#;

#[test]
fn a_drill_runs_stand_ins_skips_what_it_must_and_is_recorded_as_a_drill() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("incident.md"), INCIDENT).unwrap();
    let run = cairn(
        dir.path(),
        &[
            "drill",
            "--auto",
            "incident.md",
            "--journal",
            "journal",
            "--choose",
            "escalate=1",
        ],
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains("would remove old logs"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("drill times:"), "{}", run.stdout);
    assert!(
        !dir.path().join("removed-for-real").exists(),
        "the stand-in ran, not the block"
    );
    assert!(
        !dir.path().join("restarted-for-real").exists(),
        "rehearsal=skip is not run"
    );
    assert!(
        dir.path().join("paged-for-real").exists(),
        "blocks without rehearsal= run"
    );

    let id = Run::session_id(&run);
    let listed = cairn(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
    )
    .json();
    assert_eq!(listed[0]["mode"], "drill");
    let events = common::session_events(&dir.path().join("journal"), &id);
    assert_eq!(events[0]["mode"], "drill");
    let rehearsed = kinds(&events, "rehearsed");
    assert_eq!(rehearsed.len(), 1);
    assert_eq!(rehearsed[0]["text"], "echo would remove old logs");
    let skipped = kinds(&events, "block_skipped");
    assert!(
        skipped.iter().any(|event| event["step"] == "restart"
            && event["reason"].as_str().unwrap().contains("rehearsal=skip")),
        "{skipped:?}"
    );
}

#[test]
fn a_replay_follows_the_recorded_incident_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("incident.md"), INCIDENT).unwrap();
    let live = cairn(
        dir.path(),
        &[
            "run",
            "--auto",
            "incident.md",
            "--journal",
            "journal",
            "--choose",
            "escalate=1",
        ],
    );
    live.expect_code(0);
    let original = Run::session_id(&live);
    for file in ["removed-for-real", "restarted-for-real", "paged-for-real"] {
        let path = dir.path().join(file);
        assert!(path.exists(), "the live walk ran {file}");
        std::fs::remove_file(path).unwrap();
    }

    let drill = cairn(
        dir.path(),
        &[
            "drill",
            "--auto",
            "incident.md",
            "--journal",
            "journal",
            "--replay",
            &original,
        ],
    );
    drill.expect_code(0);
    for file in ["removed-for-real", "restarted-for-real", "paged-for-real"] {
        assert!(
            !dir.path().join(file).exists(),
            "a replay ran a process: {file} exists"
        );
    }
    // The recorded outputs are shown, and the recorded failure sends the walk the same way.
    assert!(
        drill.stdout.contains("removed 12 GB of logs"),
        "{}",
        drill.stdout
    );
    assert!(drill.stdout.contains("paged storage"), "{}", drill.stdout);
    assert!(drill
        .stdout
        .contains(&format!("the drill beside session {original}")));

    let journal = dir.path().join("journal");
    let path = |events: &[Value]| -> Vec<String> {
        kinds(events, "step_entered")
            .iter()
            .map(|event| event["step"].as_str().unwrap().to_string())
            .collect()
    };
    let before = common::session_events(&journal, &original);
    let after = common::session_events(&journal, &Run::session_id(&drill));
    assert_eq!(path(&after), path(&before));
    let exits = |events: &[Value]| -> Vec<Value> {
        kinds(events, "command_finished")
            .iter()
            .map(|event| event["exit"].clone())
            .collect()
    };
    assert_eq!(exits(&after), exits(&before));
    let compared = kinds(&after, "drill_compared");
    assert_eq!(compared.len(), 1);
    assert_eq!(compared[0]["original"], original.as_str());
    let steps = compared[0]["steps"].as_array().unwrap();
    let mut distinct = path(&before);
    distinct.dedup();
    assert_eq!(steps.len(), distinct.len(), "one row per step walked");
    assert!(steps
        .iter()
        .all(|row| row.get("original_ms").is_some() && row.get("drill_ms").is_some()));
}

#[test]
fn a_block_the_recording_never_ran_is_not_made_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("short.md"),
        "# Short\n\n## One\n\n```bash\necho one\n```\n",
    )
    .unwrap();
    let live = cairn(
        dir.path(),
        &["run", "--auto", "short.md", "--journal", "journal"],
    );
    live.expect_code(0);
    let original = Run::session_id(&live);
    // The runbook grew a block since the incident.
    std::fs::write(
        dir.path().join("short.md"),
        "# Short\n\n## One\n\n```bash\necho one\n```\n\n## Two\n\n```bash\ntouch two\n```\n",
    )
    .unwrap();
    let drill = cairn(
        dir.path(),
        &[
            "drill",
            "--auto",
            "short.md",
            "--journal",
            "journal",
            "--replay",
            &original,
        ],
    );
    drill.expect_code(1);
    assert!(
        drill.stdout.contains("not in the recording"),
        "{}",
        drill.stdout
    );
    assert!(!dir.path().join("two").exists());
}

#[test]
fn cairn_test_passes_and_fails_the_right_runbooks() {
    let dir = tempfile::tempdir().unwrap();
    let books = dir.path().join("books");
    std::fs::create_dir(&books).unwrap();
    let write = |name: &str, text: &str| std::fs::write(books.join(name), text).unwrap();
    write(
        "pass.md",
        "# Pass\n\n## Hello\n\n```bash {expect_output=\"hello\"}\necho hello\n```\n",
    );
    write(
        "wrong-output.md",
        "# Wrong output\n\n## Hello\n\n```bash {expect_output=\"goodbye\"}\necho hello\n```\n",
    );
    write(
        "expected-failure.md",
        "# Expected failure\n\n## Fail\n\n```bash\nexit 3\n```\n",
    );
    write(
        "decide.md",
        "# Decide\n\n## Ask\n\n```bash\necho \"region $REGION\"\n```\n\n## Pick\n\n<!-- cairn: choose -->\n- Left: [left](#left)\n- Right: [right](#right)\n\n## Left\n\n```bash\nexit 1\n```\n\n## Right\n\n```bash\necho right\n```\n",
    );
    write(
        "later.md",
        "# Later\n\n## Needs a cluster\n\n```bash\nkubectl get pods\n```\n",
    );
    write(
        "cairn-test.toml",
        "[\"expected-failure.md\"]\nexpect = \"failed\"\n\n[\"decide.md\"]\nparams = { REGION = \"eu\" }\nchoose = { pick = 2 }\n\n[\"later.md\"]\nskip = \"needs a cluster\"\n",
    );
    let run = cairn(
        dir.path(),
        &[
            "test",
            "books",
            "--journal",
            "journal",
            "--junit",
            "results.xml",
        ],
    );
    run.expect_code(1);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with("  "))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("PASS books/pass.md")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("PASS books/expected-failure.md")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("PASS books/decide.md")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("FAIL books/wrong-output.md")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("SKIP books/later.md: needs a cluster")),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some("3 passed, 1 failed, 1 skipped")
    );
    assert!(run.stdout.contains("region eu") || !run.stdout.contains("FAIL books/decide.md"));

    let xml = std::fs::read_to_string(dir.path().join("results.xml")).unwrap();
    assert!(
        xml.contains("tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"1\""),
        "{xml}"
    );
    let failure = xml
        .split("<testcase")
        .find(|case| case.contains("wrong-output.md"))
        .unwrap();
    assert!(failure.contains("<failure message="), "{failure}");
    assert!(
        failure.contains("hello"),
        "the failure carries the output: {failure}"
    );
    let skipped = xml
        .split("<testcase")
        .find(|case| case.contains("later.md"))
        .unwrap();
    assert!(
        skipped.contains("<skipped message=\"needs a cluster\""),
        "{skipped}"
    );
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit.xsd");
    if schema.exists() {
        let status = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&schema)
            .arg(dir.path().join("results.xml"))
            .status()
            .expect("xmllint is needed (.ci/run installs libxml2-utils)");
        assert!(status.success(), "results.xml does not validate:\n{xml}");
    }

    // Each walk is recorded as a drill.
    let listed = cairn(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
    )
    .json();
    let modes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|session| session["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["drill"; 4]);
}

#[test]
fn a_test_without_the_answers_it_needs_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ask.md"),
        "# Ask\n\n## Pick\n\n<!-- cairn: choose -->\n- A: [a](#a)\n- B: [b](#b)\n\n## A\n\nnothing\n\n## B\n\nnothing\n",
    )
    .unwrap();
    let run = cairn(dir.path(), &["test", "ask.md", "--no-journal"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("choose = { pick = N }"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.lines().last(), Some("0 passed, 1 failed"));
}
