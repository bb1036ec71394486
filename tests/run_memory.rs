//! Output never piles up in memory: a block that prints 1 GiB through the pseudo-terminal
//! is captured whole to disk by a `cairn run --auto` whose peak memory stays under 64 MiB.
//! (Its own test binary, so the peak of the children of this process is cairn's alone.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};

const GIB: u64 = 1 << 30;

#[test]
fn a_gibibyte_of_output_streams_through_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flood.md"),
        format!(
            "# Flood\n\n```bash\nyes 'a line of output that a flooding command prints, over and over' | head -c {GIB}\necho\necho flood-done\n```\n"
        ),
    )
    .unwrap();
    let output = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(dir.path())
        .args(["run", "flood.md", "--auto", "--no-journal"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stdout as it comes, keeping only a count and the tail.
    let mut child = output;
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut total = 0u64;
        let mut tail = Vec::new();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = stdout.read(&mut buffer).unwrap();
            if read == 0 {
                break;
            }
            total += read as u64;
            tail.extend_from_slice(&buffer[..read]);
            if tail.len() > 4096 {
                tail.drain(..tail.len() - 4096);
            }
        }
        (total, String::from_utf8_lossy(&tail).into_owned())
    });
    let status = child.wait().unwrap();
    let (total, tail) = reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "{tail}");
    assert!(tail.contains("flood-done"), "{tail}");
    // The terminal turns each \n into \r\n, so more than 1 GiB arrives.
    assert!(total > GIB, "only {total} bytes arrived");
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    let peak_kib = usage.max_rss();
    assert!(peak_kib < 64 * 1024, "peak memory {peak_kib} KiB");
    eprintln!("peak memory of cairn: {} KiB for {total} bytes", peak_kib);
}
