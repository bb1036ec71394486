//! End-to-end tests of the `cairn` binary: each test writes runbooks into a fresh temporary
//! folder, runs the real executable there as a child process (so paths in messages are the
//! short relative ones a user types), and checks exit codes (DESIGN.md: 0 success, 1 errors,
//! 2 usage) and the key content of stdout and stderr.
//!
//! Every run also checks that cairn did not panic: a panic is never an acceptable answer to
//! any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::Run;

fn cairn_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("RUST_BACKTRACE");
    cmd
}

/// Runs cairn in `dir` with piped stdout/stderr (never a terminal) and no stdin.
fn run_with(mut cmd: Command, args: &[&str]) -> Run {
    Run::from_output(&cmd.args(args).write_stdin("").output().unwrap())
}

fn cairn(dir: &Path, args: &[&str]) -> Run {
    run_with(cairn_cmd(dir), args)
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn temp() -> TempDir {
    tempfile::tempdir().unwrap()
}

const CLEAN: &str = "# Clean runbook

Intro.

## Check it

```bash
echo hi
```
";

/// `next=nowhere` starts at line 4, column 13 (the `n` of `next`).
const BAD: &str = "# Bad runbook

## First
<!-- cairn: next=nowhere -->

```bash
echo hi
```
";

/// An unclosed fence on line 5, column 1: a warning, not an error.
const WARN: &str = "# Warn

## Only

```bash
echo hi
";

/// A small runbook that uses the main features of FORMAT.md §7.
const SHOW: &str = r#"---
title: Fail over the database
params:
  DB_HOST: { prompt: "Primary host", default: "db-1.internal" }
  API_TOKEN: { prompt: "API token", secret: true }
---

# Ignored title heading

Intro prose.

## Check lag

```bash {"name":"lag"}
psql -c 'select 1'
```

- [ ] Dashboard looks calm

<!-- cairn: choose -->
- Lag is small: [promote the replica](#promote-the-replica)
- Otherwise: [escalate](#escalate)

## Mitigation

### Promote the replica

```console
$ pg_ctl promote
server promoted
```

```yaml
role: primary
```

### Escalate

Call the database team.
"#;

/// The `N | ` caret line under a diagnostic on a line whose number has one digit: the caret
/// must start exactly under column `col`.
fn caret_prefix(col: usize) -> String {
    format!("  | {}^", " ".repeat(col - 1))
}

// ---------------------------------------------------------------------------------------
// cairn check
// ---------------------------------------------------------------------------------------

#[test]
fn check_clean_runbook_exits_0_with_summary() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    let run = cairn(dir.path(), &["check", "clean.md"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "checked 1 runbook: 0 errors, 0 warnings\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn check_error_shows_code_position_source_line_and_caret() {
    let dir = temp();
    write(dir.path(), "bad.md", BAD);
    let run = cairn(dir.path(), &["check", "bad.md"]);
    run.expect_code(1)
        .stdout_has("error[unknown-target]: ")
        .stdout_has("nowhere")
        .stdout_has("\n --> bad.md:4:13\n")
        .stdout_has("\n4 | <!-- cairn: next=nowhere -->\n")
        .stdout_has(&format!("\n{}", caret_prefix(13)))
        .stdout_has("checked 1 runbook: 1 error, 0 warnings\n");
    // The header comes first, then location, source line, caret, in that order.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let head = lines
        .iter()
        .position(|line| line.starts_with("error[unknown-target]"))
        .unwrap();
    assert_eq!(lines[head + 1], " --> bad.md:4:13");
    assert_eq!(lines[head + 2], "  |");
    assert_eq!(lines[head + 3], "4 | <!-- cairn: next=nowhere -->");
    assert!(lines[head + 4].starts_with(&caret_prefix(13)));
    assert!(lines[head + 4]
        .trim_start_matches(['|', ' '])
        .chars()
        .all(|c| c == '^'));
}

#[test]
fn check_warnings_only_exits_0() {
    let dir = temp();
    write(dir.path(), "warn.md", WARN);
    let run = cairn(dir.path(), &["check", "warn.md"]);
    run.expect_code(0)
        .stdout_has("warning[unclosed-fence]: ")
        .stdout_has("\n --> warn.md:5:1\n")
        .stdout_has("\n5 | ```bash\n")
        .stdout_has(&format!("\n{}", caret_prefix(1)))
        .stdout_has("checked 1 runbook: 0 errors, 1 warning\n");
    assert!(!run.stdout.contains("error["));
}

