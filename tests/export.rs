//! `cairn export` on real sessions: a fixture runbook walked by `cairn run --auto` into a
//! temporary journal (a passing block, a failing one that goes on by `on_fail`, a console
//! block with a long output, a decision answered by `--choose`, a secret `--param`), then
//! exported to every format, each file read by a real reader: asciinema for the cast,
//! xmllint against the JUnit schema, headless Chromium for the page, pulldown-cmark for
//! the Markdown. A note, which only the UI can take, is added on a real terminal (tmux).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{cairn_with, Run};

const RUNBOOK: &str = r#"---
title: Fail over the orders database
params:
  API_TOKEN: { prompt: "API token", secret: true }
---

# Fail over the orders database

When the primary stops answering, move traffic to the replica.

## Check lag

```bash
echo "lag is 3 s"
printf '\033[32mgreen\033[0m\n'
echo "token $API_TOKEN"
```

## Probe the primary

```bash { on_fail=escalate }
echo "primary unreachable"
echo 'a ``` fence, a ]]> and <script>alert(1)</script>'
exit 3
```

## Escalate

```console
$ echo "paging the DBA"
paging the DBA
$ seq 1 300
```

## Decide

<!-- cairn: choose="What now?" -->
- Promote now: [promote](#promote)
- Wait it out: [wait](#wait)

## Promote

<!-- cairn: next=end -->

```bash
echo "promoted db-2"
```

## Wait

```bash
sleep 1
```
"#;

const SECRET: &str = "tok-9f8e7d6c";

/// What each command printed, as text.
const OUTPUTS: [&str; 4] = [
    "lag is 3 s\ngreen\ntoken [redacted]\n",
    "primary unreachable\na ``` fence, a ]]> and <script>alert(1)</script>\n",
    "paging the DBA\n",
    "promoted db-2\n",
];

const STEPS: [&str; 5] = [
    "Check lag",
    "Probe the primary",
    "Escalate",
    "Decide",
    "Promote",
];

/// A journal in a temporary folder holding one walk of RUNBOOK.
struct Walked {
    dir: TempDir,
    id: String,
}

impl Walked {
    fn new() -> Walked {
        let dir = TempDir::new().unwrap();
        std::fs::write(dir.path().join("failover.md"), RUNBOOK).unwrap();
        let run = cairn_with(
            dir.path(),
            &[
                "run",
                "failover.md",
                "--auto",
                "--journal",
                "journal",
                "--param",
                &format!("API_TOKEN={SECRET}"),
                "--choose",
                "decide=1",
            ],
            &[],
        );
        run.expect_code(0);
        let id = Run::session_id(&run);
        Walked { dir, id }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cairn(&self, args: &[&str]) -> Run {
        cairn_with(self.dir.path(), args, &[])
    }

    /// Exports the session as `format` to `name`; returns the file's path.
    fn export(&self, format: &str, name: &str) -> PathBuf {
        self.cairn(&[
            "export",
            &self.id,
            "--format",
            format,
            "-o",
            name,
            "--journal",
            "journal",
        ])
        .expect_code(0)
        .stdout_has(&format!("exported session {}", self.id));
        self.path(name)
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Runs a tool the test needs (.ci/run installs it), failing with what it said.
fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("{program} is needed (.ci/run installs it): {error}"))
}

fn said(output: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn every_format_is_written_whole_and_none_holds_the_secret() {
    let walked = Walked::new();
    for (format, name) in [
        ("md", "out.md"),
        ("cast", "out.cast"),
        ("html", "out.html"),
        ("json", "out.json"),
        ("junit", "out.xml"),
    ] {
        let path = walked.export(format, name);
        let text = read(&path);
        assert!(!text.contains(SECRET), "{format} holds the secret:\n{text}");
        assert!(text.contains("[redacted]"), "{format}:\n{text}");
        assert!(text.contains("lag is 3 s"), "{format}:\n{text}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{format}");
        // The same bytes on stdout.
        let printed = walked.cairn(&[
            "export",
            &walked.id[..5],
            "--format",
            format,
            "--journal",
            "journal",
        ]);
        printed.expect_code(0);
        assert_eq!(printed.stdout, text, "{format} on stdout");
    }
    // The format can come from the file's name.
    walked
        .cairn(&[
            "export",
            &walked.id,
            "-o",
            "again.cast",
            "--journal",
            "journal",
        ])
        .expect_code(0);
    assert_eq!(
        read(&walked.path("again.cast")),
        read(&walked.path("out.cast"))
    );
}

#[test]
fn the_cast_plays_in_asciinema_with_a_marker_at_each_step() {
    let walked = Walked::new();
    let path = walked.export("cast", "walk.cast");
    let text = read(&path);
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(80), Some(24))
    );
    assert!(header["timestamp"].as_u64().unwrap() > 1_600_000_000);
    assert!(header["title"]
        .as_str()
        .unwrap()
        .contains("Fail over the orders database"));
    let events: Vec<Value> = lines
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut last = 0.0;
    for event in &events {
        let time = event[0].as_f64().unwrap();
        assert!(time >= last, "time goes back: {event}");
        last = time;
        assert!(matches!(event[1].as_str(), Some("o" | "m")), "{event}");
    }
    let markers: Vec<&str> = events
        .iter()
        .filter(|event| event[1] == "m")
        .map(|event| event[2].as_str().unwrap())
        .collect();
    assert_eq!(markers, STEPS);
    // The raw output keeps its colours.
    assert!(text.contains("\\u001b[32mgreen"), "{text}");

