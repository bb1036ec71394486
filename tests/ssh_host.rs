//! `host=`: a block runs on another machine through the system's `ssh`. The test starts a
//! real `sshd` on 127.0.0.1 with throw-away keys (`.ci/run` installs openssh-server) and
//! walks a runbook against it with `cairn run --auto`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

mod common;
use common::sshd::{ssh_command, start_sshd, user};

#[test]
fn host_blocks_run_through_ssh_with_their_values_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start_sshd(dir.path());
    let user = user();
    let remote_dir = dir.path().join("remote");
    std::fs::create_dir(&remote_dir).unwrap();
    let runbook = format!(
        "# Remote\n\n## On the host\n\n```bash {{host={user}@127.0.0.1}}\ncd '{0}'\necho \"remote says $GREETING\"\nif [ -t 1 ]; then echo remote-tty; fi\n```\n\n\
         ## Console tags\n\n```console\n$localhost echo tagged-$((40+2))\n```\n",
        remote_dir.display()
    );
    std::fs::write(dir.path().join("book.md"), runbook).unwrap();
    let ssh_command = ssh_command(dir.path(), sshd.port);
    let hostile = "hi; touch pwned $(touch pwned2) 'q' \"dq\"";
    let output = assert_cmd::Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "book.md", "--auto", "--param"])
        .arg(format!("GREETING={hostile}"))
        .env("CAIRN_SSH_COMMAND", ssh_command)
        .env("CAIRN_JOURNAL", dir.path().join("journal"))
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("[{user}@127.0.0.1] $ cd")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("remote says {hostile}")),
        "{stdout}"
    );
    assert!(stdout.contains("remote-tty"), "{stdout}");
    assert!(stdout.contains("tagged-42"), "{stdout}");
    for file in ["pwned", "pwned2"] {
        assert!(!remote_dir.join(file).exists() && !dir.path().join(file).exists());
    }
}
