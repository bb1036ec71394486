//! Edge cases of the format found in review, each pinned with a small inline runbook.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn::runbook::{parse, EdgeWhen, Runbook};

fn codes(runbook: &Runbook) -> Vec<(&'static str, usize, usize)> {
    runbook
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.col))
        .collect()
}

/// The runbook has no problem but the loops it means to have.
fn assert_only_loops(runbook: &Runbook) {
    let others: Vec<_> = codes(runbook)
        .into_iter()
        .filter(|(code, _, _)| *code != "cycle")
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

#[test]
fn html_tags_closed_in_a_later_command_are_not_placeholders() {
    let runbook = parse(
        "x.md",
        "## S\n\n```console\n$ echo \"<b>\"\n$ echo \"</b>\" <host>\n```\n",
    );
    let names: Vec<_> = runbook.steps[0].blocks[0]
        .placeholders
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["host"]);
}

#[test]
fn setext_heading_over_two_lines_keeps_the_space() {
    let runbook = parse("x.md", "## A\n\nFoo\nbar\n---\n\ntext\n");
    assert_eq!(runbook.steps[1].title, "Foo bar");
    assert_eq!(runbook.steps[1].id, "foo-bar");
}

#[test]
fn paragraphs_of_a_list_item_join_with_a_space() {
    let runbook = parse("x.md", "## S\n\n- [ ] Drain traffic\n\n  Then wait.\n");
    assert_eq!(runbook.steps[0].checks[0].text, "Drain traffic Then wait.");
}

#[test]
fn inline_annotation_across_quoted_lines() {
    let runbook = parse(
        "x.md",
        "## S\n\n> Read it <!-- cairn:\n> confirm -->\n\n```bash\nrm -rf /tmp/x\n```\n",
    );
    assert!(runbook.diagnostics.is_empty(), "{:?}", codes(&runbook));
    assert!(runbook.steps[0].options.confirm.is_some());
}

#[test]
fn a_byte_order_mark_takes_no_column() {
    let runbook = parse("x.md", "\u{feff}```bash { timeout=soon }\necho\n```\n");
    assert_eq!(codes(&runbook), [("invalid-attribute-value", 1, 11)]);
    assert_eq!(
        (
            runbook.steps[0].blocks[0].line,
            runbook.steps[0].blocks[0].col
        ),
        (1, 1)
    );
}

#[test]
fn a_heading_called_end_does_not_take_the_reserved_id() {
    let runbook = parse(
        "x.md",
        "## Start\n\n```bash\ntrue\n```\n\n## End\n\n- [ ] Close\n",
    );
    assert_eq!(runbook.steps[1].id, "end-1");
    assert_eq!(runbook.steps[0].next[0].to, "end-1");
    assert_eq!(runbook.steps[1].next[0].to, "end");
}

#[test]
fn links_to_the_title_and_to_nested_headings_lead_somewhere() {
    let text = "# Title\n\n## One\n\n- ### Inside\n\n```bash\ntrue\n```\n\n## Two\n\n<!-- cairn: choose -->\n- [again](#title)\n- [inner](#inside)\n";
    let runbook = parse("x.md", text);
    assert_only_loops(&runbook);
    let choices: Vec<_> = runbook.steps[1]
        .next
        .iter()
        .filter(|e| e.when == EdgeWhen::Choice)
        .map(|e| e.to.as_str())
        .collect();
    assert_eq!(choices, ["one", "one"]);
}

#[test]
fn params_are_placed_under_params_not_under_env() {
    let runbook = parse(
        "x.md",
        "---\nenv:\n  REGION: eu\nparams:\n  REGION: {default: eu}\n---\n## S\n\ntext\n",
    );
    assert_eq!(runbook.params[0].line, 5);
}

#[test]
fn github_anchors_in_other_scripts() {
    let runbook = parse("x.md", "## हिन्दी\n\n<!-- cairn: next=हिन्दी -->\ntext\n");
    assert_eq!(runbook.steps[0].id, "हिन्दी");
    assert_only_loops(&runbook);
}

#[test]
fn one_shot_sudo_keeps_the_next_comment_a_comment() {
    let runbook = parse(
        "x.md",
        "## S\n\n```bash\n$ sudo sh -c 'sync'\n# Now check memory\n$ free -m\n```\n",
    );
    assert_eq!(
        runbook.steps[0].blocks[0].commands,
        ["sudo sh -c 'sync'", "free -m"]
    );
}

#[test]
fn an_id_taken_by_the_implicit_step_is_a_duplicate_wherever_it_is_reused() {
    // The implicit step is named `main` only at the end of the walk, but it comes first: the
    // later steps that say `id=main` are the duplicates, each blamed at its own `id=`.
    let runbook = parse(
        "x.md",
        "Intro\n\n```bash\necho hi\n```\n\n## A\n<!-- cairn: id=main -->\n\n```bash\nx\n```\n\n\
         ## B\n<!-- cairn: id=main -->\n\n```bash\ny\n```\n",
    );
    assert_eq!(runbook.steps[0].id, "main");
    let duplicates: Vec<_> = runbook
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "duplicate-id")
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        duplicates,
        [
            (8, "step id `main` is already used by 'x' (line 1)"),
            (15, "step id `main` is already used by 'x' (line 1)"),
        ]
    );
    // Each step goes on to the next (the two later ones are also called `main`).
    let next: Vec<_> = runbook
        .steps
        .iter()
        .map(|s| s.next[0].to.as_str())
        .collect();
    assert_eq!(next, ["main", "main", "end"]);
}

#[test]
fn a_console_line_ending_in_a_comment_does_not_swallow_the_output() {
    // The comment used to leave the next line's first byte skipped, so the quote opening
    // `'two` went unseen, `three'` opened one instead, and the output joined the command.
    let runbook = parse(
        "x.md",
        "## S\n\n```console\n$ echo one # first\n> 'two\n> three'\nout\n```\n",
    );
    let block = &runbook.steps[0].blocks[0];
    assert_eq!(block.commands, ["echo one # first\n'two\nthree'"]);
    assert_eq!(block.expected_output.as_deref(), Some("out"));
}

#[test]
fn only_a_backslash_the_shell_reads_as_one_continues_a_console_line() {
    let block = |text: &str| {
        let runbook = parse("x.md", &format!("## S\n\n```console\n{text}```\n"));
        let block = runbook.steps[0].blocks[0].clone();
        (block.commands, block.expected_output)
    };
    // In a comment, a backslash is just text; so is an escaped one.
    assert_eq!(
        block("$ ls # see \\\nout\n"),
        (vec!["ls # see \\".to_string()], Some("out".to_string()))
    );
    assert_eq!(
        block("$ echo a\\\\\nout\n"),
        (vec!["echo a\\\\".to_string()], Some("out".to_string()))
    );
    // A real continuation still joins the next line.
    assert_eq!(
        block("$ echo a \\\n  b\nout\n"),
        (vec!["echo a \\\n  b".to_string()], Some("out".to_string()))
    );
}
