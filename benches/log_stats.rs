//! `cairn log` and `cairn stats` on a journal of 10,000 sessions: each must answer in under
//! 300 ms. The same-run baseline is `git for-each-ref` over the same session branches (what
//! any listing must at least pay: reading the refs), so the report says how much cairn adds.
//!
//! Measured in three states: as written (one loose ref and loose objects per session, no
//! cache: the worst case, which cairn's `git gc --auto` after each session avoids), after
//! `git gc` with the summary cache cold (the first listing), and warm (every later one).
//!
//! The journal is built with git2 in the journal's own layout (`journal::layout`: branch
//! names, event paths; `SessionFile` as session.json; real `Stamped` events): 12 runbooks,
//! 9 operators, live and drill sessions, one in ten failed, six events each, every session
//! on its own branch. Writing it through `SessionWriter` would sync every event to disk
//! (60,000 syncs) and measure the disk, not the listing.
//!
//! Run with `cargo bench --bench log_stats`; `CAIRN_BENCH_SESSIONS` sets the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cairn::journal::{layout, SessionFile};
use cairn::session::{CommandRef, Event, Mode, Outcome, SessionInfo, SessionOutcome, Stamped};
use git2::{Repository, Signature};

const START_MS: u64 = 1_790_000_000_000;

fn events(
    id: &str,
    runbook: &str,
    mode: Mode,
    operator: &str,
    failed: bool,
    start: u64,
) -> Vec<Stamped> {
    let at = CommandRef {
        step: "free-space".into(),
        block: 0,
        command: 0,
        attempt: 1,
    };
    let outcome = if failed { Outcome::Failed } else { Outcome::Ok };
    let list = vec![
        Event::SessionStarted(SessionInfo {
            id: id.into(),
            runbook: runbook.into(),
            title: runbook.trim_end_matches(".md").into(),
            mode,
            operator: operator.into(),
            host: "bench".into(),
        }),
        Event::StepEntered {
            step: "free-space".into(),
        },
        Event::CommandStarted {
            at: at.clone(),
            text: "df -h /var".into(),
            cwd: "/".into(),
            host: None,
        },
        Event::CommandFinished {
            at,
            outcome,
            exit: Some(if failed { 1 } else { 0 }),
            signal: None,
            duration_ms: 120,
            output_bytes: 0,
            reason: None,
            output: None,
        },
        Event::StepFinished {
            step: "free-space".into(),
            outcome,
        },
        Event::SessionEnded {
            outcome: if failed {
                SessionOutcome::Failed
            } else {
                SessionOutcome::Completed
            },
        },
    ];
    list.into_iter()
        .enumerate()
        .map(|(index, event)| Stamped {
            seq: index as u64 + 1,
            at_ms: start + index as u64 * 30_000,
            event,
        })
        .collect()
}

/// A tree holding `files` (slash-separated paths), built bottom-up.
fn tree(repo: &Repository, files: &[(String, git2::Oid)]) -> git2::Oid {
    let mut builder = repo.treebuilder(None).unwrap();
    let mut folders: std::collections::BTreeMap<String, Vec<(String, git2::Oid)>> =
        std::collections::BTreeMap::new();
    for (path, blob) in files {
        match path.split_once('/') {
            Some((folder, rest)) => folders
                .entry(folder.to_string())
                .or_default()
                .push((rest.to_string(), *blob)),
            None => {
                builder.insert(path, *blob, 0o100644).unwrap();
            }
        }
    }
    for (folder, inner) in folders {
        let id = tree(repo, &inner);
        builder.insert(&folder, id, 0o040000).unwrap();
    }
    builder.write().unwrap()
}