#[test]
fn check_positions_count_characters_and_survive_crlf() {
    let dir = temp();
    // `日本` is two characters (six bytes, four display columns): `next` is at column 18.
    write(
        dir.path(),
        "wide.md",
        "# T\n\n## 日本\n\n- 日本 <!-- cairn: next=nowhere -->\n",
    );
    write(dir.path(), "crlf.md", BAD.replace('\n', "\r\n"));
    let run = cairn(dir.path(), &["check", "wide.md", "crlf.md"]);
    run.expect_code(1)
        .stdout_has(" --> wide.md:5:18\n")
        .stdout_has("5 | - 日本 <!-- cairn: next=nowhere -->\n")
        // The caret sits under display column 20 (the two wide characters take two each).
        .stdout_has(&format!("\n{}", caret_prefix(20)))
        .stdout_has(" --> crlf.md:4:13\n")
        .stdout_has("4 | <!-- cairn: next=nowhere -->\n")
        .stdout_has("checked 2 runbooks: 2 errors, 0 warnings\n");
    assert!(
        !run.stdout.contains('\r'),
        "a CR leaked into the source line"
    );
}

#[test]
fn check_json_reports_diagnostics_and_totals() {
    let dir = temp();
    write(dir.path(), "bad.md", BAD);
    write(dir.path(), "warn.md", WARN);
    let run = cairn(
        dir.path(),
        &["check", "--format", "json", "bad.md", "warn.md"],
    );
    run.expect_code(1);
    let json = run.json();

    let bad = &json["files"][0];
    assert_eq!(bad["path"], "bad.md");
    assert_eq!(bad["errors"], 1);
    assert_eq!(bad["warnings"], 0);
    let diagnostic = &bad["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["code"], "unknown-target");
    assert_eq!(diagnostic["line"], 4);
    assert_eq!(diagnostic["col"], 13);
    let message = diagnostic["message"].as_str().unwrap();
    assert!(message.contains("nowhere"), "{message}");

    let warn = &json["files"][1];
    assert_eq!(warn["path"], "warn.md");
    assert_eq!(warn["errors"], 0);
    assert_eq!(warn["warnings"], 1);
    let diagnostic = &warn["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "warning");
    assert_eq!(diagnostic["code"], "unclosed-fence");
    assert_eq!(diagnostic["line"], 5);
    assert_eq!(diagnostic["col"], 1);
    assert!(diagnostic["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));

    assert_eq!(json["errors"], 1);
    assert_eq!(json["warnings"], 1);
    assert_eq!(json["files"].as_array().unwrap().len(), 2);
    // JSON mode prints nothing else on stdout (parsing above proved it) and nothing on stderr.
    assert_eq!(run.stderr, "");
}

#[test]
fn check_json_clean_exits_0() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    let run = cairn(dir.path(), &["check", "clean.md", "--format", "json"]);
    run.expect_code(0);
    let json = run.json();
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 0);
    assert_eq!(json["files"][0]["path"], "clean.md");
    assert_eq!(json["files"][0]["diagnostics"], Value::Array(vec![]));
}

#[test]
fn check_json_reports_unreadable_files() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    let run = cairn(
        dir.path(),
        &["check", "--format", "json", "clean.md", "missing.md"],
    );
    run.expect_code(1);
    let json = run.json();
    assert_eq!(json["errors"], 1);
    let missing = &json["files"][1];
    assert_eq!(missing["path"], "missing.md");
    assert_eq!(missing["errors"], 1);
    let error = missing["error"].as_str().unwrap();
    assert!(
        error.contains("missing.md") && error.contains("no such file"),
        "{error}"
    );
}

#[test]
fn check_json_path_of_unreadable_file_is_the_path() {
    let dir = temp();
    write(dir.path(), "latin1.md", b"# T\n\nabcd\xff\n");
    write(dir.path(), "odd: name.md", b"# T\n\nabcd\xff\n");
    let run = cairn(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "latin1.md",
            "odd: name.md",
            "gone: too.md",
        ],
    );
    run.expect_code(1);
    let json = run.json();
    assert_eq!(json["files"][0]["path"], "latin1.md");
    assert_eq!(json["files"][1]["path"], "odd: name.md");
    assert_eq!(json["files"][2]["path"], "gone: too.md");
}

