//! Fixture runbooks under tests/fixtures/format/, each pinning a rule of the format
//! (FORMAT.md and docs/format.md) with exact lines and columns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use cairn::runbook::{
    load, Block, BlockKind, Code, EdgeWhen, Fence, Quote, Runbook, Severity, Step, StepKind,
};

fn fixture(name: &str) -> Runbook {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/format")
        .join(name);
    load(&path).unwrap_or_else(|error| panic!("{error}"))
}

/// (code, line, col) of every diagnostic, in order.
fn diagnostics(runbook: &Runbook) -> Vec<(&'static str, usize, usize)> {
    runbook
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.col))
        .collect()
}

fn step<'a>(runbook: &'a Runbook, id: &str) -> &'a Step {
    runbook
        .step(id)
        .unwrap_or_else(|| panic!("no step `{id}` in {:?}", ids(runbook)))
}

fn ids(runbook: &Runbook) -> Vec<&str> {
    runbook.steps.iter().map(|step| step.id.as_str()).collect()
}

/// (kind, lang, line, col) of each block of a step.
fn blocks(step: &Step) -> Vec<(BlockKind, Option<&str>, usize, usize)> {
    step.blocks
        .iter()
        .map(|b| (b.kind, b.lang.as_deref(), b.line, b.col))
        .collect()
}

fn commands(block: &Block) -> Vec<&str> {
    block.commands.iter().map(String::as_str).collect()
}

fn edges(step: &Step) -> Vec<(&str, EdgeWhen)> {
    step.next
        .iter()
        .map(|edge| (edge.to.as_str(), edge.when))
        .collect()
}

use BlockKind::{Command, Output, Snippet};

#[test]
fn every_language_row() {
    let runbook = fixture("languages.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    let shells = step(&runbook, "shell-family");
    assert_eq!(
        blocks(shells),
        [
            (Command, Some("sh"), 5, 1),
            (Command, Some("bash"), 9, 1),
            (Command, Some("shell"), 13, 1),
            (Command, Some("zsh"), 17, 1),
            (Command, Some("console"), 21, 1),
            (Command, Some("shell-session"), 26, 1),
        ]
    );
    let interpreters: Vec<_> = shells
        .blocks
        .iter()
        .map(|b| b.interpreter.as_deref().unwrap())
        .collect();
    assert_eq!(
        interpreters,
        ["bash", "bash", "bash", "zsh", "bash", "bash"]
    );
    assert_eq!(commands(&shells.blocks[4]), ["echo console"]);
    assert_eq!(shells.blocks[4].expected_output.as_deref(), Some("console"));
    assert!(shells.blocks[4].console);

    let interpreted = step(&runbook, "interpreters");
    let interpreters: Vec<_> = interpreted
        .blocks
        .iter()
        .map(|b| (b.kind, b.interpreter.as_deref().unwrap()))
        .collect();
    assert_eq!(
        interpreters,
        [
            (Command, "python3"),
            (Command, "python3"),
            (Command, "node"),
            (Command, "ruby"),
            (Command, "perl"),
            (Command, "psql -X")
        ]
    );

    let untagged = step(&runbook, "untagged");
    assert_eq!(
        blocks(untagged),
        [
            (Command, None, 58, 1),
            (Output, None, 62, 1),
            (Command, Some("bash"), 66, 1),
            (Output, None, 70, 1)
        ]
    );
    assert_eq!(commands(&untagged.blocks[0]), ["uptime"]);
    assert_eq!(untagged.blocks[1].output_of, Some(0));
    assert_eq!(untagged.blocks[3].output_of, Some(2));

    let rest = step(&runbook, "output-and-snippets");
    let kinds: Vec<_> = rest
        .blocks
        .iter()
        .map(|b| (b.kind, b.lang.as_deref().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Command, "bash"),
            (Output, "output"),
            (Snippet, "text"),
            (Snippet, "log"),
            (Snippet, "yaml"),
            (Snippet, "sql"),
            (Snippet, "promql")
        ]
    );
    assert_eq!(rest.blocks[1].output_of, Some(0));
    assert!(rest.blocks[4..].iter().all(|b| b.commands.is_empty()));
}

