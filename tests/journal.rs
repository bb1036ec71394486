//! The journal on real git repositories: what a walk leaves behind, that plain git reads
//! it, that `cairn verify` notices tampering, and that sessions written at the same time
//! by two processes both survive whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use git2::{FileMode, Repository, Signature};
use tempfile::TempDir;

mod common;
use common::{cairn_with, git, Run};

const RUNBOOK: &str = "# Fail over\n\n## Check lag\n\n```bash\necho \"lag is 3 s\"\nprintf '\\033[32mgreen\\033[0m\\n'\n```\n\n## Promote\n\n```bash\nexport PRIMARY=db-2\necho \"token $API_TOKEN\"\n```\n";

fn cairn(dir: &Path, args: &[&str]) -> Run {
    cairn_with(dir, args, &[])
}

/// Walks RUNBOOK into a journal in `dir`; returns the session id.
fn walk(dir: &Path) -> String {
    std::fs::write(dir.join("failover.md"), RUNBOOK).unwrap();
    let run = cairn(
        dir,
        &[
            "run",
            "failover.md",
            "--auto",
            "--journal",
            "journal",
            "--param",
            "API_TOKEN=tok-9f8e7d6c",
        ],
    );
    run.expect_code(0);
    run.session_id()
}

fn branch(journal: &Path) -> String {
    git(
        journal,
        &[
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads/sessions",
        ],
    )
    .trim()
    .to_string()
}

#[test]
fn a_walk_is_a_branch_of_commits_that_git_reads_as_a_transcript() {
    let dir = TempDir::new().unwrap();
    let id = walk(dir.path());
    let journal = dir.path().join("journal");
    let branch = branch(&journal);
    assert!(
        branch.starts_with("sessions/") && branch.ends_with(&format!("-fail-over-{id}")),
        "{branch}"
    );
    git(&journal, &["fsck", "--strict", "--no-dangling"]);

    let log = git(&journal, &["log", "--reverse", "--format=%s", &branch]);
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].starts_with("Start LIVE session of 'Fail over' by "),
        "{log}"
    );
    assert!(lines.contains(&"Enter step 1 'Check lag'"), "{log}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("step 1 'Check lag': exit 0 in ")),
        "{log}"
    );
    assert_eq!(lines.last(), Some(&"End session: completed"));
    let trailers = git(
        &journal,
        &["log", "-1", "--format=%B", &format!("{branch}~2")],
    );
    assert!(
        trailers.contains(&format!("Cairn-Session: {id}\n")),
        "{trailers}"
    );

    let files = git(&journal, &["ls-tree", "-r", "--name-only", &branch]);
    assert!(files.contains("events/0000/000001.json\n"));
    assert!(files.contains("session.json\n") && files.contains("runbook.md\n"));
    assert_eq!(
        git(&journal, &["show", &format!("{branch}:runbook.md")]),
        RUNBOOK
    );
    let session: serde_json::Value =
        serde_json::from_str(&git(&journal, &["show", &format!("{branch}:session.json")])).unwrap();
    assert_eq!(session["id"], id.as_str());
    assert_eq!(session["mode"], "live");
    assert_eq!(session["runbook"], "failover.md");

    // The first command's output, raw and as text.
    let output = files.lines().find(|line| line.ends_with(".raw")).unwrap();
    let raw = git(&journal, &["show", &format!("{branch}:{output}")]);
    assert!(raw.contains("\x1b[32mgreen"), "{raw:?}");
    let text = git(
        &journal,
        &[
            "show",
            &format!("{branch}:{}", output.replace(".raw", ".txt")),
        ],
    );
    assert_eq!(text, "lag is 3 s\ngreen\n");

    // No secret anywhere in the repository.
    let everything = git(&journal, &["log", "-p", "--all", "--format=%B"]);
    assert!(everything.contains("token [redacted]"), "{everything}");
    assert!(!everything.contains("tok-9f8e7d6c"));

    let listed = cairn(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
    );
    listed.expect_code(0);
    let sessions = listed.json();
    assert_eq!(sessions[0]["id"], id.as_str());
    assert_eq!(sessions[0]["outcome"], "completed");
    assert_eq!(sessions[0]["mode"], "live");
    cairn(dir.path(), &["verify", &id[..4], "--journal", "journal"])
        .expect_code(0)
        .stdout_has("is whole");
}

