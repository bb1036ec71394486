//! `cairn run --auto` as a process, against runbooks that run real commands: the shell
//! session carried from block to block, the edges taken from outcomes, what stops a walk
//! and the exit code it gives, values that cannot inject, and secrets that never show.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

mod common;
use common::Run;

fn runbook(dir: &TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("book.md");
    std::fs::write(&path, text).unwrap();
    path
}

fn walk(dir: &TempDir, args: &[&str]) -> Run {
    let output = Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "book.md", "--auto"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("CAIRN_JOURNAL", dir.path().join(".journal"))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Run::from_output(&output)
}

#[test]
fn exports_and_cd_carry_from_block_to_block() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    runbook(
        &dir,
        "# T\n\n## One\n\n```bash\nexport CARRIED=\"from one\"\nplain=kept-too\nexport plain\ncd sub\n```\n\n## Two\n\n```sh\necho \"carried=$CARRIED plain=$plain pwd=$(basename \"$PWD\")\"\n```\n",
    );
    walk(&dir, &[])
        .expect_code(0)
        .stdout_has("carried=from one plain=kept-too pwd=sub")
        .stdout_has("= cd ");
}

#[test]
fn a_command_sees_a_terminal() {
    let dir = TempDir::new().unwrap();
    runbook(&dir, "# T\n\n```bash\nif [ -t 1 ]; then echo \"stdout is a tty\"; fi\ntput cols >/dev/null 2>&1 && echo has-size\n```\n");
    walk(&dir, &[]).expect_code(0).stdout_has("stdout is a tty");
}

#[test]
fn a_failure_stops_the_walk_with_exit_1_unless_on_fail_leads_on() {
    let dir = TempDir::new().unwrap();
    runbook(&dir, "# T\n\n## Break\n\n```bash\necho before; exit 3\n```\n\n## Never\n\n```bash\necho never-ran\n```\n");
    walk(&dir, &[])
        .expect_code(1)
        .stdout_has("✗ exit 3")
        .stderr_has("step 'break' failed (book.md:5:1)");

    runbook(
        &dir,
        "# T\n\n## Check\n\n```bash {on_fail=recover on_ok=done}\ntest -e missing-file\n```\n\n## Done\n\n```bash\necho wrong-way\n```\n\n## Recover\n\n<!-- cairn: next=end -->\n\n```bash\necho recovered\n```\n",
    );
    let walk = walk(&dir, &[]);
    walk.expect_code(0)
        .stdout_has("recovered")
        .never_says("wrong-way");
}

#[test]
fn expect_and_expect_output_decide_success() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n## Lenient\n\n```bash {expect=\"0,1\"}\nexit 1\n```\n\n## Output\n\n```bash {expect_output=\"^status: (ok|green)$\"}\nprintf '\\033[32mstatus: green\\033[0m\\n'\n```\n\n## Mismatch\n\n```bash {expect_output=healthy}\necho sick\n```\n",
    );
    walk(&dir, &[])
        .expect_code(1)
        .stdout_has("the output did not match /healthy/")
        .stderr_has("step 'mismatch' failed");
}