#[test]
fn every_attribute_row() {
    let runbook = fixture("attributes.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    let all = &step(&runbook, "every-attribute").blocks[0].options;
    assert_eq!(all.name.as_deref(), Some("lag"));
    assert_eq!(
        all.confirm,
        Some(cairn::runbook::options::Confirm::Message(
            "Promote now?".into()
        ))
    );
    assert_eq!(all.timeout, Some(std::time::Duration::from_secs(30)));
    assert!(all.interactive && all.background && all.danger);
    assert_eq!(all.capture.as_deref(), Some("LAG"));
    assert_eq!(all.expect, [0, 1]);
    assert_eq!(all.expect_output.as_deref(), Some("^ok"));
    assert_eq!(
        (all.on_ok.as_deref(), all.on_fail.as_deref()),
        (Some("done"), Some("done"))
    );
    assert_eq!(all.retry, Some(5));
    assert_eq!(all.retry_delay, Some(std::time::Duration::from_secs(10)));
    assert_eq!(all.host.as_deref(), Some("user@web-1"));
    assert_eq!(
        all.rehearsal,
        Some(cairn::runbook::options::Rehearsal::Skip)
    );
    assert_eq!(
        edges(step(&runbook, "every-attribute")),
        [
            ("done", EdgeWhen::Default),
            ("done", EdgeWhen::Ok),
            ("done", EdgeWhen::Fail)
        ]
    );

    // Runme's JSON form, with Runme's string booleans.
    let runme = &step(&runbook, "every-attribute").blocks[1];
    assert_eq!(
        runme.attrs.get("interactive").map(|a| a.text()),
        Some("false".into())
    );
    assert!(!runme.options.interactive);
    assert!(runme.options.background && runme.options.exclude_from_run_all);
    assert_eq!(runme.options.cwd.as_deref(), Some("/tmp"));
    assert_eq!(runme.options.prompt_env, Some(false));

    let upper = &step(&runbook, "every-attribute").blocks[2];
    assert_eq!(upper.options.capture.as_deref(), Some("UPPER"));
    assert_eq!(
        upper.options.rehearsal,
        Some(cairn::runbook::options::Rehearsal::Run("echo drill".into()))
    );
    assert_eq!(upper.defines, ["UPPER"]);
}

#[test]
fn fences_in_lists_quotes_tildes_and_long_fences() {
    let runbook = fixture("containers.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    let list = step(&runbook, "ordered-list");
    assert_eq!(
        blocks(list),
        [
            (Command, Some("bash"), 7, 4),
            (Command, Some("bash"), 13, 4)
        ]
    );
    assert_eq!(list.blocks[1].fence, Fence::Tilde);
    assert_eq!(commands(&list.blocks[0]), ["echo one"]);
    assert_eq!(list.blocks[0].command_lines, [8]);

    let quoted = step(&runbook, "quoted");
    assert_eq!(blocks(quoted), [(Command, Some("bash"), 19, 3)]);
    assert_eq!(commands(&quoted.blocks[0]), ["echo quoted"]);
    assert_eq!(quoted.blocks[0].command_lines, [20]);

    let long = step(&runbook, "tilde-and-long-fences");
    assert_eq!(
        blocks(long),
        [
            (Command, Some("sh"), 25, 1),
            (Snippet, Some("markdown"), 29, 1)
        ]
    );
    assert!(
        long.blocks[1].content.contains("```bash"),
        "the inner fence is text"
    );
}

#[test]
fn indented_blocks_keep_backticks_as_text() {
    let runbook = fixture("containers.md");
    let indented = step(&runbook, "indented");
    assert_eq!(indented.kind, StepKind::Read);
    assert_eq!(blocks(indented), [(Snippet, None, 39, 5)]);
    assert_eq!(indented.blocks[0].fence, Fence::Indented);
    assert_eq!(
        indented.blocks[0].content,
        "echo indented\n```bash\necho still literal\n```\n"
    );
}

#[test]
fn unclosed_fence_warns_and_keeps_the_steps_before() {
    let runbook = fixture("unclosed.md");
    assert_eq!(diagnostics(&runbook), [("unclosed-fence", 11, 1)]);
    assert_eq!(runbook.diagnostics[0].severity, Severity::Warning);
    assert_eq!(ids(&runbook), ["before", "broken"]);
    assert_eq!(
        commands(&step(&runbook, "before").blocks[0]),
        ["echo before"]
    );
    // The heading-looking line is inside the block, not a step.
    assert!(step(&runbook, "broken").blocks[0]
        .content
        .contains("## Not a heading"));
}

#[test]
fn junk_and_commands_in_the_language_slot() {
    let runbook = fixture("junk.md");
    assert_eq!(
        diagnostics(&runbook),
        [
            ("junk-info-string", 5, 9),
            ("junk-info-string", 11, 12),
            ("invalid-attributes", 17, 16)
        ]
    );
    assert_eq!(
        commands(&step(&runbook, "junk-after-the-language").blocks[0]),
        ["echo junk"]
    );
    let whole = &step(&runbook, "a-whole-command-in-the-language-slot").blocks[0];
    assert_eq!(
        (whole.kind, whole.lang.as_deref()),
        (Snippet, Some("kubectl"))
    );
    // Broken attributes are an error, but the block still loads.
    assert_eq!(
        commands(&step(&runbook, "broken-attributes").blocks[0]),
        ["echo attrs"]
    );
    assert!(runbook.has_errors());
}

#[test]
fn hash_is_a_root_prompt_in_console_and_a_comment_in_bash() {
    let runbook = fixture("prompts.md");
    let console = &step(&runbook, "root-prompt-in-a-console-block").blocks[0];
    assert_eq!(
        commands(console),
        ["systemctl restart nginx", "systemctl status nginx"]
    );
    assert_eq!(console.command_lines, [6, 7]);
    let bash = &step(&runbook, "comment-in-a-bash-block").blocks[0];
    assert!(!bash.console);
    assert_eq!(
        commands(bash),
        ["# restart the web server\nsystemctl restart nginx"]
    );
}

#[test]
fn prompt_shapes_continuations_and_heredocs() {
    let runbook = fixture("prompts.md");
    let shapes = &step(&runbook, "prompt-shapes").blocks[0];
    assert_eq!(
        commands(shapes),
        [
            "uptime",
            "df -h /var",
            "id -u",
            "sudo -i",
            "whoami",
            "hostname"
        ]
    );
    assert_eq!(shapes.command_lines, [21, 23, 24, 26, 27, 29]);
    assert_eq!(
        shapes.expected_output.as_deref(),
        Some(" 10:00:00 up 1 day\n0\nroot")
    );
    assert_eq!(
        shapes.command_hosts.last(),
        Some(&Some("web-2".to_string()))
    );

    let continued = &step(&runbook, "continuations-and-here-docs").blocks[0];
    assert_eq!(
        commands(continued),
        [
            "kubectl get pods \\\n    -n prod",
            "cat <<EOF > /tmp/x.yaml\na: 1\nEOF",
            "for i in 1 2\ndo echo $i\ndone"
        ]
    );
    assert_eq!(continued.command_lines, [35, 38, 41]);
    assert_eq!(
        continued.expected_output.as_deref(),
        Some("NAME   READY\n1\n2")
    );
}

#[test]
fn repl_prompts_are_not_shell_commands() {
    let runbook = fixture("prompts.md");
    let repl = step(&runbook, "repl-prompts");
    assert_eq!(repl.kind, StepKind::Read);
    assert_eq!(
        blocks(repl),
        [(Snippet, Some("console"), 50, 1), (Snippet, None, 57, 1)]
    );
    assert_eq!(diagnostics(&runbook), [("not-a-command", 50, 4)]);
}

#[test]
fn placeholders_with_positions_and_quoting() {
    let runbook = fixture("placeholders.md");
    let block = &step(&runbook, "inside-a-command-substitution").blocks[0];
    let found: Vec<_> = block
        .placeholders
        .iter()
        .map(|p| (p.name.as_str(), p.line, p.col, p.quote))
        .collect();
    assert_eq!(
        found,
        [
            ("app name", 6, 39, Quote::None),
            ("namespace", 6, 62, Quote::None),
            ("quoted", 7, 7, Quote::Single),
            ("double", 7, 18, Quote::Double),
        ]
    );
    assert_eq!(diagnostics(&runbook), [("malformed-placeholder", 15, 22)]);
}

#[test]
fn variables_read_defined_and_undefined() {
    let runbook = fixture("placeholders.md");
    let variables = step(&runbook, "variables");
    assert_eq!(variables.blocks[0].variables, ["CLUSTER"]);
    assert_eq!(variables.blocks[0].defines, ["REGION"]);
    assert_eq!(variables.blocks[1].variables, ["REGION", "CLUSTER"]);
    // REGION was exported by the block before; CLUSTER is defined nowhere.
    assert_eq!(variables.blocks[1].undefined, ["CLUSTER"]);

    let toml = fixture("toml-front-matter.md");
    let block = &toml.steps[0].blocks[0];
    assert_eq!(block.variables, ["REGION", "PGCONNECT_TIMEOUT"]);
    assert!(block.undefined.is_empty(), "params and env define them");
}

#[test]
fn html_comments_hide_headings_and_templates_are_text() {
    let runbook = fixture("html.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(ids(&runbook), ["visible"]);
    assert_eq!(step(&runbook, "visible").line, 10);
    assert_eq!(
        blocks(step(&runbook, "visible")),
        [(Command, Some("bash"), 20, 1)]
    );
}

#[test]
fn front_matter_keeps_unknown_keys() {
    let runbook = fixture("front-matter-unknown.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(runbook.title, "Custom title");
    let extra: Vec<_> = runbook
        .front_matter
        .extra
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(extra, ["team", "runme", "tags"]);
    // The h1 is the title heading, not a step.
    assert_eq!(ids(&runbook), ["only-step"]);
    assert_eq!(step(&runbook, "only-step").line, 12);
}

#[test]
fn front_matter_in_toml() {
    let runbook = fixture("toml-front-matter.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(runbook.title, "TOML runbook");
    assert_eq!(runbook.summary.as_deref(), Some("Front matter in TOML"));
    assert_eq!(runbook.params[0].name, "REGION");
    assert_eq!(runbook.params[0].choices, ["eu-west-1", "us-east-1"]);
    assert_eq!(runbook.params[0].line, 7);
    assert_eq!(
        runbook.steps[0].blocks[0].interpreter.as_deref(),
        Some("zsh")
    );
}

#[test]
fn broken_front_matter() {
    let bad = fixture("front-matter-bad.md");
    assert_eq!(diagnostics(&bad), [("invalid-front-matter", 4, 1)]);
    assert_eq!(ids(&bad), ["step"], "the body still loads");
    let unclosed = fixture("front-matter-unclosed.md");
    assert_eq!(diagnostics(&unclosed), [("unclosed-front-matter", 1, 1)]);
    assert_eq!(ids(&unclosed), ["step"]);
}

#[test]
fn empty_file() {
    let runbook = fixture("empty.md");
    assert!(runbook.steps.is_empty());
    assert_eq!(runbook.start, None);
    assert_eq!(runbook.title, "empty");
    assert_eq!(diagnostics(&runbook), [("empty-runbook", 1, 1)]);
}

#[test]
fn no_headings_is_one_implicit_step() {
    let runbook = fixture("no-headings.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(ids(&runbook), ["main"]);
    let main = step(&runbook, "main");
    assert_eq!((main.kind, main.level, main.line), (StepKind::Step, 0, 1));
    assert_eq!(commands(&main.blocks[0]), ["systemctl restart worker"]);
    assert_eq!(main.checks[0].text, "Queue depth is falling");
    assert_eq!(main.checks[0].line, 7);
    assert_eq!(edges(main), [("end", EdgeWhen::Default)]);
}

#[test]
fn duplicate_heading_texts_get_github_suffixes() {
    let runbook = fixture("duplicates.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(
        ids(&runbook),
        ["check", "check-1", "final-check", "check-1-1"]
    );
    assert_eq!(step(&runbook, "final-check").anchor, "check-2");
}

#[test]
fn groups_decisions_edges_and_reachability() {
    let runbook = fixture("graph.md");
    assert_eq!(runbook.start.as_deref(), Some("check-the-primary"));
    assert_eq!(
        ids(&runbook),
        [
            "diagnosis",
            "check-the-primary",
            "mitigation",
            "promote-the-replica",
            "escalate",
            "verify",
            "old-notes"
        ]
    );
    assert_eq!(step(&runbook, "diagnosis").kind, StepKind::Group);
    let check = step(&runbook, "check-the-primary");
    assert_eq!(check.parent.as_deref(), Some("diagnosis"));
    assert_eq!(check.level, 3);
    assert_eq!(
        edges(check),
        [
            ("promote-the-replica", EdgeWhen::Choice),
            ("escalate", EdgeWhen::Choice),
            ("check-the-primary", EdgeWhen::Choice),
            ("escalate", EdgeWhen::Fail),
        ]
    );
    let decision = check.decision.as_ref().unwrap();
    assert_eq!(
        decision.prompt.as_deref(),
        Some("Is replication lag under 10 s?")
    );
    assert_eq!(decision.line, 19);
    assert_eq!(
        decision.choices[0].label,
        "Lag is under 10 s: promote the replica"
    );
    assert_eq!(decision.choices[0].line, 20);

    let promote = step(&runbook, "promote-the-replica");
    assert_eq!(
        promote.phase,
        Some(cairn::runbook::Phase::Mitigate),
        "inherited from its group"
    );
    assert!(promote.options.confirm.is_some());
    assert_eq!(
        promote.options.timeout,
        Some(std::time::Duration::from_secs(300))
    );
    assert_eq!(edges(promote), [("verify", EdgeWhen::Default)]);
    assert_eq!(
        edges(step(&runbook, "escalate")),
        [("end", EdgeWhen::Default)]
    );
    let verify = step(&runbook, "verify");
    assert_eq!(verify.phase, Some(cairn::runbook::Phase::Verify));
    let checks: Vec<_> = verify
        .checks
        .iter()
        .map(|c| (c.text.as_str(), c.checked, c.line))
        .collect();
    assert_eq!(
        checks,
        [
            ("Orders are flowing again", false, 43),
            ("The incident channel is updated", true, 44)
        ]
    );

    assert_eq!(
        diagnostics(&runbook),
        [("cycle", 22, 1), ("unreachable-step", 46, 1)]
    );
    assert_eq!(runbook.diagnostics[0].severity, Severity::Note);
}

#[test]
fn graph_errors_are_placed() {
    let runbook = fixture("graph-errors.md");
    assert_eq!(
        diagnostics(&runbook),
        [
            ("unknown-target", 6, 11),
            ("cycle", 10, 1),
            ("duplicate-id", 11, 13),
            ("invalid-decision", 15, 1),
            ("unknown-attribute", 19, 13),
            ("unknown-attribute", 19, 26),
            ("invalid-decision", 22, 1),
            ("invalid-decision", 23, 1),
        ]
    );
    assert_eq!(
        runbook.diagnostics[5].help.as_deref(),
        Some("did you mean `timeout`?")
    );
    assert!(runbook.has_errors());
}

#[test]
fn remaining_diagnostics() {
    let runbook = fixture("diagnostics.md");
    assert_eq!(
        diagnostics(&runbook),
        [
            ("misplaced-annotation", 1, 1),
            ("invalid-attribute-value", 7, 11),
            ("invalid-attribute-value", 7, 24),
            ("invalid-attribute-value", 7, 35),
            ("invalid-attribute-value", 7, 53),
            ("duplicate-block-name", 17, 1),
            ("destructive-without-confirm", 23, 1),
        ]
    );
    let destructive: Vec<_> = step(&runbook, "destructive")
        .blocks
        .iter()
        .map(|b| b.destructive.as_deref())
        .collect();
    assert_eq!(
        destructive,
        [
            Some("rm -r"),
            Some("kubectl delete"),
            Some("terraform destroy")
        ]
    );
    assert_eq!(
        step(&runbook, "confirmed-step").blocks[0]
            .destructive
            .as_deref(),
        Some("git push --force")
    );
    assert_eq!(
        Code::DestructiveWithoutConfirm.as_str(),
        "destructive-without-confirm"
    );
}

#[test]
fn rendered_diagnostic_has_position_source_line_and_caret() {
    let runbook = fixture("graph-errors.md");
    let rendered = runbook.diagnostics[0].render(&runbook.source, false);
    let path = runbook.path.clone();
    assert_eq!(
        rendered,
        format!(
            "error[unknown-target]: `on_ok` points to `nowhere`, but no step has that id\n \
             --> {path}:6:11\n  \
             |\n\
             6 | ```bash {{ on_ok=nowhere }}\n  \
             |           ^^^^^^^^^^^^^\n  \
             = help: use a step id (the heading's GitHub anchor, or its `id=`), or `end`\n"
        )
    );
}

#[test]
fn runme_notebooks_load_unchanged() {
    let runbook = fixture("runme.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(runbook.front_matter.shell.as_deref(), Some("bash"));
    assert_eq!(runbook.front_matter.cwd.as_deref(), Some(".."));
    assert!(runbook.front_matter.extra.contains_key("runme"));
    let setup = &step(&runbook, "set-up").blocks[0];
    assert_eq!(setup.options.name.as_deref(), Some("setup"));
    assert!(
        !setup.options.interactive,
        "Runme's \"false\" string is false"
    );
    let prompts: Vec<_> = setup
        .prompt_env
        .iter()
        .map(|p| (p.name.as_str(), p.default.as_deref(), p.prompt.as_deref()))
        .collect();
    assert_eq!(
        prompts,
        [
            ("NAMESPACE", Some("demo"), None),
            ("PROJECT_ID", None, Some("Enter your GCP project id"))
        ]
    );
    assert_eq!(setup.defines, ["NAMESPACE", "PROJECT_ID"]);
    let deploy = step(&runbook, "deploy");
    assert_eq!(
        deploy.blocks[0].options.capture.as_deref(),
        Some("DEPLOYMENT")
    );
    assert!(deploy.blocks[0].options.exclude_from_run_all);
    assert_eq!(deploy.blocks[1].options.prompt_env, Some(false));
    assert!(
        deploy.blocks[1].undefined.is_empty(),
        "every variable is set by an earlier block"
    );
}

#[test]
fn alert_runbooks_from_the_wild_load_unchanged() {
    let runbook = fixture("alert-runbook.md");
    assert!(
        runbook.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&runbook)
    );
    assert_eq!(runbook.title, "KubePodCrashLooping");
    let kinds: Vec<_> = runbook
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.kind, s.phase))
        .collect();
    use cairn::runbook::Phase;
    assert_eq!(
        kinds,
        [
            ("meaning", StepKind::Read, None),
            ("impact", StepKind::Read, None),
            ("diagnosis", StepKind::Step, Some(Phase::Diagnose)),
            ("mitigation", StepKind::Step, Some(Phase::Mitigate)),
        ]
    );
    let diagnosis = step(&runbook, "diagnosis");
    assert_eq!(
        blocks(diagnosis),
        [
            (Command, Some("console"), 22, 3),
            (Command, Some("shell"), 31, 3),
            (Snippet, None, 37, 7)
        ]
    );
    let names: Vec<_> = diagnosis.blocks[0]
        .placeholders
        .iter()
        .map(|p| (p.name.as_str(), p.line, p.col))
        .collect();
    assert_eq!(names, [("pod-name", 23, 26), ("namespace", 23, 40)]);
    assert!(diagnosis.blocks[0]
        .expected_output
        .as_deref()
        .unwrap()
        .starts_with("Events:"));
    // An indented block in the next list item is a snippet, not the output of the block before.
    assert_eq!(diagnosis.blocks[2].output_of, None);
    let mitigation = step(&runbook, "mitigation");
    assert_eq!(mitigation.checks[0].text, "The pod is Running and ready");
    assert_eq!(mitigation.blocks[1].command_lines, [50]);
}
