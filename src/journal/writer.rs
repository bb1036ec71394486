//! Writing one session: each event becomes one commit on the session's branch, durable
//! (objects, folders and ref synced) before `record` returns, the ref moved by
//! compare-and-swap so that nothing another process wrote can be lost.
//!
//! An event's objects (its file, the folders on its path, the commit) are built in memory
//! (`session_tree`, `git_object`) and written as one small pack (`pack_stack`): a few syncs
//! per event instead of two per loose object. Command outputs, which can be large, are
//! streamed into loose objects instead.

use std::io::{Read, Write};
use std::path::Path;

use git2::{Oid, Repository, Signature, Time};
use serde::Serialize;

use super::durable::Pending;
use super::git_object::{self, GitObject, Signed};
use super::message::{message, StepNames};
use super::pack::PackedObject;
use super::pack_stack::PackStack;
use super::push::{self, PushStatus, Pusher};
use super::ref_update::compare_and_swap;
use super::session_tree::SessionTree;
use super::{clock, layout, Journal, JournalError};
use crate::ansi::Stripper;
use crate::engine::Recorder;
use crate::runbook::Runbook;
use crate::session::{Event, OutputRef, SessionInfo, Stamped};

/// How long the end of a walk waits for its last push.
const PUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What `session.json` says.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SessionFile {
    pub id: String,
    pub runbook: String,
    pub title: String,
    /// The git blob id of `runbook.md`: the runbook's content hash.
    pub runbook_hash: String,
    pub operator: String,
    pub host: String,
    pub mode: crate::session::Mode,
    pub started: String,
    pub started_ms: u64,
    pub branch: String,
}

pub struct SessionWriter {
    journal: Journal,
    repo: Repository,
    refname: String,
    session: String,
    tip: Option<Oid>,
    /// The tree of `tip`.
    root: Option<Oid>,
    /// The tree being built for the next commit.
    tree: SessionTree,
    steps: StepNames,
    operator: String,
    email: String,
    /// Files for the next commit: the runbook and `session.json` with the first event,
    /// outputs with the event that reports them.
    staged: Vec<(String, Oid)>,
    /// Objects for the next commit's pack.
    new_objects: Vec<GitObject>,
    runbook_text: String,
    /// Loose objects (outputs) to sync before the next commit.
    pending: Pending,
    packs: PackStack,
    /// Shares the branch with the journal's remote, if it has one.
    pusher: Option<Pusher>,
}

impl SessionWriter {
    /// Prepares the writer of a new session of `runbook`; nothing is written until the
    /// first event (which must be `session_started`).
    /// How sharing with the remote stands (none without a remote).
    pub fn share_status(&self) -> Option<push::Sharing> {
        self.pusher.as_ref().map(Pusher::sharing)
    }

    pub fn new(journal: &Journal, runbook: &Runbook) -> Result<SessionWriter, JournalError> {
        SessionWriter::sharing(journal, runbook, None)
    }

    /// `new`, pushing to `remote` (from the settings file) instead of the journal's own.
    pub fn sharing(
        journal: &Journal,
        runbook: &Runbook,
        remote: Option<&str>,
    ) -> Result<SessionWriter, JournalError> {
        let repo = journal.repository()?;
        let email = repo
            .config()
            .ok()
            .and_then(|config| config.get_string("user.email").ok())
            .unwrap_or_default();
        Ok(SessionWriter {
            journal: journal.clone(),
            packs: PackStack::new(repo.path()),
            repo,
            refname: String::new(),
            session: String::new(),
            tip: None,
            root: None,
            tree: SessionTree::new(),
            steps: StepNames::of(runbook),
            operator: String::new(),
            email,
            staged: Vec::new(),
            new_objects: Vec::new(),
            runbook_text: runbook.source.text().to_string(),
            pending: Pending::default(),
            pusher: push::remote(journal.dir(), remote)
                .map(|remote| Pusher::start(journal.dir().to_path_buf(), remote)),
        })
    }