#[test]
fn check_several_files_one_bad_exits_1() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    write(dir.path(), "bad.md", BAD);
    write(dir.path(), "warn.md", WARN);
    let run = cairn(dir.path(), &["check", "clean.md", "bad.md", "warn.md"]);
    run.expect_code(1)
        .stdout_has(" --> bad.md:4:13\n")
        .stdout_has(" --> warn.md:5:1\n")
        .stdout_has("checked 3 runbooks: 1 error, 1 warning\n");
    assert!(!run.stdout.contains("clean.md"));
}

#[test]
fn check_several_files_none_bad_exits_0() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    write(dir.path(), "warn.md", WARN);
    cairn(dir.path(), &["check", "clean.md", "warn.md"])
        .expect_code(0)
        .stdout_has("checked 2 runbooks: 0 errors, 1 warning\n");
}

#[test]
fn check_one_missing_among_good_files_exits_1() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    cairn(dir.path(), &["check", "clean.md", "missing.md"])
        .expect_code(1)
        .stderr_has("missing.md")
        .stdout_has("checked 2 runbooks: 1 error, 0 warnings\n");
}

#[test]
fn check_directory_finds_nested_markdown_and_skips_hidden_folders() {
    let dir = temp();
    write(dir.path(), "book/top.md", CLEAN);
    write(dir.path(), "book/sub/deeper/warn.md", WARN);
    write(dir.path(), "book/sub/notes.txt", "not a runbook: [broken");
    // A bad runbook in a hidden folder must not be looked at.
    write(dir.path(), "book/.git/bad.md", BAD);
    write(dir.path(), "book/sub/.cache/bad.md", BAD);
    let run = cairn(dir.path(), &["check", "book"]);
    run.expect_code(0)
        .stdout_has(" --> book/sub/deeper/warn.md:5:1\n")
        .stdout_has("checked 2 runbooks: 0 errors, 1 warning\n");
    assert!(!run.stdout.contains("bad.md"), "{}", run.stdout);

    let run = cairn(dir.path(), &["check", "--format", "json", "book"]);
    run.expect_code(0);
    let json = run.json();
    let paths: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["book/sub/deeper/warn.md", "book/top.md"]);
}

#[test]
fn check_directory_with_a_bad_runbook_exits_1() {
    let dir = temp();
    write(dir.path(), "book/a.md", CLEAN);
    write(dir.path(), "book/b/c.md", BAD);
    cairn(dir.path(), &["check", "book"])
        .expect_code(1)
        .stdout_has(" --> book/b/c.md:4:13\n")
        .stdout_has("checked 2 runbooks: 1 error, 0 warnings\n");
}

#[test]
fn check_directory_follows_symlinked_runbooks_but_not_symlinked_folders() {
    let dir = temp();
    write(dir.path(), "elsewhere/bad.md", BAD);
    write(dir.path(), "book/a.md", CLEAN);
    std::os::unix::fs::symlink(
        dir.path().join("elsewhere/bad.md"),
        dir.path().join("book/link.md"),
    )
    .unwrap();
    // A folder linking back to its parent must not make the search loop.
    std::os::unix::fs::symlink(dir.path().join("book"), dir.path().join("book/loop")).unwrap();
    cairn(dir.path(), &["check", "book"])
        .expect_code(1)
        .stdout_has(" --> book/link.md:4:13\n")
        .stdout_has("checked 2 runbooks: 1 error, 0 warnings\n");
}