    // `asciinema cat` reads /dev/tty, so it runs on a terminal of its own (util-linux
    // `script`, which .ci/run installs).
    let command = format!("asciinema cat '{}'", path.display());
    let played = tool("script", &["-q", "-e", "-c", &command, "/dev/null"]);
    assert!(
        played.status.success(),
        "asciinema cat failed\n{}",
        said(&played)
    );
    let screen = cairn::ansi::strip(&played.stdout);
    for output in OUTPUTS {
        assert!(screen.contains(output), "{output:?} not played:\n{screen}");
    }
    assert!(screen.contains("$ seq 1 300\n1\n2\n"), "{screen}");
    assert!(screen.contains("✗ exit 3"), "{screen}");
}

#[test]
fn the_junit_file_validates_against_the_junit_schema() {
    let walked = Walked::new();
    let path = walked.export("junit", "walk.xml");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit.xsd");
    let schema = schema.to_str().unwrap();
    let checked = tool(
        "xmllint",
        &["--noout", "--schema", schema, path.to_str().unwrap()],
    );
    assert!(
        checked.status.success(),
        "invalid JUnit XML\n{}",
        said(&checked)
    );

    let xml = read(&path);
    assert!(
        xml.contains(r#"<testsuite name="Fail over the orders database" tests="4" failures="1" errors="0" skipped="0""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="probe-the-primary" name="block 1: echo &quot;primary unreachable&quot;…""#),
        "{xml}"
    );
    assert!(xml.contains(r#"<failure message="✗ exit 3"#), "{xml}");
    assert!(
        xml.contains(r#"type="failed"><![CDATA[$ echo "primary unreachable""#),
        "{xml}"
    );
    // A `]]>` in the output cannot end the CDATA section early: the schema check above
    // parsed it, and the text is whole once read.
    assert!(xml.contains("a ]]]]><![CDATA[> and"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 4);

    // The schema is not a formality: a test case without a name fails it.
    let broken = walked.path("broken.xml");
    std::fs::write(
        &broken,
        xml.replacen(" name=\"block 1: echo &quot;lag", " label=\"", 1),
    )
    .unwrap();
    let checked = tool(
        "xmllint",
        &["--noout", "--schema", schema, broken.to_str().unwrap()],
    );
    assert!(!checked.status.success(), "{}", said(&checked));
}

#[test]
fn the_html_page_opens_in_chromium_and_its_screenshot_shows_the_timeline() {
    let walked = Walked::new();
    let path = walked.export("html", "walk.html");
    let html = read(&path);
    for outside in ["<script", "src=", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "{outside} in a self-contained page:\n{html}"
        );
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("@media print"));

    let url = format!("file://{}", path.display());
    let profile = walked.path("chromium-profile");
    let profile = format!("--user-data-dir={}", profile.display());
    let chromium = |extra: &[&str]| {
        let mut args = vec![
            "120",
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            profile.as_str(),
        ];
        args.extend_from_slice(extra);
        args.push(&url);
        tool("timeout", &args)
    };
    let dom = chromium(&["--dump-dom"]);
    assert!(dom.status.success(), "{}", said(&dom));
    let dom = String::from_utf8_lossy(&dom.stdout);
    let table = dom
        .split("<table class=\"timeline\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("no timeline table:\n{dom}"));
    for step in STEPS {
        assert!(
            table.contains(&format!("<td>{step}</td>")),
            "{step} not in the timeline:\n{table}"
        );
    }
    assert!(table.contains("<tr class=\"failed\">"), "{table}");
    assert!(table.contains("+00:00."), "{table}");

    let shot = walked.path("walk.png");
    let screenshot = format!("--screenshot={}", shot.display());
    let taken = chromium(&[&screenshot, "--window-size=1200,1600"]);
    assert!(taken.status.success(), "{}", said(&taken));
    let (width, height, pixels) = decode(&shot);
    assert_eq!((width, height), (1200, 1600));
    let colours: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        colours.len() > 20,
        "the page looks blank: {} colours",
        colours.len()
    );
    // The timeline's failed row (background #ffebe9) is on screen, in its top part.
    let failed_row = pixels.iter().position(|pixel| {
        pixel
            .iter()
            .zip([0xff, 0xeb, 0xe9])
            .all(|(have, want)| have.abs_diff(want) <= 3)
    });
    let row = failed_row.map(|index| index / width as usize);
    assert!(
        row.is_some_and(|row| row < 1200),
        "no failed timeline row on screen: {row:?}"
    );
}

/// A PNG's size and its pixels as RGB.
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let samples = frame.color_type.samples();
    assert!(samples >= 3, "{:?}", frame.color_type);
    let pixels = buffer[..frame.buffer_size()]
        .chunks(samples)
        .map(|pixel| [pixel[0], pixel[1], pixel[2]])
        .collect();
    (frame.width, frame.height, pixels)
}

/// The text of every fenced code block, with its info string.
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, pulldown_cmark::Options::all()) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = Some((info.to_string(), String::new()));
            }
            Event::Text(text) => {
                if let Some((_, body)) = open.as_mut() {
                    body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_markdown_renders_with_each_output_in_a_code_block() {
    let walked = Walked::new();
    let markdown = read(&walked.export("md", "walk.md"));
    let blocks = code_blocks(&markdown);
    let outputs: Vec<&str> = blocks
        .iter()
        .filter(|(info, _)| info == "text")
        .map(|(_, body)| body.as_str())
        .collect();
    for output in OUTPUTS {
        assert!(
            outputs.contains(&output),
            "{output:?} is in no code block:\n{markdown}"
        );
    }
    // The long output keeps its end and says what it cut.
    let seq = outputs
        .iter()
        .find(|body| body.starts_with("101\n"))
        .unwrap();
    assert!(
        seq.ends_with("\n300\n") && seq.lines().count() == 200,
        "{seq}"
    );
    assert!(
        markdown.contains("100 earlier lines (292 B) not shown"),
        "{markdown}"
    );
    // The runbook's own blocks are still there, whole.
    assert!(blocks
        .iter()
        .any(|(info, body)| info == "bash { on_fail=escalate }" && body.contains("exit 3")));

    // The timeline is a table with a row for each step entered.
    let html = {
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            Parser::new_ext(&markdown, pulldown_cmark::Options::all()),
        );
        html
    };
    let table = html
        .split("<table>")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert_eq!(
        table.matches("<td>entered</td>").count(),
        STEPS.len(),
        "{table}"
    );
    assert!(table.contains("<strong>✗ exit 3 · "), "{table}");
    assert!(html.contains("Not reached in this session"), "{html}");
    assert!(
        html.contains("Decided:</strong> Promote now: promote → <a href=\"#promote\">Promote</a>"),
        "{html}"
    );
    assert!(
        !markdown.contains("title: Fail over"),
        "front matter left in:\n{markdown}"
    );
}

#[test]
fn json_holds_the_session_and_every_event_as_recorded() {
    let walked = Walked::new();
    let document: Value = serde_json::from_str(&read(&walked.export("json", "walk.json"))).unwrap();
    assert_eq!(document["session"]["id"], walked.id.as_str());
    assert_eq!(document["session"]["runbook"], "failover.md");
    let events = document["events"].as_array().unwrap();
    assert_eq!(events[0]["type"], "session_started");
    assert_eq!(events.last().unwrap()["type"], "session_ended");
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event["seq"], index as u64 + 1);
    }
    let decision = events
        .iter()
        .find(|event| event["type"] == "decision_taken")
        .unwrap();
    assert_eq!(decision["to"], "promote");
    let failed = events
        .iter()
        .find(|event| event["type"] == "command_finished" && event["exit"] == 3)
        .unwrap();
    assert_eq!(failed["outcome"], "failed");
    assert!(failed["output"]["text"]
        .as_str()
        .is_some_and(|id| id.len() == 40));
}

