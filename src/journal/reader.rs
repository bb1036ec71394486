//! Reading sessions back: the list for `cairn log`, one session's events for review,
//! resume and verify, and finding a session from the id prefix a person types.

use git2::{Oid, Repository, Tree};
use serde::Serialize;

use super::summary_cache::SummaryCache;
use super::writer::SessionFile;
use super::{clock, Journal, JournalError};
use crate::session::{Event, Stamped};

/// One line of `cairn log`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub branch: String,
    /// The tip of the session's branch (not printed).
    #[serde(skip)]
    pub tip: Option<Oid>,
    pub runbook: String,
    pub title: String,
    pub operator: String,
    pub host: String,
    pub mode: crate::session::Mode,
    pub started: String,
    pub started_ms: u64,
    pub duration_ms: u64,
    /// `completed`, `failed`, `stopped`, `interrupted`, or `unfinished` (no end recorded:
    /// still running, or cut short).
    pub outcome: String,
    pub events: u64,
    /// For a failed session, the step it failed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
}

/// A session found in the journal.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub branch: String,
    pub tip: Oid,
    pub file: SessionFile,
}

/// Session branches and their tips: this journal's, then those fetched from `remote` that
/// it does not have itself.
fn sessions(repo: &Repository, remote: Option<&str>) -> Result<Vec<(String, Oid)>, JournalError> {
    let mut found: Vec<(String, Oid)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut places = vec!["refs/heads/".to_string()];
    places.extend(remote.map(|remote| format!("refs/remotes/{remote}/")));
    for place in places {
        for reference in repo.references_glob(&format!("{place}sessions/*"))? {
            let reference = reference?;
            let (Ok(name), Some(tip)) = (reference.name(), reference.target()) else {
                continue;
            };
            let branch = name.trim_start_matches(place.as_str()).to_string();
            if seen.insert(branch.clone()) {
                found.push((branch, tip));
            }
        }
    }
    Ok(found)
}

fn blob_at(repo: &Repository, tree: &Tree<'_>, path: &str) -> Result<Vec<u8>, JournalError> {
    let entry = tree
        .get_path(std::path::Path::new(path))
        .map_err(|_| JournalError::Git(format!("{path} is missing")))?;
    let blob = repo.find_blob(entry.id())?;
    Ok(blob.content().to_vec())
}

fn session_file(repo: &Repository, tree: &Tree<'_>) -> Result<SessionFile, JournalError> {
    serde_json::from_slice(&blob_at(repo, tree, "session.json")?).map_err(JournalError::json)
}

/// The entries of a folder of the tree, in name order (names are zero-padded numbers).
fn folder<'r>(
    repo: &'r Repository,
    tree: &Tree<'_>,
    path: &str,
) -> Result<Option<Tree<'r>>, JournalError> {
    match tree.get_path(std::path::Path::new(path)) {
        Ok(entry) => Ok(entry.to_object(repo)?.into_tree().ok()),
        Err(_) => Ok(None),
    }
}

/// The last event of a session's tree, and how many there are.
fn last_event(repo: &Repository, tree: &Tree<'_>) -> Result<Option<(Stamped, u64)>, JournalError> {
    let Some(events) = folder(repo, tree, "events")? else {
        return Ok(None);
    };
    let Some(bucket) = events.iter().next_back() else {
        return Ok(None);
    };
    let Some(bucket) = bucket.to_object(repo)?.into_tree().ok() else {
        return Ok(None);
    };
    let Some(entry) = bucket.iter().next_back() else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id())?;
    let event: Stamped = serde_json::from_slice(blob.content()).map_err(JournalError::json)?;
    let count = event.seq;
    Ok(Some((event, count)))
}

/// The step a session failed at: the last failure among its last events (a failed
/// session ends right after it). Reads from the end, a few events at most.
pub fn failed_step(repo: &Repository, tip: Oid) -> Result<Option<String>, JournalError> {
    const LOOK_BACK: usize = 50;
    let tree = repo.find_commit(tip)?.tree()?;
    let Some(buckets) = folder(repo, &tree, "events")? else {
        return Ok(None);
    };
    let mut read = 0;
    for bucket in buckets.iter().rev() {
        let Some(bucket) = bucket.to_object(repo)?.into_tree().ok() else {
            continue;
        };
        for entry in bucket.iter().rev() {
            read += 1;
            if read > LOOK_BACK {
                return Ok(None);
            }
            let blob = repo.find_blob(entry.id())?;
            let stamped: Stamped =
                serde_json::from_slice(blob.content()).map_err(JournalError::json)?;
            let failed = match &stamped.event {
                Event::StepFinished { step, outcome }
                | Event::BlockFinished { step, outcome, .. }
                    if *outcome != crate::session::Outcome::Ok =>
                {
                    Some(step.clone())
                }
                Event::CommandFinished { at, outcome, .. }
                    if *outcome != crate::session::Outcome::Ok =>
                {
                    Some(at.step.clone())
                }
                _ => None,
            };
            if failed.is_some() {
                return Ok(failed);
            }
        }
    }
    Ok(None)
}

