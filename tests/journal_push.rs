//! Sharing the journal: session branches pushed to the journal's remote in the background,
//! over file:// and over ssh to a real sshd; two machines (two journals) pushing to one
//! bare remote lose nothing; an unreachable remote never stops a walk, and what it missed
//! goes with the next push; `cairn log --remote` lists the team's sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use tempfile::TempDir;

mod common;
use common::sshd::{ssh_command, start_sshd, user};
use common::{cairn_with as cairn, git, Run};

const BOOK: &str =
    "# Shared\n\n## One\n\n```bash\necho one\n```\n\n## Two\n\n```bash\necho two\n```\n";

/// A journal named `name` in `dir` whose origin is `url` (a bare repository made by git:
/// cairn takes it as it finds it).
fn journal_with_remote(dir: &Path, name: &str, url: &str) {
    git(dir, &["init", "--quiet", "--bare", name]);
    git(&dir.join(name), &["remote", "add", "origin", url]);
}

fn walk(dir: &Path, journal: &str, env: &[(&str, &str)]) -> Run {
    std::fs::write(dir.join("shared.md"), BOOK).unwrap();
    cairn(
        dir,
        &["run", "shared.md", "--auto", "--journal", journal],
        env,
    )
}

fn branches(repo: &Path) -> Vec<String> {
    git(
        repo,
        &[
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads/sessions",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

#[test]
fn two_machines_share_every_session_through_one_bare_remote() {
    let dir = TempDir::new().unwrap();
    let remote = dir.path().join("team.git");
    git(
        dir.path(),
        &["init", "--quiet", "--bare", remote.to_str().unwrap()],
    );
    let url = format!("file://{}", remote.display());
    journal_with_remote(dir.path(), "laptop-a", &url);
    journal_with_remote(dir.path(), "laptop-b", &url);

    // Both machines walk at the same time.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| walk(dir.path(), "laptop-a", &[]));
        let b = scope.spawn(|| walk(dir.path(), "laptop-b", &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    a.expect_code(0).stdout_has("pushed to origin");
    b.expect_code(0).stdout_has("pushed to origin");

    let mut local = branches(&dir.path().join("laptop-a"));
    local.extend(branches(&dir.path().join("laptop-b")));
    local.sort();
    let mut shared = branches(&remote);
    shared.sort();
    assert_eq!(
        shared, local,
        "the remote lacks a session or holds a different tip"
    );
    assert_eq!(shared.len(), 2);

    let listed = cairn(
        dir.path(),
        &[
            "log",
            "--journal",
            "laptop-a",
            "--remote",
            "--format",
            "json",
        ],
        &[],
    );
    listed.expect_code(0);
    assert_eq!(
        listed.json().as_array().unwrap().len(),
        2,
        "{}",
        listed.stdout
    );
    let mine_only = cairn(
        dir.path(),
        &["log", "--journal", "laptop-a", "--format", "json"],
        &[],
    );
    assert_eq!(mine_only.json().as_array().unwrap().len(), 1);
}

#[test]
fn an_unreachable_remote_never_stops_a_walk_and_catches_up_later() {
    let dir = TempDir::new().unwrap();
    let remote = dir.path().join("later.git");
    journal_with_remote(
        dir.path(),
        "journal",
        &format!("file://{}", remote.display()),
    );
    walk(dir.path(), "journal", &[])
        .expect_code(0)
        .stdout_has("not pushed to origin")
        .stdout_has("the next walk with this journal pushes it again");
    // The remote appears; the next walk sends both sessions.
    git(
        dir.path(),
        &["init", "--quiet", "--bare", remote.to_str().unwrap()],
    );
    walk(dir.path(), "journal", &[])
        .expect_code(0)
        .stdout_has("pushed to origin");
    assert_eq!(branches(&remote).len(), 2);
    assert_eq!(branches(&remote), branches(&dir.path().join("journal")));
}

#[test]
fn sessions_are_pushed_over_ssh() {
    let dir = TempDir::new().unwrap();
    let sshd = start_sshd(dir.path());
    let remote = dir.path().join("over-ssh.git");
    git(
        dir.path(),
        &["init", "--quiet", "--bare", remote.to_str().unwrap()],
    );
    let url = format!(
        "ssh://{}@127.0.0.1:{}{}",
        user(),
        sshd.port,
        remote.display()
    );
    journal_with_remote(dir.path(), "journal", &url);
    let ssh = ssh_command(dir.path(), sshd.port).replace(&format!("-p {} ", sshd.port), "");
    walk(dir.path(), "journal", &[("GIT_SSH_COMMAND", &ssh)])
        .expect_code(0)
        .stdout_has("pushed to origin");
    assert_eq!(branches(&remote), branches(&dir.path().join("journal")));
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
}

#[test]
fn the_settings_file_chooses_the_journal_and_its_remote() {
    let dir = TempDir::new().unwrap();
    let remote = dir.path().join("by-url.git");
    git(
        dir.path(),
        &["init", "--quiet", "--bare", remote.to_str().unwrap()],
    );
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[journal]\ndir = \"{}\"\nremote = \"file://{}\"\n",
            dir.path().join("from-config").display(),
            remote.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("shared.md"), BOOK).unwrap();
    let env = [("CAIRN_CONFIG", config.to_str().unwrap())];
    cairn(dir.path(), &["run", "shared.md", "--auto"], &env)
        .expect_code(0)
        .stdout_has("from-config as session")
        .stdout_has(&format!("pushed to file://{}", remote.display()));
    assert_eq!(branches(&remote), branches(&dir.path().join("from-config")));
    let listed = cairn(dir.path(), &["log", "--remote", "--format", "json"], &env);
    assert_eq!(listed.expect_code(0).json().as_array().unwrap().len(), 1);

    std::fs::write(&config, "[journal]\ndir = 3\nshade = \"dark\"\n").unwrap();
    cairn(dir.path(), &["log"], &env)
        .expect_code(2)
        .stderr_has(&format!(
            "{}:2:1: journal.dir must be a string",
            config.display()
        ));
    std::fs::write(&config, "[journal]\nremote = \"origin\"\n[colours]\n").unwrap();
    cairn(dir.path(), &["log"], &env)
        .expect_code(0)
        .stderr_has(&format!(
            "{}:3:2: unknown setting `colours`",
            config.display()
        ));
}