fn build(journal: &Path, sessions: usize) {
    cairn::journal::Journal::open(journal).unwrap();
    let repo = Repository::open_bare(journal).unwrap();
    let signature = Signature::now("bench", "bench@cairn.invalid").unwrap();
    let runbooks: Vec<(String, git2::Oid)> = (0..12)
        .map(|n| {
            let name = format!("runbooks/incident-{n:02}.md");
            let text = format!("# Incident {n}\n\n## Free space\n\n```bash\ndf -h /var\n```\n");
            (name, repo.blob(text.as_bytes()).unwrap())
        })
        .collect();
    for index in 0..sessions {
        let id = format!("{:08x}", 0x1000_0000 + index);
        let (runbook, runbook_blob) = &runbooks[index % runbooks.len()];
        let mode = if index % 3 == 0 {
            Mode::Drill
        } else {
            Mode::Live
        };
        let operator = format!("operator-{}", index % 9);
        let start = START_MS + index as u64 * 600_000;
        let file = SessionFile {
            id: id.clone(),
            runbook: runbook.clone(),
            title: runbook.trim_end_matches(".md").into(),
            runbook_hash: runbook_blob.to_string(),
            operator: operator.clone(),
            host: "bench".into(),
            mode,
            started: cairn::journal::clock::timestamp(start),
            started_ms: start,
            branch: String::new(),
        };
        let mut files = vec![
            (
                "session.json".to_string(),
                repo.blob(&serde_json::to_vec(&file).unwrap()).unwrap(),
            ),
            ("runbook.md".to_string(), *runbook_blob),
        ];
        for stamped in events(&id, runbook, mode, &operator, index % 10 == 0, start) {
            let blob = repo.blob(&serde_json::to_vec(&stamped).unwrap()).unwrap();
            files.push((layout::event_path(stamped.seq), blob));
        }
        let root = repo.find_tree(tree(&repo, &files)).unwrap();
        let branch = layout::branch(&cairn::journal::clock::date(start), &file.title, &id);
        repo.commit(
            Some(&format!("refs/heads/{branch}")),
            &signature,
            &signature,
            "End session",
            &root,
            &[],
        )
        .unwrap();
    }
}

/// The median wall time of `runs` runs of `command`.
fn time(runs: usize, mut command: impl FnMut() -> Command) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let status = command()
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let sessions: usize = std::env::var("CAIRN_BENCH_SESSIONS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let started = Instant::now();
    build(&journal, sessions);
    println!(
        "== cairn log / cairn stats on a journal of {sessions} sessions (built in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    // Measured twice: as written (a loose ref and loose objects per session), and after
    // `git gc` packed refs and objects, as a maintained journal is.
    let cache = journal.join("cairn-summaries.json");
    measure(
        dir.path(),
        &journal,
        "as written (loose refs and objects), no summary cache",
        Some(&cache),
    );
    let status = Command::new("git")
        .arg("-C")
        .arg(&journal)
        .args(["gc", "--quiet"])
        .status()
        .unwrap();
    assert!(status.success());
    measure(
        dir.path(),
        &journal,
        "packed (git gc), no summary cache",
        Some(&cache),
    );
    measure(
        dir.path(),
        &journal,
        "packed (git gc), summary cache warm",
        None,
    );
}

/// Times the listings; with `cold`, that cache file is removed before every run.
fn measure(dir: &Path, journal: &Path, state: &str, cold: Option<&Path>) {
    println!("-- {state}");
    let forget = || {
        if let Some(cache) = cold {
            let _ = std::fs::remove_file(cache);
        }
    };
    let cairn = env!("CARGO_BIN_EXE_cairn");
    let cairn_command = |args: &[&str]| {
        forget();
        let mut command = Command::new(cairn);
        command
            .args(args)
            .arg("--journal")
            .arg(journal)
            .env("XDG_CONFIG_HOME", dir.join("config"));
        command
    };
    let runs = 7;
    // Warm the page cache once, so every case reads from memory alike.
    time(1, || cairn_command(&["log", "--format", "json"]));
    let baseline = time(runs, || {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(journal)
            .args(["for-each-ref", "refs/heads/sessions"]);
        command
    });
    let log_text = time(runs, || cairn_command(&["log"]));
    let log_json = time(runs, || cairn_command(&["log", "--format", "json"]));
    let stats = time(runs, || cairn_command(&["stats", "--format", "json"]));
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!("medians of {runs} runs, each a fresh process:");
    println!("  git for-each-ref (baseline)  {:>8.1} ms", ms(baseline));
    for (name, took) in [
        ("cairn log", log_text),
        ("cairn log --format json", log_json),
        ("cairn stats --format json", stats),
    ] {
        let verdict = if took < Duration::from_millis(300) {
            "OK"
        } else {
            "ABOVE TARGET"
        };
        println!(
            "  {name:<28} {:>8.1} ms   {:.1}x the baseline   (target < 300 ms) {verdict}",
            ms(took),
            took.as_secs_f64() / baseline.as_secs_f64()
        );
    }
}