#[test]
fn check_empty_directory_exits_1_with_clear_message() {
    let dir = temp();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    // Only hidden or non-Markdown content counts as empty too.
    write(dir.path(), "nothing/.hidden/a.md", CLEAN);
    write(dir.path(), "nothing/readme.txt", "hello");
    for folder in ["empty", "nothing"] {
        cairn(dir.path(), &["check", folder])
            .expect_code(1)
            .stderr_has(&format!("error: {folder}: no runbooks (*.md files)"))
            .stdout_has("checked 0 runbooks: 1 error, 0 warnings\n");
    }
}

// ---------------------------------------------------------------------------------------
// Bad input: clear errors, never a panic
// ---------------------------------------------------------------------------------------

#[test]
fn missing_file_names_the_path_and_says_what_to_do() {
    let dir = temp();
    for command in ["check", "show"] {
        let run = cairn(dir.path(), &[command, "no-such-runbook.md"]);
        run.expect_code(1)
            .stderr_has("error: no-such-runbook.md: no such file")
            .stderr_has("check the path");
    }
}

#[test]
fn show_refuses_a_directory() {
    let dir = temp();
    write(dir.path(), "book/a.md", CLEAN);
    let run = cairn(dir.path(), &["show", "book"]);
    run.expect_code(1)
        .stderr_has("error: book: is a directory, not a runbook")
        .stderr_has("name a Markdown file");
    assert_eq!(run.stdout, "");
}

#[test]
fn non_utf8_file_reports_position_of_first_bad_byte() {
    let dir = temp();
    // Line 3: `é` (two bytes, one character), `abc`, then 0xFF at character column 5.
    write(
        dir.path(),
        "latin1.md",
        b"# Titr\xc3\xa9\n\n\xc3\xa9abc\xff rest\n",
    );
    for command in ["check", "show"] {
        let run = cairn(dir.path(), &[command, "latin1.md"]);
        run.expect_code(1)
            .stderr_has("error: latin1.md:3:5: ")
            .stderr_has("not valid UTF-8");
    }
    let run = cairn(dir.path(), &["check", "--format", "json", "latin1.md"]);
    run.expect_code(1);
    let error = run.json()["files"][0]["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("latin1.md:3:5: "), "{error}");
}

#[test]
fn huge_file_is_refused_as_too_large() {
    let dir = temp();
    let path = dir.path().join("huge.md");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    drop(file);
    for command in ["check", "show"] {
        let run = cairn(dir.path(), &[command, "huge.md"]);
        run.expect_code(1)
            .stderr_has("error: huge.md: is 50.0 MiB")
            .stderr_has("probably not a runbook");
    }
}

#[test]
fn hostile_inputs_never_panic() {
    let dir = temp();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.md", b"".to_vec()),
        ("unclosed-yaml.md", b"---\ntitle: [unclosed\n".to_vec()),
        ("bad-toml.md", b"+++\ntitle = \n+++\n# T\n".to_vec()),
        ("nul.md", b"a\0b\n## \0\n```\0\n".to_vec()),
        ("bom.md", b"\xef\xbb\xbf# T\n\n## S\n".to_vec()),
        ("quotes.md", format!("{} x\n", ">".repeat(5000)).into_bytes()),
        ("ticks.md", "`".repeat(100_000).into_bytes()),
        ("lists.md", format!("{}x\n", "- ".repeat(3000)).into_bytes()),
        (
            "dups.md",
            b"## A\n<!-- cairn: id=x -->\n## B\n<!-- cairn: id=x -->\n```bash {\"name\": \necho\n```\n"
                .to_vec(),
        ),
        (
            "misc.md",
            b"```\n$ echo <pod name> <\n```\n<!-- cairn: \n".to_vec(),
        ),
    ];
    for (name, text) in &cases {
        write(dir.path(), name, text);
    }
    for (name, _) in &cases {
        for args in [
            &["check", name][..],
            &["check", "--format", "json", name],
            &["show", name],
            &["show", "--format", "json", name],
        ] {
            let run = cairn(dir.path(), args);
            assert!(
                run.code == 0 || run.code == 1,
                "{args:?} exited {}: {}",
                run.code,
                run.stderr
            );
        }
    }
}