/// Every session in the journal (and those fetched from `remote`), newest first. Sessions
/// whose branch has not moved since the last listing come from the summary cache.
pub fn list(journal: &Journal, remote: Option<&str>) -> Result<Vec<Summary>, JournalError> {
    let repo = journal.repository()?;
    let mut cache = SummaryCache::load(journal.dir());
    let branches = sessions(&repo, remote)?;
    let mut summaries = Vec::with_capacity(branches.len());
    for (branch, tip) in &branches {
        if let Some(summary) = cache.get(branch, *tip) {
            summaries.push(summary);
            continue;
        }
        let summary = summarize(&repo, branch, *tip)?;
        cache.put(branch, *tip, &summary);
        summaries.push(summary);
    }
    cache.keep_only(&branches.iter().map(|(branch, _)| branch.as_str()).collect());
    cache.save();
    summaries.sort_by(|a, b| b.started_ms.cmp(&a.started_ms).then(b.id.cmp(&a.id)));
    Ok(summaries)
}

/// Adds the session on `branch` (at `tip`) to the summary cache: a session that just ended
/// is listed at once by the next `cairn log`, without reading it again.
pub fn remember(journal: &Journal, branch: &str, tip: Oid) -> Result<(), JournalError> {
    let repo = journal.repository()?;
    let summary = summarize(&repo, branch, tip)?;
    let mut cache = SummaryCache::load(journal.dir());
    cache.put(branch, tip, &summary);
    cache.save();
    Ok(())
}

/// The summary of the session on `branch`, read at `tip`.
fn summarize(repo: &Repository, branch: &str, tip: Oid) -> Result<Summary, JournalError> {
    let tree = repo.find_commit(tip)?.tree()?;
    let file = session_file(repo, &tree)?;
    let (outcome, last_ms, events) = match last_event(repo, &tree)? {
        Some((stamped, count)) => {
            let outcome = match &stamped.event {
                Event::SessionEnded { outcome } => outcome.word().to_string(),
                _ => "unfinished".to_string(),
            };
            (outcome, stamped.at_ms, count)
        }
        None => ("unfinished".to_string(), file.started_ms, 0),
    };
    let failed_step = if outcome == "failed" {
        failed_step(repo, tip)?
    } else {
        None
    };
    Ok(Summary {
        id: file.id.clone(),
        branch: branch.to_string(),
        tip: Some(tip),
        runbook: file.runbook.clone(),
        title: file.title.clone(),
        operator: file.operator.clone(),
        host: file.host.clone(),
        mode: file.mode,
        started: clock::timestamp(file.started_ms),
        started_ms: file.started_ms,
        duration_ms: last_ms.saturating_sub(file.started_ms),
        outcome,
        events,
        failed_step,
    })
}

/// The session whose id starts with `prefix` (a unique prefix is enough).
pub fn find(journal: &Journal, prefix: &str) -> Result<SessionRecord, JournalError> {
    let repo = journal.repository()?;
    let prefix = prefix.trim();
    let matching: Vec<(String, Oid)> = sessions(&repo, None)?
        .into_iter()
        .filter(|(branch, _)| {
            !prefix.is_empty()
                && (super::layout::id_of_branch(branch).is_some_and(|id| id.starts_with(prefix))
                    || branch == prefix)
        })
        .collect();
    match matching.as_slice() {
        [(branch, tip)] => {
            let tree = repo.find_commit(*tip)?.tree()?;
            Ok(SessionRecord {
                branch: branch.clone(),
                tip: *tip,
                file: session_file(&repo, &tree)?,
            })
        }
        [] => Err(JournalError::NoSuchSession(format!(
            "no session in {} has an id starting with `{prefix}`; `cairn log` lists them",
            journal.dir().display()
        ))),
        many => Err(JournalError::NoSuchSession(format!(
            "`{prefix}` matches {} sessions ({}); type more of the id",
            many.len(),
            many.iter()
                .filter_map(|(branch, _)| super::layout::id_of_branch(branch))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// All events in the tree of commit `tip`, in order.
pub fn events(repo: &Repository, tip: Oid) -> Result<Vec<Stamped>, JournalError> {
    let tree = repo.find_commit(tip)?.tree()?;
    let mut events = Vec::new();
    let Some(buckets) = folder(repo, &tree, "events")? else {
        return Ok(events);
    };
    for bucket in buckets.iter() {
        let Some(bucket) = bucket.to_object(repo)?.into_tree().ok() else {
            continue;
        };
        for entry in bucket.iter() {
            let blob = repo.find_blob(entry.id())?;
            events.push(serde_json::from_slice(blob.content()).map_err(JournalError::json)?);
        }
    }
    Ok(events)
}

/// A command's stored output, by the blob id its event records.
pub fn output(repo: &Repository, blob: &str) -> Result<Vec<u8>, JournalError> {
    let id =
        Oid::from_str(blob).map_err(|_| JournalError::Git(format!("`{blob}` is not a blob id")))?;
    Ok(repo.find_blob(id)?.content().to_vec())
}

/// The runbook's text as the session ran it.
pub fn runbook_text(repo: &Repository, tip: Oid) -> Result<String, JournalError> {
    let tree = repo.find_commit(tip)?.tree()?;
    let bytes = blob_at(repo, &tree, "runbook.md")?;
    String::from_utf8(bytes).map_err(|_| JournalError::Git("runbook.md is not UTF-8".into()))
}