#[test]
fn retry_runs_again_until_it_succeeds() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash {retry=4 retry_delay=50ms}\nn=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\necho try $n\n[ $n -ge 3 ]\n```\n",
    );
    walk(&dir, &[])
        .expect_code(0)
        .stdout_has("try 3")
        .stdout_has("after 3 tries: ok")
        .never_says("try 4");
    std::fs::remove_file(dir.path().join("count")).unwrap();
    runbook(
        &dir,
        "# T\n\n```bash {retry=1 retry_delay=10ms}\necho attempt; false\n```\n",
    );
    walk(&dir, &[])
        .expect_code(1)
        .stdout_has("after 2 tries: failed");
}

#[test]
fn a_timeout_fails_the_block() {
    let dir = TempDir::new().unwrap();
    runbook(&dir, "# T\n\n```bash {timeout=300ms}\nsleep 30\n```\n");
    walk(&dir, &[]).expect_code(1).stdout_has("✗ timeout");
}

#[test]
fn a_missing_value_stops_and_names_the_flag() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "---\nparams:\n  REGION: { prompt: \"Which region?\", choices: [eu, us] }\n---\n# T\n\n```bash\necho \"region=$REGION\"\nkubectl logs <pod name> >/dev/null 2>&1 || echo \"pod=<pod name>\"\n```\n",
    );
    walk(&dir, &[])
        .expect_code(2)
        .stderr_has("REGION has no value (book.md:8:14)")
        .stderr_has("it asks: Which region?")
        .stderr_has("--param 'REGION=VALUE'");
    walk(&dir, &["--param", "REGION=eu"])
        .expect_code(2)
        .stderr_has("<pod name> has no value (book.md:9:14)")
        .stderr_has("--param 'pod name=VALUE'");
    walk(&dir, &["--param", "REGION=eu", "--param", "pod name=web 1"])
        .expect_code(0)
        .stdout_has("region=eu")
        .stdout_has("pod=web 1");
}

#[test]
fn values_cannot_inject_commands() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash\necho \"var=$TARGET\"\necho plain <target> \"dq <target>\" 'sq <target>'\ncat <<EOF\nhd <target>\nEOF\n```\n",
    );
    let hostile = "x; touch pwned1 $(touch pwned2) `touch pwned3` ' \" \\";
    let walk = walk(
        &dir,
        &[
            "--param",
            &format!("TARGET={hostile}"),
            "--param",
            &format!("target={hostile}"),
        ],
    );
    walk.expect_code(0)
        .stdout_has(&format!("var={hostile}"))
        .stdout_has(&format!("plain {hostile} dq {hostile} sq {hostile}"))
        .stdout_has(&format!("hd {hostile}"));
    for file in ["pwned1", "pwned2", "pwned3"] {
        assert!(!dir.path().join(file).exists(), "{file} was created");
    }
}

#[test]
fn secrets_never_show_or_reach_disk() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "---\nparams:\n  DB_PASS: { secret: true }\n---\n# T\n\n```bash\necho \"token=$API_TOKEN pass=$DB_PASS\"\nexport DERIVED=\"url://u:$DB_PASS@h\"\n```\n\n```bash\necho \"$DERIVED\" | rev | rev\n```\n",
    );
    walk(
        &dir,
        &[
            "--param",
            "API_TOKEN=tok-123456",
            "--param",
            "DB_PASS=pw-abcdef",
        ],
    )
    .expect_code(0)
    .stdout_has("token=[redacted] pass=[redacted]")
    .stdout_has("url://u:[redacted]@h")
    .never_says("tok-123456")
    .never_says("pw-abcdef");
}

#[test]
fn destructive_commands_need_yes() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("victim")).unwrap();
    runbook(&dir, "# T\n\n## Clean\n\n```bash\nrm -rf victim\n```\n");
    walk(&dir, &[])
        .expect_code(2)
        .stderr_has("step 'clean' needs a typed confirmation (book.md:5:1)")
        .stderr_has("--yes");
    assert!(dir.path().join("victim").exists());
    walk(&dir, &["--yes"])
        .expect_code(0)
        .stdout_has("confirmed (--yes)");
    assert!(!dir.path().join("victim").exists());
}

#[test]
fn a_decision_stops_unless_chosen() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n## Look\n\n<!-- cairn: choose -->\n- Fine: [leave](#leave)\n- Bad: [fix](#fix)\n\n## Fix\n\n<!-- cairn: next=end -->\n\n```bash\necho fixing\n```\n\n## Leave\n\n```bash\necho leaving\n```\n",
    );
    walk(&dir, &[])
        .expect_code(2)
        .stderr_has("1. Fine: leave")
        .stderr_has("--choose look=N");
    walk(&dir, &["--choose", "look=2"])
        .expect_code(0)
        .stdout_has("fixing")
        .never_says("leaving");
}