#[test]
fn show_outline_of_empty_command_block_does_not_panic() {
    let dir = temp();
    write(dir.path(), "empty-block.md", "## A\n\n```bash\n```\n");
    write(dir.path(), "blank-block.md", "## A\n\n```bash\n\n```\n");
    write(dir.path(), "bare-prompt.md", "## A\n\n```console\n$\n```\n");
    for name in ["empty-block.md", "blank-block.md", "bare-prompt.md"] {
        let run = cairn(dir.path(), &["show", name]);
        run.expect_code(0).stdout_has("1. A");
    }
}

// ---------------------------------------------------------------------------------------
// Usage errors, help and version
// ---------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    let dir = temp();
    write(dir.path(), "clean.md", CLEAN);
    let cases: [(&[&str], &str); 7] = [
        (&[], "Usage: cairn"),
        (&["frob"], "unrecognized subcommand 'frob'"),
        (&["check"], "<RUNBOOK>"),
        (&["show"], "<RUNBOOK>"),
        (&["check", "clean.md", "--format", "yaml"], "'yaml'"),
        (&["show", "--format", "yaml", "clean.md"], "'yaml'"),
        (&["show", "clean.md", "clean.md"], "unexpected argument"),
    ];
    for (args, needle) in cases {
        let run = cairn(dir.path(), args);
        run.expect_code(2).stderr_has(needle);
        assert_eq!(run.stdout, "", "cairn {args:?} printed on stdout");
    }
    cairn(dir.path(), &["check", "clean.md", "--format", "yaml"])
        .stderr_has("possible values: text, json");
}

#[test]
fn help_and_version_exit_0() {
    let dir = temp();
    for args in [&["--help"][..], &["-h"], &["help"]] {
        cairn(dir.path(), args)
            .expect_code(0)
            .stdout_has("Usage: cairn")
            .stdout_has("check")
            .stdout_has("show");
    }
    for command in ["check", "show"] {
        cairn(dir.path(), &[command, "--help"])
            .expect_code(0)
            .stdout_has(&format!("Usage: cairn {command}"))
            .stdout_has("--format");
    }
    for flag in ["--version", "-V"] {
        let run = cairn(dir.path(), &[flag]);
        run.expect_code(0);
        assert_eq!(run.stdout, format!("cairn {}\n", env!("CARGO_PKG_VERSION")));
    }
}

// ---------------------------------------------------------------------------------------
// cairn show
// ---------------------------------------------------------------------------------------

fn step<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {json:#}"))
}

