//! `host=`: a block runs on another machine through the system's `ssh`. The test starts a
//! real `sshd` on 127.0.0.1 with throw-away keys (`.ci/run` installs openssh-server) and
//! walks a runbook against it with `cairn run --auto`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sshd {
    child: Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (openssh-client) is needed");
    assert!(status.success());
}

fn start_sshd(dir: &Path) -> Sshd {
    let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .expect("sshd not found: install openssh-server (.ci/run does)");
    keygen(&dir.join("host_key"));
    keygen(&dir.join("client_key"));
    std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
    // sshd wants its privilege-separation directory even when it runs unprivileged.
    let _ = std::fs::create_dir_all("/run/sshd");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {0}/host_key\nAuthorizedKeysFile {0}/authorized_keys\n\
             PidFile {0}/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin yes\n",
            dir.display()
        ),
    )
    .unwrap();
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sshd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd { child, port }
}

fn user() -> String {
    let output = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

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
    let ssh_command = format!(
        "ssh -p {} -i {}/client_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR",
        sshd.port,
        dir.path().display()
    );
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