#[test]
fn a_dry_run_prints_resolved_commands_and_runs_nothing() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "---\nparams:\n  NAME: { default: made-by-dry-run }\n---\n# T\n\n```bash\ntouch \"$NAME\" <extra>\nrm -rf \"$NAME\"\n```\n",
    );
    walk(&dir, &["--dry-run", "--param", "extra=two words"])
        .expect_code(0)
        .stdout_has("$ touch \"$NAME\" 'two words'")
        .stdout_has("$NAME = made-by-dry-run")
        .stdout_has("not run: dry run");
    assert!(!dir.path().join("made-by-dry-run").exists());
    assert!(!dir.path().join("two words").exists());
}

#[test]
fn a_runbook_with_errors_is_not_run() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n## A\n\n<!-- cairn: next=nowhere -->\n\n```bash\ntouch ran\n```\n",
    );
    walk(&dir, &[])
        .expect_code(1)
        .stderr_has("has errors and cannot be run");
    assert!(!dir.path().join("ran").exists());
}

#[test]
fn background_blocks_run_alongside_and_end_with_the_session() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n## Serve\n\n```bash {background}\necho $$ > server.pid\nwhile true; do date > beat; sleep 0.05; done\n```\n\n## Use\n\n```bash\nfor i in $(seq 100); do [ -s beat ] && break; sleep 0.05; done\necho beat-seen\n```\n",
    );
    walk(&dir, &[]).expect_code(0).stdout_has("beat-seen");
    let pid = std::fs::read_to_string(dir.path().join("server.pid")).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "background block outlived its session"
    );
}

#[test]
fn ctrl_c_interrupts_the_command_and_exits_130() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash\ntrap 'echo got-sigint > interrupted; exit 130' INT\necho started > started\nsleep 60 & wait\n```\n\n```bash\necho next > next-block-ran\n```\n",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(dir.path())
        .env("CAIRN_JOURNAL", dir.path().join(".journal"))
        .args(["run", "book.md", "--auto"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if dir.path().join("started").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("interrupted")).unwrap(),
        "got-sigint\n"
    );
    assert!(!dir.path().join("next-block-ran").exists());
}

#[test]
fn cairn_runbook_is_short_for_cairn_run() {
    let dir = TempDir::new().unwrap();
    runbook(&dir, "# T\n\n```bash\necho shorthand-works\n```\n");
    let output = Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(dir.path())
        .env("CAIRN_JOURNAL", dir.path().join(".journal"))
        .args(["book.md", "--auto"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("shorthand-works"));
}

#[test]
fn the_getting_started_runbook_walks_to_the_end() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The tour makes its scratch directory under $TMPDIR: keep it in ours.
    let tmp = TempDir::new().unwrap();
    let output = Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(root)
        .env("TMPDIR", tmp.path())
        .env("CAIRN_JOURNAL", tmp.path().join("journal"))
        .args(["run", "runbooks/getting-started.md", "--auto"])
        .args(["--choose", "choose-a-path=1", "--param", "GREETING=Hi"])
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("▶ Take the scenic route"), "{stdout}");
    assert!(stdout.contains("cairn was here"), "{stdout}");
    assert!(!stdout.contains("▶ Take the shortcut"), "{stdout}");
    assert!(stdout.contains("✓ completed · 7 steps"), "{stdout}");
}

#[test]
fn runme_prompt_exports_take_a_given_value() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```sh {\"name\":\"ns\"}\nexport NS=\"default-ns\"\necho \"ns=$NS\"\n```\n",
    );
    walk(&dir, &[]).expect_code(0).stdout_has("ns=default-ns");
    walk(&dir, &["--param", "NS=prod"])
        .expect_code(0)
        .stdout_has("ns=prod")
        .never_says("ns=default-ns");
    runbook(
        &dir,
        "# T\n\n```sh\nexport NS=Enter a namespace\necho \"ns=$NS\"\n```\n",
    );
    walk(&dir, &[])
        .expect_code(2)
        .stderr_has("NS has no value")
        .stderr_has("it asks: Enter a namespace");
    walk(&dir, &["--param", "NS=x y"])
        .expect_code(0)
        .stdout_has("ns=x y");
}

