//! `cairn test RUNBOOK...`: runbooks as tests. Each is walked headless as a drill (so its
//! `rehearsal=` stand-ins apply and the journal records it as one), with the values,
//! decisions and confirmations its folder's `cairn-test.toml` gives (`test_plan`) and the
//! `--param`s of the command line. The runbook passes when the walk ends as the plan
//! expects (completed, unless it says otherwise): every block's `expect` and
//! `expect_output` held, or the `on_fail` edges led somewhere that ended well.
//!
//! One line per runbook (a failure also prints the end of its transcript), then
//! `N passed, N failed`; `--junit FILE` writes the results as JUnit XML. Exit 1 when any
//! runbook failed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;

use super::auto::AutoOperator;
use super::test_plan::{self, Plan};
use super::walk::{parse_pair, session_id, utf8_environment, Workspace};
use super::{files, print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::engine::{start_dir, Answers, Engine, Environment, NoRecord, Recorder, Stop};
use crate::exec::Interrupt;
use crate::journal::{self, Journal, SessionWriter};
use crate::runbook::{load, Runbook};
use crate::session::{Mode, Stamped};

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Runbook files, or folders to search for `*.md`.
    #[arg(value_name = "RUNBOOK", required = true)]
    pub paths: Vec<PathBuf>,
    /// A value for every runbook, over its `cairn-test.toml`: `--param DB_HOST=db-2`.
    #[arg(long = "param", value_name = "K=V", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// Write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print every walk, not only the failed ones.
    #[arg(long)]
    pub verbose: bool,
    /// The journal that records the drills [default: $CAIRN_JOURNAL, else
    /// $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// Record nothing.
    #[arg(long, conflicts_with = "journal")]
    pub no_journal: bool,
}

/// How one runbook's test went.
pub struct Tested {
    pub path: PathBuf,
    pub runbook: Option<Runbook>,
    pub verdict: Verdict,
    pub seconds: f64,
    /// The walk's events (none when it never started).
    pub events: Vec<Stamped>,
    /// What `--auto` would have printed.
    pub transcript: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Why, in words.
    Failed(String),
    Skipped(String),
}

/// The transcript buffer an `AutoOperator` prints into.
#[derive(Clone, Default)]
struct Transcript(Arc<Mutex<Vec<u8>>>);

impl Write for Transcript {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Transcript {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|buffer| String::from_utf8_lossy(&buffer).into_owned())
            .unwrap_or_default()
    }
}

/// The events of a walk, as the engine tells them, with the transcript printed alongside.
struct Watching<'r> {
    auto: AutoOperator<'r>,
    events: Vec<Stamped>,
}

impl crate::engine::Operator for Watching<'_> {
    fn value(&mut self, _ask: &crate::engine::Ask) -> Option<String> {
        None
    }
    fn confirm(&mut self, _confirmation: &crate::engine::Confirmation) -> Option<String> {
        None
    }
    fn choose(
        &mut self,
        _step: &crate::runbook::Step,
        _decision: &crate::runbook::Decision,
    ) -> Option<usize> {
        None
    }
    fn event(&mut self, event: &Stamped) {
        self.events.push(event.clone());
        self.auto.event(event);
    }
    fn output(&mut self, chunk: &[u8]) {
        self.auto.output(chunk);
    }
    fn would_run(&mut self, command: &str, interpreter: &str, values: &[(String, String)]) {
        self.auto.would_run(command, interpreter, values);
    }
}