#[test]
fn show_json_has_the_format_fields() {
    let dir = temp();
    write(dir.path(), "show.md", SHOW);
    let run = cairn(dir.path(), &["show", "--format", "json", "show.md"]);
    run.expect_code(0);
    assert_eq!(run.stderr, "");
    let json = run.json();

    assert_eq!(json["title"], "Fail over the database");
    assert_eq!(json["path"], "show.md");

    let params = json["params"].as_array().unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0]["name"], "DB_HOST");
    assert_eq!(params[0]["secret"], false);
    assert_eq!(params[1]["name"], "API_TOKEN");
    assert_eq!(params[1]["secret"], true);

    let ids: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["id"].as_str().unwrap())
        .collect();
    // The title heading is not a step.
    assert_eq!(
        ids,
        ["check-lag", "mitigation", "promote-the-replica", "escalate"]
    );

    let check = step(&json, "check-lag");
    assert_eq!(check["title"], "Check lag");
    assert_eq!(check["level"], 2);
    assert_eq!(check["line"], 12);
    assert_eq!(check["kind"], "step");
    assert_eq!(check["checks"][0]["text"], "Dashboard looks calm");
    assert_eq!(check["checks"][0]["line"], 18);
    let block = &check["blocks"][0];
    assert_eq!(block["kind"], "command");
    assert_eq!(block["lang"], "bash");
    assert_eq!(block["line"], 14);
    assert_eq!(block["commands"], serde_json::json!(["psql -c 'select 1'"]));
    assert_eq!(block["attrs"]["name"], "lag");
    let next = check["next"].as_array().unwrap();
    assert_eq!(next.len(), 2);
    assert_eq!(next[0]["to"], "promote-the-replica");
    assert_eq!(next[0]["when"], "choice");
    assert_eq!(next[0]["label"], "Lag is small: promote the replica");
    assert_eq!(next[1]["to"], "escalate");
    assert_eq!(next[1]["when"], "choice");

    let group = step(&json, "mitigation");
    assert_eq!(group["kind"], "group");
    assert_eq!(group["level"], 2);
    assert_eq!(group["line"], 24);

    let promote = step(&json, "promote-the-replica");
    assert_eq!(promote["level"], 3);
    assert_eq!(promote["line"], 26);
    assert_eq!(promote["kind"], "step");
    let blocks = promote["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["kind"], "command");
    assert_eq!(blocks[0]["lang"], "console");
    assert_eq!(blocks[0]["line"], 28);
    // Console style: only the prompted line is a command.
    assert_eq!(blocks[0]["commands"], serde_json::json!(["pg_ctl promote"]));
    assert_eq!(blocks[1]["kind"], "snippet");
    assert_eq!(blocks[1]["lang"], "yaml");
    assert_eq!(blocks[1]["line"], 33);
    assert_eq!(blocks[1]["commands"], serde_json::json!([]));
    assert_eq!(
        promote["next"],
        serde_json::json!([{"to": "escalate", "when": "default"}])
    );

    let escalate = step(&json, "escalate");
    assert_eq!(escalate["kind"], "read");
    assert_eq!(escalate["blocks"], serde_json::json!([]));
    assert_eq!(escalate["next"][0]["to"], "end");
    assert_eq!(escalate["next"][0]["when"], "default");

    assert_eq!(json["diagnostics"], serde_json::json!([]));
}