    /// Prepares the writer that carries on the recorded session `record` of `runbook`.
    /// When the runbook changed since, its text as it is now is kept beside the original
    /// (`runbook.resumed.md`) with the next event.
    pub fn resume(
        journal: &Journal,
        runbook: &Runbook,
        record: &super::SessionRecord,
        remote: Option<&str>,
    ) -> Result<SessionWriter, JournalError> {
        let _lock = journal.lock()?;
        let mut writer = SessionWriter::sharing(journal, runbook, remote)?;
        let (root, stored) = {
            let tip = writer.repo.find_commit(record.tip)?;
            let stored = tip.tree()?.get_name("runbook.md").map(|entry| entry.id());
            (tip.tree_id(), stored)
        };
        writer.root = Some(root);
        writer.tree = SessionTree::stored(root);
        writer.tip = Some(record.tip);
        writer.refname = format!("refs/heads/{}", record.branch);
        writer.session = record.file.id.clone();
        writer.operator = record.file.operator.clone();
        if writer.email.is_empty() {
            writer.email = format!("{}@{}", record.file.operator, record.file.host);
        }
        let text = std::mem::take(&mut writer.runbook_text);
        let now = writer.blob(text.as_bytes());
        if stored != Some(now) {
            writer.staged.push(("runbook.resumed.md".into(), now));
        }
        Ok(writer)
    }

    /// A blob for the next commit's pack.
    fn blob(&mut self, bytes: &[u8]) -> Oid {
        let object = GitObject::blob(bytes);
        let id = object.id();
        self.new_objects.push(object);
        id
    }

    fn begin(&mut self, info: &SessionInfo, at_ms: u64) -> Result<(), JournalError> {
        let branch = layout::branch(&clock::date(at_ms), &info.title, &info.id);
        self.refname = format!("refs/heads/{branch}");
        self.session = info.id.clone();
        self.operator = info.operator.clone();
        if self.email.is_empty() {
            self.email = format!("{}@{}", info.operator, info.host);
        }
        let text = std::mem::take(&mut self.runbook_text);
        let runbook = self.blob(text.as_bytes());
        let file = SessionFile {
            id: info.id.clone(),
            runbook: info.runbook.clone(),
            title: info.title.clone(),
            runbook_hash: runbook.to_string(),
            operator: info.operator.clone(),
            host: info.host.clone(),
            mode: info.mode,
            started: clock::timestamp(at_ms),
            started_ms: at_ms,
            branch,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(JournalError::json)?;
        let session = self.blob(&json);
        self.staged.push(("runbook.md".into(), runbook));
        self.staged.push(("session.json".into(), session));
        Ok(())
    }

    fn commit(&mut self, stamped: &Stamped) -> Result<(), JournalError> {
        let _lock = self.journal.lock()?;
        if let Event::SessionResumed { operator, .. } = &stamped.event {
            // Commits from here on are signed by whoever carries the session on.
            self.operator = operator.clone();
        }
        if let Event::SessionStarted(info) = &stamped.event {
            if self.tip.is_none() {
                self.begin(info, stamped.at_ms)?;
            }
        }
        if self.refname.is_empty() {
            return Err(JournalError::Order(
                "the first event of a session must be session_started".into(),
            ));
        }
        let mut json = serde_json::to_vec(stamped).map_err(JournalError::json)?;
        json.push(b'\n');
        let event = self.blob(&json);
        let mut files = std::mem::take(&mut self.staged);
        files.push((layout::event_path(stamped.seq), event));
        let result = self.commit_files(stamped, &files);
        if result.is_err() {
            // The tree in memory may name objects that never reached the disk: start the
            // next event again from the last commit that did.
            self.new_objects.clear();
            self.tree = self.root.map_or_else(SessionTree::new, SessionTree::stored);
        }
        result
    }

    /// Commits `files` (added to the tree) for `stamped`, durably, and moves the branch.
    fn commit_files(
        &mut self,
        stamped: &Stamped,
        files: &[(String, Oid)],
    ) -> Result<(), JournalError> {
        for (path, id) in files {
            self.tree.put(&self.repo, path, *id)?;
        }
        let mut objects = std::mem::take(&mut self.new_objects);
        let tree = self.tree.write(&mut objects);
        let seconds = i64::try_from(stamped.at_ms / 1000).unwrap_or(i64::MAX);
        // libgit2 checks (and trims) the name and email the way git wants them.
        let signature = Signature::new(&self.operator, &self.email, &Time::new(seconds, 0))?;
        let by = Signed {
            name: signature.name().unwrap_or_default(),
            email: signature.email().unwrap_or_default(),
            seconds,
        };
        let text = message(stamped, &self.session, &self.steps);
        let commit = git_object::commit(tree, self.tip, by, &text);
        let commit_id = commit.id();
        objects.push(commit);
        // Outputs (loose), then the event's pack, then the ref that makes them reachable.
        self.pending.sync().map_err(JournalError::io)?;
        let packed = objects.iter().map(PackedObject::new).collect();
        self.packs.push(packed).map_err(JournalError::io)?;
        // A ref lock left by a cairn killed while moving this ref (we hold the journal's
        // lock, so no live cairn is moving it now) would refuse every later event.
        let stale = self.repo.path().join(format!("{}.lock", self.refname));
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(JournalError::io)?;
        }
        compare_and_swap(self.repo.path(), &self.refname, self.tip, commit_id)?;
        self.tip = Some(commit_id);
        self.root = Some(tree);
        self.packs.merge();
        if let Some(pusher) = &self.pusher {
            pusher.nudge();
        }
        Ok(())
    }