#[test]
fn other_interpreters_and_cwd_run_as_written() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/n.txt"), "41").unwrap();
    runbook(
        &dir,
        "# T\n\n```python3\nimport os\nprint('py sees', os.environ['GIVEN'])\n```\n\n```bash {cwd=data}\necho \"cwd=$(basename \"$PWD\") n=$(( $(cat n.txt) + 1 ))\"\n```\n\n```yaml {interpreter=\"python3 -c 'import sys; print(sys.argv[1].endswith(\\\".script\\\"))'\"}\nkey: value\n```\n\n```bash\necho \"back in $(basename \"$PWD\")\"\n```\n",
    );
    let walk = walk(&dir, &["--param", "GIVEN=yes"]);
    walk.expect_code(0)
        .stdout_has("py sees yes")
        .stdout_has("cwd=data n=42")
        .stdout_has("True");
    let base = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    walk.stdout_has(&format!("back in {base}"));
}

#[test]
fn captures_come_only_from_blocks_that_succeed() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n## Get\n\n```bash {capture=POD timeout=1s on_fail=cleanup}\necho web-1-partial; sleep 5\n```\n\n## Cleanup\n\n```bash\necho \"cleanup sees POD=${POD:-unset}\"\n```\n",
    );
    walk(&dir, &[])
        .expect_code(0)
        .stdout_has("cleanup sees POD=unset")
        .never_says("= POD=");
}

#[test]
fn a_secret_capture_is_masked_everywhere() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash {capture=API_TOKEN}\nprintf 's3cret%s\\n' TokenValue\n```\n\n```bash\necho \"len=${#API_TOKEN} value=$API_TOKEN\"\n```\n",
    );
    walk(&dir, &[])
        .expect_code(0)
        .stdout_has("len=16 value=[redacted]")
        .stdout_has("= API_TOKEN=[redacted] (captured)")
        .never_says("s3cretTokenValue");
}

#[test]
fn a_background_block_that_dies_is_recorded_as_failed() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash {background}\nexit 3\n```\n\n```bash\nsleep 0.3\n```\n",
    );
    walk(&dir, &[])
        .expect_code(0)
        .stdout_has("✗ exit 3")
        .stdout_has("ended on its own before the session did");
}

#[test]
fn a_command_waiting_for_input_ends_when_nobody_can_type() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash {timeout=20s}\nif read -r -p 'continue? ' answer; then echo got-$answer; else echo no-input; fi\n```\n",
    );
    let started = std::time::Instant::now();
    walk(&dir, &[]).expect_code(0).stdout_has("no-input");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn several_assignments_on_one_export_line_are_not_a_question() {
    let dir = TempDir::new().unwrap();
    runbook(
        &dir,
        "# T\n\n```bash\nexport REGION=eu-west-1 ZONE=b\n```\n\n```bash\necho \"$REGION/$ZONE\"\n```\n",
    );
    walk(&dir, &[]).expect_code(0).stdout_has("eu-west-1/b");
}

#[test]
fn an_environment_that_is_not_utf8_is_no_crash() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    runbook(&dir, "# T\n\n```bash\necho fine\n```\n");
    let output = Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "book.md", "--auto", "--no-journal"])
        .env("BADVAR", std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .output()
        .unwrap();
    Run::from_output(&output)
        .expect_code(0)
        .stdout_has("fine")
        .stderr_has("$BADVAR is not UTF-8");
}
