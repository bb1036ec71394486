//! What `cairn run` and `cairn resume` share: the flags that answer questions, the
//! working directories, signal handling, the engine's settings, and the message and exit
//! code for each way a walk can stop.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::ask::Asker;
use super::auto::AutoOperator;
use super::{print_error, stdout_color, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE};
use crate::engine::{start_dir, Answers, Engine, Environment, Operator, Recorder, Settings, Stop};
use crate::exec::Interrupt;
use crate::runbook::Runbook;
use crate::session::{Mode, Stamped};
use crate::ui::app::App;
use crate::ui::bridge::NoteQueue;
use crate::ui::status_bar::JournalState;

/// Flags that answer what a walk would otherwise ask.
#[derive(Args, Debug)]
pub struct WalkFlags {
    /// Run without the UI, printing each step, command and output.
    #[arg(long)]
    pub auto: bool,
    /// Answer every confirmation (destructive commands included) with yes.
    #[arg(long)]
    pub yes: bool,
    /// A value for a param, a variable or a placeholder: `--param DB_HOST=db-2`,
    /// `--param 'pod name=web-1'`.
    #[arg(long = "param", value_name = "K=V", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// The choice to take at a step's decision, counted from 1: `--choose check-lag=2`.
    #[arg(long = "choose", value_name = "STEP=N", value_parser = parse_choice)]
    pub choices: Vec<(String, usize)>,
    /// The journal (a git repository) that records sessions [default: $CAIRN_JOURNAL,
    /// else $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
}

pub(super) fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("`{text}` is not K=V; write it as NAME=value")),
    }
}

fn parse_choice(text: &str) -> Result<(String, usize), String> {
    let (step, number) = parse_pair(text)?;
    match number.trim().parse::<usize>() {
        Ok(number) if number >= 1 => Ok((step, number)),
        _ => Err(format!(
            "`{number}` is not a choice number; count choices from 1"
        )),
    }
}

/// How a walk starts: a new session, or one carried on from its recorded events.
pub enum Start {
    New,
    Resume {
        events: Vec<Stamped>,
        runbook_changed: bool,
    },
}

/// One walk, from setting up to the exit code.
pub struct Walk<'a> {
    pub runbook: &'a Runbook,
    pub flags: &'a WalkFlags,
    pub mode: Mode,
    pub session_id: String,
    pub recorder: Box<dyn Recorder + Send + 'a>,
    /// Where the walk is recorded (none with `--no-journal`).
    pub journal_dir: Option<PathBuf>,
    /// How sharing the journal with its remote stands (none without one), for the UI.
    pub sharing: Option<crate::journal::push::Sharing>,
    /// A drill replaying a recorded session: no command runs.
    pub replay: Option<crate::engine::Replay>,
    /// The settings file: the UI's theme and keys.
    pub config: &'a crate::config::Config,
}

