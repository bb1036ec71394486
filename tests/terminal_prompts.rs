//! A headless walk on a real terminal (tmux): questions are asked there and answered by
//! typing, a secret is typed without echo, a destructive step needs its id typed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::tmux::Tmux;

#[test]
fn questions_are_asked_and_answered_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("victim")).unwrap();
    std::fs::write(
        dir.path().join("book.md"),
        "# Prompts\n\n## Clean\n\n```bash\nrm -rf victim\n```\n\n## Log in\n\n```bash\necho \"logged in with $DB_PASSWORD\"\n```\n\n\
         ## Decide\n\n<!-- cairn: choose -->\n- Stop here: [finish](#finish)\n- Go on: [more](#more)\n\n## More\n\n```bash\necho went-on\n```\n\n## Finish\n\n```bash\necho finished\n```\n",
    )
    .unwrap();
    let cairn = env!("CARGO_BIN_EXE_cairn");
    let tmux = Tmux::start(
        dir.path(),
        &format!(
            "NO_COLOR=1 CAIRN_JOURNAL=journal {cairn} run --auto book.md; echo EXIT=$?; sleep 60"
        ),
    );
    tmux.wait_for("Type `clean` or `yes`");
    tmux.type_line("nope");
    tmux.wait_for("`nope` is neither `clean` nor `yes`");
    tmux.type_line("clean");
    tmux.wait_for("DB_PASSWORD (used at book.md:12:22)");
    assert!(!dir.path().join("victim").exists());
    tmux.type_line("hunter22");
    tmux.wait_for("logged in with [redacted]");
    tmux.wait_for("Choose 1-2");
    tmux.type_line("2");
    let screen = tmux.wait_for("EXIT=0");
    assert!(
        screen.contains("went-on") && screen.contains("finished"),
        "{screen}"
    );
    assert!(
        !screen.contains("hunter22"),
        "the secret was echoed:\n{screen}"
    );
}