#[test]
fn mistakes_exit_with_what_to_do_next() {
    let walked = Walked::new();
    let id = walked.id.as_str();
    for (args, code, says) in [
        (
            vec![id],
            2,
            "say what to write: --format md, cast, html, json or junit",
        ),
        (
            vec![id, "-o", "out.txt"],
            2,
            "cannot tell the format from `out.txt`",
        ),
        (vec![id, "--format", "pdf"], 2, "invalid value 'pdf'"),
        (vec!["ffffffff", "-f", "md"], 1, "`cairn log` lists them"),
        (
            vec![id, "-f", "md", "-o", "missing/out.md"],
            1,
            "cannot write missing/out.md",
        ),
    ] {
        let mut all = vec!["export", "--journal", "journal"];
        all.extend(args);
        walked.cairn(&all).expect_code(code).stderr_has(says);
    }
    assert!(!walked.path("missing").exists());
    walked
        .cairn(&["export", id, "-f", "md", "--journal", "nowhere"])
        .expect_code(1)
        .stderr_has("there is no journal at nowhere");
}

#[test]
fn a_note_taken_in_the_ui_is_in_every_transcript() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("note.md"),
        "# Note it\n\n## Look\n\n```bash\necho looked\n```\n",
    )
    .unwrap();
    let command = format!(
        "cd {} && NO_COLOR=1 XDG_DATA_HOME=.data XDG_CONFIG_HOME=.config CAIRN_JOURNAL=journal {} run note.md; echo EXIT=$?; sleep 60",
        dir.path().display(),
        env!("CARGO_BIN_EXE_cairn")
    );
    let tmux = common::tmux::Tmux::start_sized(dir.path(), &command, 100, 32);
    tmux.wait_visible("Enter run");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("the step is done");
    tmux.keys(&["n"]);
    tmux.wait_visible("A note for the journal");
    tmux.type_text("replica <lag> looked *fine*");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("note saved in the journal");
    tmux.keys(&["Enter"]);
    tmux.wait_visible("The walk is over");
    tmux.keys(&["q"]);
    let screen = tmux.wait_visible("EXIT=0");
    let run = Run {
        code: 0,
        stdout: screen,
        stderr: String::new(),
    };
    let id = Run::session_id(&run);
    let export = |format: &str| {
        let run = cairn_with(
            dir.path(),
            &["export", &id, "--format", format, "--journal", "journal"],
            &[],
        );
        run.expect_code(0);
        run.stdout
    };
    let markdown = export("md");
    assert!(
        markdown.contains("> replica \\<lag\\> looked \\*fine\\*"),
        "{markdown}"
    );
    let html = export("html");
    assert!(
        html.contains("<p>replica &lt;lag&gt; looked *fine*</p>"),
        "{html}"
    );
    assert!(export("cast").contains("✎ note: replica <lag> looked *fine*"));
    assert!(export("json").contains("\"type\": \"note_added\""));
}