    /// Stores a command's output (raw, and as text) for the event numbered `seq`.
    fn output(&mut self, seq: u64, spool: &Path) -> Result<Option<OutputRef>, JournalError> {
        let _lock = self.journal.lock()?;
        let mut file = match std::fs::File::open(spool) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(JournalError::io(error)),
        };
        let mut raw = self.repo.blob_writer(None)?;
        let mut text = self.repo.blob_writer(None)?;
        let mut stripper = Stripper::default();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut stripped = Vec::with_capacity(buffer.len());
        loop {
            let read = file.read(&mut buffer).map_err(JournalError::io)?;
            if read == 0 {
                break;
            }
            raw.write_all(&buffer[..read]).map_err(JournalError::io)?;
            stripped.clear();
            stripper.push(&buffer[..read], &mut stripped);
            text.write_all(&stripped).map_err(JournalError::io)?;
        }
        stripped.clear();
        stripper.finish(&mut stripped);
        text.write_all(&stripped).map_err(JournalError::io)?;
        let raw = raw.commit()?;
        let text = text.commit()?;
        for oid in [raw, text] {
            self.pending.object(self.repo.path(), oid);
        }
        self.staged.push((layout::output_path(seq, "raw"), raw));
        self.staged.push((layout::output_path(seq, "txt"), text));
        Ok(Some(OutputRef {
            raw: raw.to_string(),
            text: text.to_string(),
        }))
    }
}

impl Recorder for SessionWriter {
    fn record(&mut self, event: &Stamped) -> Result<(), String> {
        self.commit(event).map_err(|error| error.to_string())
    }

    fn store_output(&mut self, seq: u64, spool: &Path) -> Result<Option<OutputRef>, String> {
        self.output(seq, spool).map_err(|error| error.to_string())
    }

    fn finish(&mut self) -> Option<String> {
        if let (Some(tip), Some(branch)) = (self.tip, self.refname.strip_prefix("refs/heads/")) {
            // Only a faster listing is at stake: a failure here changes nothing recorded.
            let _ = super::reader::remember(&self.journal, branch, tip);
        }
        maintain(self.journal.dir());
        let status = self.pusher.take()?.finish(PUSH_WAIT);
        Some(match status {
            PushStatus::Pushed { remote } => format!("pushed to {remote}"),
            PushStatus::Failed { remote, error } => format!(
                "not pushed to {remote} ({error}); the next walk with this journal pushes it again"
            ),
        })
    }
}

/// Lets git keep the journal compact (`git gc --auto`: it packs objects and refs once
/// enough are loose, and does nothing otherwise), in the background: one loose file per
/// object and per session branch would make listing years of sessions slow. Nothing waits
/// for it; without a `git` on the machine it is simply not done.
fn maintain(dir: &std::path::Path) {
    let child = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["gc", "--auto", "--quiet"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        // Reaped when it ends; if cairn exits first, the system adopts it.
        let _ = std::thread::Builder::new()
            .name("cairn-git-gc".into())
            .spawn(move || child.wait());
    }
}