/// Replaces event 2 in the tip's tree and moves the branch there, as a forger would.
fn tamper_with_event_two(journal: &Path, branch: &str) -> String {
    let repo = Repository::open_bare(journal).unwrap();
    let tip = repo
        .find_reference(&format!("refs/heads/{branch}"))
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let tree = tip.tree().unwrap();
    let events = tree
        .get_path(Path::new("events"))
        .unwrap()
        .to_object(&repo)
        .unwrap()
        .peel_to_tree()
        .unwrap();
    let bucket = events
        .get_path(Path::new("0000"))
        .unwrap()
        .to_object(&repo)
        .unwrap()
        .peel_to_tree()
        .unwrap();
    let forged = repo
        .blob(b"{\"seq\":2,\"at_ms\":1,\"type\":\"note_added\",\"text\":\"nothing happened\"}\n")
        .unwrap();
    let mut builder = repo.treebuilder(Some(&bucket)).unwrap();
    builder
        .insert("000002.json", forged, FileMode::Blob.into())
        .unwrap();
    let bucket = builder.write().unwrap();
    let mut builder = repo.treebuilder(Some(&events)).unwrap();
    builder
        .insert("0000", bucket, FileMode::Tree.into())
        .unwrap();
    let events = builder.write().unwrap();
    let mut builder = repo.treebuilder(Some(&tree)).unwrap();
    builder
        .insert("events", events, FileMode::Tree.into())
        .unwrap();
    let tree = repo.find_tree(builder.write().unwrap()).unwrap();
    let signature = Signature::now("forger", "forger@example.com").unwrap();
    let parents: Vec<git2::Commit<'_>> = tip.parents().collect();
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let forged = repo
        .commit(
            None,
            &signature,
            &signature,
            tip.message().unwrap(),
            &tree,
            &parents,
        )
        .unwrap();
    repo.reference(&format!("refs/heads/{branch}"), forged, true, "tamper")
        .unwrap();
    let second = repo
        .revparse_single(&format!("{branch}~{}", tip_distance(&repo, forged) - 2))
        .unwrap();
    second.id().to_string()[..12].to_string()
}

fn tip_distance(repo: &Repository, tip: git2::Oid) -> usize {
    let mut walk = repo.revwalk().unwrap();
    walk.push(tip).unwrap();
    walk.count()
}

#[test]
fn verify_names_the_first_commit_that_was_tampered_with() {
    let dir = TempDir::new().unwrap();
    let id = walk(dir.path());
    let journal = dir.path().join("journal");
    let second = tamper_with_event_two(&journal, &branch(&journal));
    cairn(dir.path(), &["verify", &id, "--journal", "journal"])
        .expect_code(1)
        .stderr_has(&format!("is damaged at commit {second}: event 2: events/0000/000002.json was changed after it was recorded"));
}

#[test]
fn verify_notices_a_lost_event() {
    let dir = TempDir::new().unwrap();
    let id = walk(dir.path());
    let journal = dir.path().join("journal");
    let branch = branch(&journal);
    // Cut the last commit out of the chain: the branch now ends one event early and the
    // one before that is missing... by moving the tip to a commit whose parent is two back.
    let repo = Repository::open_bare(&journal).unwrap();
    let tip = repo
        .revparse_single(&branch)
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let grandparent = tip.parent(0).unwrap().parent(0).unwrap();
    let signature = tip.author();
    let skipped = repo
        .commit(
            None,
            &signature,
            &signature,
            tip.message().unwrap(),
            &tip.tree().unwrap(),
            &[&grandparent],
        )
        .unwrap();
    repo.reference(&format!("refs/heads/{branch}"), skipped, true, "drop one")
        .unwrap();
    cairn(dir.path(), &["verify", &id, "--journal", "journal"])
        .expect_code(1)
        .stderr_has("is not event");
}

