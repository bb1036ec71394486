//! A tmux server of the test's own, to run cairn on a real terminal: send keys, read the
//! screen.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A tmux server of our own (its own socket), killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(dir: &Path, command: &str) -> Tmux {
        Tmux::start_sized(dir, command, 100, 40)
    }

    /// A terminal of `cols` x `rows` running `command` in `dir`.
    pub fn start_sized(dir: &Path, command: &str, cols: u16, rows: u16) -> Tmux {
        static SERVERS: AtomicUsize = AtomicUsize::new(0);
        let tmux = Tmux {
            socket: format!(
                "cairn-test-{}-{}",
                std::process::id(),
                SERVERS.fetch_add(1, Ordering::SeqCst)
            ),
        };
        let status = tmux
            .cmd()
            .args([
                "new-session",
                "-d",
                "-x",
                &cols.to_string(),
                "-y",
                &rows.to_string(),
                "-c",
            ])
            .arg(dir)
            .arg(command)
            .status()
            .expect("tmux is needed (.ci/run installs it)");
        assert!(status.success());
        tmux
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket]).env_remove("TMUX");
        cmd
    }

    pub fn screen(&self) -> String {
        let output = self
            .cmd()
            .args(["capture-pane", "-p", "-S", "-200"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until the screen or its scrollback shows `needle`; returns what it showed.
    pub fn wait_for(&self, needle: &str) -> String {
        wait_until(needle, || self.screen())
    }

    /// Sends tmux key names (`Enter`, `C-]`, `q`…), one by one.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = self.cmd().args(["send-keys", key]).status().unwrap();
            assert!(status.success());
        }
    }

    /// Types `text` as it is (no key names).
    pub fn type_text(&self, text: &str) {
        let status = self.cmd().args(["send-keys", "-l", text]).status().unwrap();
        assert!(status.success());
    }

    /// The visible screen only (no scrollback).
    pub fn visible(&self) -> String {
        let output = self.cmd().args(["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until the visible screen shows `needle`; returns the screen.
    pub fn wait_visible(&self, needle: &str) -> String {
        wait_until(needle, || self.visible())
    }

    pub fn type_line(&self, text: &str) {
        let status = self.cmd().args(["send-keys", "-l", text]).status().unwrap();
        assert!(status.success());
        let status = self.cmd().args(["send-keys", "Enter"]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// Captures with `capture` until it shows `needle` (at most 20 s); returns the capture.
fn wait_until(needle: &str, capture: impl Fn() -> String) -> String {
    let started = Instant::now();
    loop {
        let screen = capture();
        if screen.contains(needle) {
            return screen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{needle:?} never appeared:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