impl Walk<'_> {
    pub fn go(self, start: Start) -> i32 {
        let workspace = match Workspace::new() {
            Ok(workspace) => workspace,
            Err(error) => {
                print_error(&format!("could not create a working directory: {error}"));
                return EXIT_FAILED;
            }
        };
        let interrupt = Interrupt::new();
        // Ctrl-C goes to the running command (the engine forwards it), not to cairn; SIGTERM
        // and SIGHUP end the running command's process group and the walk.
        for (signal, flag) in [
            (signal_hook::consts::SIGINT, interrupt.flag()),
            (signal_hook::consts::SIGTERM, interrupt.terminate_flag()),
            (signal_hook::consts::SIGHUP, interrupt.terminate_flag()),
        ] {
            if let Err(error) = signal_hook::flag::register(signal, flag) {
                print_error(&format!("could not handle signal {signal}: {error}"));
            }
        }
        let use_ui =
            !self.flags.auto && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        let ui = if use_ui {
            match crate::ui::setup(self.config) {
                Ok(setup) => Some(setup),
                Err(error) => {
                    print_error(&error);
                    return EXIT_USAGE;
                }
            }
        } else {
            None
        };
        let (mut cols, mut rows) = terminal_size();
        if ui.is_some() {
            // Commands start at the size of the pane they are shown in.
            let area = ratatui::layout::Rect::new(0, 0, cols, rows);
            let pane =
                crate::ui::screen::areas(area, crate::ui::app::Focus::Steps, true, false).pane;
            (rows, cols) = crate::ui::screen::pane_inner(pane);
        }
        let settings = workspace.settings(
            self.mode,
            &self.session_id,
            (cols, rows),
            std::io::stdin().is_terminal(),
        );
        let mut answers = Answers {
            params: self.flags.params.iter().cloned().collect(),
            choices: self.flags.choices.iter().cloned().collect(),
            yes: self.flags.yes,
            offer_defaults: false,
        };
        answers.offer_defaults = ui.is_some() && self.replay.is_none();
        if let (Some(replay), None) = (&self.replay, &ui) {
            // Headless, a replay takes the recorded answers where the flags give none; it
            // runs nothing, so confirming is safe.
            answers.take_recorded(&replay.recording);
        }
        let replay = self.replay;
        let env = Environment::new(utf8_environment(), start_dir(self.runbook));
        let runbook = self.runbook;
        let recorder = self.recorder;
        let engine_interrupt = interrupt.clone();
        let walk = move |operator: &mut dyn Operator| {
            let mut engine =
                Engine::new(runbook, settings, answers, env, engine_interrupt, recorder);
            if let Some(replay) = replay {
                engine.replaying(replay);
            }
            let result = match &start {
                Start::New => engine.walk(operator),
                Start::Resume {
                    events,
                    runbook_changed,
                } => engine.resume(operator, events, *runbook_changed),
            };
            (result, engine.finish_recording())
        };
        let (result, shared) = match ui {
            Some((theme, keymap)) => {
                let journal = if self.journal_dir.is_some() {
                    JournalState::Saved
                } else {
                    JournalState::Off
                };
                let mut app = App::new(
                    runbook,
                    theme,
                    keymap,
                    self.mode.label(),
                    self.session_id.clone(),
                    journal,
                    NoteQueue::default(),
                );
                app.interrupt = interrupt.clone();
                app.sharing = self.sharing.clone();
                match crate::ui::run::walk(&mut app, &interrupt, walk) {
                    Ok(walked) => walked,
                    Err(error) => {
                        print_error(&format!("the terminal UI failed: {error}; the walk stopped (cairn resume {} carries on; --auto runs without the UI)", self.session_id));
                        return EXIT_FAILED;
                    }
                }
            }
            None => walk(&mut AutoOperator::new(
                runbook,
                stdout_color(),
                Asker::for_terminal(),
            )),
        };
        if let Some(dir) = &self.journal_dir {
            let id = &self.session_id;
            let shared = shared.map_or(String::new(), |shared| format!("; {shared}"));
            println!(
                "recorded in {} as session {id} (cairn log, cairn verify {id}){shared}",
                dir.display()
            );
        }
        match result {
            Ok(()) => EXIT_OK,
            Err(stop) => report(self.runbook, &self.session_id, &stop),
        }
    }
}

/// The private directories a walk works in (output spools; scripts and shell state), gone
/// when it is dropped.
pub(super) struct Workspace {
    work: tempfile::TempDir,
    scratch: tempfile::TempDir,
}

impl Workspace {
    pub(super) fn new() -> std::io::Result<Workspace> {
        let work = tempfile::Builder::new()
            .prefix("cairn-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()?;
        Ok(Workspace {
            work,
            scratch: private_memory_dir()?,
        })
    }

    /// The engine's settings for a session in this workspace.
    pub(super) fn settings(
        &self,
        mode: Mode,
        session_id: &str,
        (cols, rows): (u16, u16),
        stdin_is_terminal: bool,
    ) -> Settings {
        Settings {
            mode,
            session_id: session_id.to_string(),
            operator: operator_name(),
            host: nix::unistd::gethostname()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            work_dir: self.work.path().to_path_buf(),
            scratch_dir: self.scratch.path().to_path_buf(),
            cols,
            rows,
            grace: Duration::from_secs(3),
            ssh_command: std::env::var("CAIRN_SSH_COMMAND").unwrap_or_else(|_| "ssh".into()),
            stdin_is_terminal,
        }
    }
}

/// cairn's environment, less variables whose name or value is not UTF-8 (said on stderr):
/// values pass through text everywhere in cairn, and a lossy copy would be a wrong value.
pub(super) fn utf8_environment() -> Vec<(String, String)> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => vars.push((name, value)),
            (Ok(name), Err(_)) => {
                eprintln!("warning: ${name} is not UTF-8; commands will not see it")
            }
            (Err(name), _) => eprintln!(
                "warning: the variable {} has a name that is not UTF-8; commands will not see it",
                name.to_string_lossy()
            ),
        }
    }
    vars
}