#[test]
fn show_json_key_value_attrs_fail_edges_and_diagnostics() {
    let dir = temp();
    write(
        dir.path(),
        "edges.md",
        r#"# Edges

## Diagnose

```bash { name=probe timeout=30s confirm="Probe now?" }
curl -fsS http://localhost/health
```

```text
ok
```

## Restart
<!-- cairn: id=restart next=end -->

```sh {"name":"RESTART","on_fail":"diagnose"}
systemctl restart web
```

```bash
echo done
"#,
    );
    let run = cairn(dir.path(), &["show", "--format", "json", "edges.md"]);
    run.expect_code(0);
    let json = run.json();
    assert_eq!(json["title"], "Edges");
    assert_eq!(json["params"], serde_json::json!([]));

    let diagnose = step(&json, "diagnose");
    let attrs = &diagnose["blocks"][0]["attrs"];
    assert_eq!(attrs["name"], "probe");
    assert_eq!(attrs["timeout"], "30s");
    assert_eq!(attrs["confirm"], "Probe now?");
    assert_eq!(diagnose["blocks"][1]["kind"], "output");
    assert_eq!(diagnose["blocks"][1]["lang"], "text");
    assert_eq!(
        diagnose["next"],
        serde_json::json!([{"to": "restart", "when": "default"}])
    );

    let restart = step(&json, "restart");
    assert_eq!(restart["title"], "Restart");
    let next = restart["next"].as_array().unwrap();
    assert!(
        next.iter()
            .any(|e| e["to"] == "end" && e["when"] == "default"),
        "{next:?}"
    );
    assert!(
        next.iter()
            .any(|e| e["to"] == "diagnose" && e["when"] == "fail"),
        "{next:?}"
    );

    let diagnostics = json["diagnostics"].as_array().unwrap();
    let fence = diagnostics
        .iter()
        .find(|d| d["code"] == "unclosed-fence")
        .unwrap_or_else(|| panic!("no unclosed-fence in {diagnostics:?}"));
    assert_eq!(fence["severity"], "warning");
    assert_eq!(fence["line"], 20);
    assert_eq!(fence["col"], 1);
    assert!(fence["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn show_text_outline_lists_numbered_steps_with_ids() {
    let dir = temp();
    write(dir.path(), "show.md", SHOW);
    let run = cairn(dir.path(), &["show", "show.md"]);
    run.expect_code(0);
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "Fail over the database");
    run.stdout_has("show.md")
        .stdout_has("API_TOKEN (secret)")
        .stdout_has("Mitigation");
    let numbered = |number: usize, title: &str, id: &str| {
        let line = lines
            .iter()
            .find(|line| line.trim_start().starts_with(&format!("{number}. ")))
            .unwrap_or_else(|| panic!("no step {number} in\n{}", run.stdout));
        assert!(line.contains(title), "{line:?} lacks {title:?}");
        assert!(line.contains(&format!("#{id}")), "{line:?} lacks #{id}");
    };
    numbered(1, "Check lag", "check-lag");
    numbered(2, "Promote the replica", "promote-the-replica");
    numbered(3, "Escalate", "escalate");
    // A group is a tree node, never a numbered stop.
    assert!(!lines.iter().any(|line| line.contains("4. ")));
    let group = lines
        .iter()
        .find(|line| line.contains("Mitigation"))
        .unwrap();
    assert!(!group.contains("#mitigation"), "{group:?}");
}

#[test]
fn show_text_mentions_problems() {
    let dir = temp();
    write(dir.path(), "bad.md", BAD);
    cairn(dir.path(), &["show", "bad.md"])
        .expect_code(0)
        .stdout_has("1 error, 0 warnings: run `cairn check bad.md`");
}

// ---------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------

#[test]
fn no_ansi_escapes_when_stdout_is_not_a_terminal() {
    let dir = temp();
    write(dir.path(), "bad.md", BAD);
    write(dir.path(), "warn.md", WARN);
    write(dir.path(), "show.md", SHOW);
    let commands: [&[&str]; 5] = [
        &["check", "bad.md", "warn.md", "missing.md"],
        &["check", "--format", "json", "bad.md"],
        &["show", "show.md"],
        &["show", "bad.md"],
        &["show", "missing.md"],
    ];
    for no_color in [None, Some("1")] {
        for args in commands {
            let mut cmd = cairn_cmd(dir.path());
            if let Some(value) = no_color {
                cmd.env("NO_COLOR", value);
            }
            let run = run_with(cmd, args);
            assert!(
                !run.stdout.contains("\x1b[") && !run.stderr.contains("\x1b["),
                "ANSI escape with NO_COLOR={no_color:?} from {args:?}:\n{:?}\n{:?}",
                run.stdout,
                run.stderr
            );
        }
    }
}

/// Under a real terminal (util-linux `script` provides one) cairn colours its output, unless
/// NO_COLOR is set. Skipped when `script` is not available.
#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let dir = temp();
    write(dir.path(), "bad.md", BAD);
    let bin = env!("CARGO_BIN_EXE_cairn");
    let in_pty = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.current_dir(dir.path())
            .args(["-qec", &format!("'{bin}' check bad.md"), "/dev/null"])
            .env_remove("NO_COLOR")
            .stdin(std::process::Stdio::null());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        cmd.output()
            .ok()
            .filter(|output| String::from_utf8_lossy(&output.stdout).contains("unknown-target"))
    };
    let Some(coloured) = in_pty(false) else {
        eprintln!("skipped: util-linux `script` is not available");
        return;
    };
    let coloured = String::from_utf8_lossy(&coloured.stdout).into_owned();
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal: {coloured:?}"
    );
    assert!(!coloured.contains("panicked"));
    let plain = in_pty(true).unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    assert!(
        !plain.contains("\x1b["),
        "colour despite NO_COLOR: {plain:?}"
    );
    assert!(plain.contains(" --> bad.md:4:13"), "{plain:?}");
}

#[test]
fn a_reader_that_stops_reading_is_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("many.md");
    let steps: String = (0..10_000)
        .map(|n| format!("## Step {n}\n\n```bash\necho {n}\n```\n\n"))
        .collect();
    std::fs::write(&runbook, format!("# Many\n\n{steps}")).unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' show '{}' | head -c 10 > /dev/null; echo \"status ${{?}}\"",
            env!("CARGO_BIN_EXE_cairn"),
            runbook.display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}