#[test]
fn two_sessions_at_once_on_one_journal_both_survive_whole() {
    let dir = TempDir::new().unwrap();
    let mut book = String::from("# Busy\n");
    for step in 1..=15 {
        book.push_str(&format!(
            "\n## Step {step}\n\n```bash\necho step {step}; sleep 0.0$((RANDOM % 3))\n```\n"
        ));
    }
    std::fs::write(dir.path().join("busy.md"), &book).unwrap();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(dir.path())
            .args(["run", "busy.md", "--auto", "--journal", "journal"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut first, mut second) = (spawn(), spawn());
    assert!(first.wait().unwrap().success());
    assert!(second.wait().unwrap().success());
    let listed = cairn(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
    )
    .json();
    let sessions = listed.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    for session in sessions {
        assert_eq!(session["outcome"], "completed");
        // 1 start + 15 × (enter, started, finished, block, step) + 1 end.
        assert_eq!(session["events"], 77);
        let id = session["id"].as_str().unwrap();
        cairn(dir.path(), &["verify", id, "--journal", "journal"]).expect_code(0);
    }
    git(
        &dir.path().join("journal"),
        &["fsck", "--strict", "--no-dangling"],
    );
    // Each event wrote a pack, and each session merged its packs as it went: 77 events
    // leave 4 packs of 16 and 13 of one.
    let packs = std::fs::read_dir(dir.path().join("journal/objects/pack"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().extension() == Some("idx".as_ref()))
        .count();
    assert!((1..=2 * 17).contains(&packs), "{packs} packs");
}

#[test]
fn an_unknown_session_says_how_to_find_one() {
    let dir = TempDir::new().unwrap();
    walk(dir.path());
    cairn(dir.path(), &["verify", "zzzz", "--journal", "journal"])
        .expect_code(1)
        .stderr_has("no session in journal has an id starting with `zzzz`; `cairn log` lists them");
}

#[test]
fn resume_shows_a_changed_runbook_and_asks_again_for_secrets() {
    let dir = TempDir::new().unwrap();
    let book = "---\nparams:\n  DB_PASSWORD: { secret: true }\n---\n# Rotate\n\n## Use it\n\n```bash\necho \"len ${#DB_PASSWORD}\"\nexport STAGE=one\n```\n\n## Then fail\n\n```bash\ntest -e ready\n```\n\n## After\n\n```bash\necho \"after with len ${#DB_PASSWORD} at $STAGE\"\n```\n";
    std::fs::write(dir.path().join("rotate.md"), book).unwrap();
    let first = cairn(
        dir.path(),
        &[
            "run",
            "rotate.md",
            "--auto",
            "--journal",
            "journal",
            "--param",
            "DB_PASSWORD=pw-123456",
        ],
    );
    first.expect_code(1).stdout_has("len 9");
    let id = first
        .stdout
        .lines()
        .find_map(|line| line.split("as session ").nth(1))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(dir.path().join("ready"), "").unwrap();
    std::fs::write(
        dir.path().join("rotate.md"),
        book.replace("echo \"after", "echo \"still after"),
    )
    .unwrap();

    // The secret was never recorded: without it, resume stops and says how to give it.
    cairn(
        dir.path(),
        &["resume", &id, "--auto", "--journal", "journal"],
    )
    .expect_code(2)
    .stdout_has("the runbook rotate.md changed since session")
    .stdout_has("-echo \"after with len")
    .stdout_has("+echo \"still after with len")
    .stderr_has("DB_PASSWORD has no value")
    .stderr_has("--param 'DB_PASSWORD=VALUE'");
    cairn(
        dir.path(),
        &[
            "resume",
            &id,
            "--auto",
            "--journal",
            "journal",
            "--param",
            "DB_PASSWORD=pw-654321",
        ],
    )
    .expect_code(0)
    .stdout_has("still after with len 9 at one")
    .never_says("pw-654321");
    cairn(dir.path(), &["verify", &id, "--journal", "journal"]).expect_code(0);
    let journal = dir.path().join("journal");
    let branch = branch(&journal);
    assert!(git(&journal, &["ls-tree", "--name-only", &branch]).contains("runbook.resumed.md"));
    let everything = git(&journal, &["log", "-p", "--all", "--format=%B"]);
    assert!(!everything.contains("pw-123456") && !everything.contains("pw-654321"));
}

#[test]
fn a_finished_session_is_in_the_summary_cache_and_a_broken_cache_is_rebuilt() {
    let dir = TempDir::new().unwrap();
    let id = walk(dir.path());
    let cache = dir.path().join("journal/cairn-summaries.json");
    let text = std::fs::read_to_string(&cache).expect("the walk's end writes the cache");
    assert!(text.contains(&id), "{text}");
    // The cache is believed while the branch has not moved (it is keyed by the tip)…
    let lied = text.replace("\"completed\"", "\"failed\"");
    std::fs::write(&cache, &lied).unwrap();
    let listed = cairn(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
    )
    .json();
    assert_eq!(
        listed[0]["outcome"], "failed",
        "same tip: the cache is used"
    );
    std::fs::write(&cache, "not json").unwrap();
    let listed = cairn(
        dir.path(),
        &["log", "--journal", "journal", "--format", "json"],
    )
    .json();
    assert_eq!(
        listed[0]["outcome"], "completed",
        "an unreadable cache is rebuilt"
    );
}