pub fn run(args: &TestArgs) -> i32 {
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let mut paths = Vec::new();
    for found in files::expand(&args.paths) {
        match found {
            Ok(path) => paths.push(path),
            Err(missing) => {
                print_error(&missing.message);
                return EXIT_USAGE;
            }
        }
    }
    let interrupt = Interrupt::new();
    for (signal, flag) in [
        (signal_hook::consts::SIGINT, interrupt.terminate_flag()),
        (signal_hook::consts::SIGTERM, interrupt.terminate_flag()),
        (signal_hook::consts::SIGHUP, interrupt.terminate_flag()),
    ] {
        let _ = signal_hook::flag::register(signal, flag);
    }
    let journal_dir =
        (!args.no_journal).then(|| journal::default_dir(args.journal.as_deref(), &settings));
    let mut results = Vec::new();
    for path in &paths {
        if interrupt.terminating() {
            break;
        }
        let tested = test_one(path, args, journal_dir.as_deref(), &settings, &interrupt);
        report(&tested, args.verbose);
        results.push(tested);
    }
    let count = |wanted: fn(&Verdict) -> bool| {
        results
            .iter()
            .filter(|tested| wanted(&tested.verdict))
            .count()
    };
    let passed = count(|verdict| *verdict == Verdict::Passed);
    let failed = count(|verdict| matches!(verdict, Verdict::Failed(_)));
    let skipped = count(|verdict| matches!(verdict, Verdict::Skipped(_)));
    if let Some(file) = &args.junit {
        if let Err(error) = std::fs::write(file, super::test_junit::render(&results)) {
            print_error(&format!("could not write {}: {error}", file.display()));
            return EXIT_FAILED;
        }
    }
    println!();
    if skipped > 0 {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 || interrupt.terminating() {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Walks one runbook as its plan says.
fn test_one(
    path: &Path,
    args: &TestArgs,
    journal_dir: Option<&Path>,
    settings: &crate::config::Config,
    interrupt: &Interrupt,
) -> Tested {
    let started = Instant::now();
    let mut tested = Tested {
        path: path.to_path_buf(),
        runbook: None,
        verdict: Verdict::Passed,
        seconds: 0.0,
        events: Vec::new(),
        transcript: String::new(),
    };
    let runbook = match load(path) {
        Ok(runbook) => runbook,
        Err(error) => {
            tested.verdict = Verdict::Failed(error.to_string());
            return tested;
        }
    };
    if let Some(error) = runbook
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.severity == crate::runbook::Severity::Error)
    {
        tested.verdict = Verdict::Failed(format!(
            "the runbook has errors, e.g. {}:{}:{}: {} (see `cairn check`)",
            runbook.path, error.line, error.col, error.message
        ));
        tested.runbook = Some(runbook);
        return tested;
    }
    let plan = match test_plan::for_runbook(path) {
        Ok(plan) => plan,
        Err(error) => {
            tested.verdict = Verdict::Failed(error);
            tested.runbook = Some(runbook);
            return tested;
        }
    };
    if let Some(reason) = &plan.skip {
        tested.verdict = Verdict::Skipped(reason.clone());
        tested.runbook = Some(runbook);
        return tested;
    }
    let walked = walk(&runbook, &plan, args, journal_dir, settings, interrupt);
    tested.seconds = started.elapsed().as_secs_f64();
    match walked {
        Ok((outcome, events, transcript)) => {
            tested.verdict = judge(&plan, outcome);
            tested.events = events;
            tested.transcript = transcript;
        }
        Err(error) => tested.verdict = Verdict::Failed(error),
    }
    tested.runbook = Some(runbook);
    tested
}

/// The walk's outcome as a word (completed, failed, stopped…) with why it stopped.
type Outcome = Result<(), Stop>;

fn walk(
    runbook: &Runbook,
    plan: &Plan,
    args: &TestArgs,
    journal_dir: Option<&Path>,
    settings: &crate::config::Config,
    interrupt: &Interrupt,
) -> Result<(Outcome, Vec<Stamped>, String), String> {
    let workspace = Workspace::new()
        .map_err(|error| format!("could not create a working directory: {error}"))?;
    let id = session_id(runbook);
    let recorder: Box<dyn Recorder + Send> = match journal_dir {
        Some(dir) => Box::new(
            Journal::open(dir)
                .and_then(|journal| {
                    SessionWriter::sharing(&journal, runbook, settings.journal_remote.as_deref())
                })
                .map_err(|error| error.to_string())?,
        ),
        None => Box::new(NoRecord),
    };
    let mut params = plan.params.clone();
    params.extend(args.params.iter().cloned());
    let answers = Answers {
        params,
        choices: plan.choices.clone(),
        yes: plan.yes,
        offer_defaults: false,
    };
    let env = Environment::new(utf8_environment(), start_dir(runbook));
    let mut engine = Engine::new(
        runbook,
        workspace.settings(Mode::Drill, &id, (80, 24), false),
        answers,
        env,
        interrupt.clone(),
        recorder,
    );
    let transcript = Transcript::default();
    let mut watching = Watching {
        auto: AutoOperator::new(runbook, false, None).printing_to(Box::new(transcript.clone())),
        events: Vec::new(),
    };
    let outcome = engine.walk(&mut watching);
    let _ = engine.finish_recording();
    Ok((outcome, watching.events, transcript.text()))
}

/// Passed when the walk ended as the plan expects; else why not, and what to do.
fn judge(plan: &Plan, outcome: Outcome) -> Verdict {
    let (word, why) = match &outcome {
        Ok(()) => ("completed", String::new()),
        Err(Stop::Failed { step, at }) => ("failed", format!("step '{step}' failed ({at})")),
        Err(Stop::Unanswered(ask)) => (
            "stopped",
            format!(
                "{} has no value ({}); give it in cairn-test.toml: params = {{ \"{}\" = \"…\" }}",
                ask.name,
                ask.used_at,
                ask.name.trim_start_matches('<').trim_end_matches('>')
            ),
        ),
        Err(Stop::Unconfirmed(confirmation)) => (
            "stopped",
            format!(
                "step '{}' needs a confirmation ({}); if a drill may run it, say yes = true in cairn-test.toml, or give the block a rehearsal= stand-in",
                confirmation.step, confirmation.at
            ),
        ),
        Err(Stop::Undecided { step, at, .. }) => (
            "stopped",
            format!("step '{step}' asks for a decision ({at}); give it in cairn-test.toml: choose = {{ {step} = N }}"),
        ),
        Err(Stop::BadValue { name, message }) => {
            ("stopped", format!("the value of {name} cannot be used: {message}"))
        }
        Err(Stop::Interrupted | Stop::Quit) => ("stopped", "interrupted".to_string()),
        Err(Stop::Journal(error)) => ("failed", format!("the journal failed: {error}")),
        Err(Stop::CannotResume(reason)) => ("stopped", reason.clone()),
    };
    if word == plan.expected() {
        Verdict::Passed
    } else if why.is_empty() {
        Verdict::Failed(format!(
            "the walk {word}, the test expects it to end {}",
            plan.expected()
        ))
    } else {
        Verdict::Failed(format!(
            "{why}; the test expects the walk to end {}",
            plan.expected()
        ))
    }
}

/// The line for one runbook, and the end of its transcript when it failed.
fn report(tested: &Tested, verbose: bool) {
    let path = tested.path.display();
    match &tested.verdict {
        Verdict::Passed => println!("PASS {path} ({:.1} s)", tested.seconds),
        Verdict::Skipped(reason) => println!("SKIP {path}: {reason}"),
        Verdict::Failed(why) => println!("FAIL {path}: {why}"),
    }
    let failed = matches!(tested.verdict, Verdict::Failed(_));
    if verbose || (failed && !tested.transcript.is_empty()) {
        let lines: Vec<&str> = tested.transcript.lines().collect();
        let shown = if verbose { lines.len() } else { 30 };
        let from = lines.len().saturating_sub(shown);
        if from > 0 {
            println!("  … ({from} lines above)");
        }
        for line in &lines[from..] {
            println!("  | {line}");
        }
    }
}