/// A private (0700) directory in memory for scripts and shell state, which can hold secrets:
/// `$XDG_RUNTIME_DIR`, else `/dev/shm`, else the temp directory.
fn private_memory_dir() -> std::io::Result<tempfile::TempDir> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|dir| dir.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new()
        .prefix("cairn-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir_in(base)
}

/// The size commands' terminals get: the operator's terminal when there is one, else
/// `COLUMNS` x `LINES`, else 80x24. (Asking crossterm without a terminal would start
/// `tput` twice: tens of milliseconds for nothing.)
fn terminal_size() -> (u16, u16) {
    if std::io::stdout().is_terminal() {
        if let Ok(size) = crossterm::terminal::size() {
            return size;
        }
    }
    let from_env = |name: &str, default: u16| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.trim().parse::<u16>().ok())
            .filter(|value| *value > 0)
            .unwrap_or(default)
    };
    (from_env("COLUMNS", 80), from_env("LINES", 24))
}

/// Eight hex digits from the time, the process id and the runbook: unique enough to tell
/// sessions apart, short enough to type.
pub fn session_id(runbook: &Runbook) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(runbook.path.as_bytes());
    hasher.write_u32(std::process::id());
    if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(since.as_nanos());
    }
    format!("{:08x}", hasher.finish() as u32)
}

fn operator_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|user| user.name)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Says why the walk stopped and what to do; returns the exit code.
fn report(runbook: &Runbook, session: &str, stop: &Stop) -> i32 {
    match stop {
        Stop::Failed { step, at } => {
            eprintln!("error: step '{step}' failed ({at})");
            eprintln!("  help: fix the cause and run again, or give the block an `on_fail=` step to go to");
            EXIT_FAILED
        }
        Stop::Unanswered(ask) => {
            let name = ask.name.trim_start_matches('<').trim_end_matches('>');
            eprintln!("error: {} has no value ({})", ask.name, ask.used_at);
            if let Some(prompt) = &ask.prompt {
                eprintln!("  it asks: {prompt}");
            }
            if !ask.choices.is_empty() {
                eprintln!("  choices: {}", ask.choices.join(", "));
            }
            eprintln!("  help: pass --param '{name}=VALUE'");
            EXIT_USAGE
        }
        Stop::Unconfirmed(confirmation) => {
            eprintln!(
                "error: step '{}' needs a typed confirmation ({}): {}",
                confirmation.step, confirmation.at, confirmation.reason
            );
            eprintln!("  help: read the command, then pass --yes to confirm it");
            EXIT_USAGE
        }
        Stop::Undecided { step, at, choices } => {
            eprintln!("error: step '{step}' asks for a decision ({at}):");
            for (index, choice) in choices.iter().enumerate() {
                eprintln!("  {}. {choice}", index + 1);
            }
            eprintln!("  help: pass --choose {step}=N");
            EXIT_USAGE
        }
        Stop::BadValue { name, message } => {
            eprintln!("error: the value given for {name} cannot be used: {message}");
            EXIT_USAGE
        }
        Stop::Journal(error) => {
            eprintln!("error: the journal could not record the walk, so it stopped: {error}");
            eprintln!("  help: fix the journal (disk space, permissions) and resume, or pass --no-journal to run without a record");
            EXIT_FAILED
        }
        Stop::CannotResume(reason) => {
            eprintln!("error: {reason}");
            EXIT_FAILED
        }
        Stop::Quit => {
            eprintln!("stopped: the walk of {} can carry on later", runbook.path);
            eprintln!("  help: cairn resume {session}");
            EXIT_INTERRUPTED
        }
        Stop::Interrupted => {
            eprintln!("interrupted: the walk of {} stopped", runbook.path);
            EXIT_INTERRUPTED
        }
    }
}
