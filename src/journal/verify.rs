//! `cairn verify`: is a session's record whole? One commit per event, in order, each on
//! the one before; each event where it belongs and unchanged since; each stored output the
//! object its event names (git checks every object against its hash as it is read); and the
//! events fold into a session without gaps.

use git2::{Oid, Repository, Sort};

use super::layout::{event_path, output_path};
use super::reader::{events, SessionRecord};
use super::{Journal, JournalError};
use crate::session::{Event, SessionState, Stamped};

/// The first thing found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The commit (abbreviated) where it shows.
    pub commit: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub commits: u64,
    pub problem: Option<Problem>,
}

fn short(oid: Oid) -> String {
    oid.to_string()[..12].to_string()
}

/// Checks the session `record` of `journal`.
pub fn verify(journal: &Journal, record: &SessionRecord) -> Result<Report, JournalError> {
    let repo = journal.repository()?;
    let mut walk = repo.revwalk()?;
    walk.push(record.tip)?;
    walk.simplify_first_parent()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let commits: Vec<Oid> = walk.collect::<Result<_, _>>()?;
    let tip_tree = repo.find_commit(record.tip)?.tree()?;
    let mut previous: Option<Oid> = None;
    for (index, oid) in commits.iter().enumerate() {
        let seq = index as u64 + 1;
        if let Err(message) = check_commit(&repo, *oid, seq, previous, record, &tip_tree) {
            return Ok(Report {
                commits: commits.len() as u64,
                problem: Some(Problem {
                    commit: short(*oid),
                    message: format!("event {seq}: {message}"),
                }),
            });
        }
        previous = Some(*oid);
    }
    let problem = fold_problem(&repo, record.tip).map(|message| Problem {
        commit: short(record.tip),
        message,
    });
    Ok(Report {
        commits: commits.len() as u64,
        problem,
    })
}

fn check_commit(
    repo: &Repository,
    oid: Oid,
    seq: u64,
    previous: Option<Oid>,
    record: &SessionRecord,
    tip_tree: &git2::Tree<'_>,
) -> Result<(), String> {
    let commit = repo
        .find_commit(oid)
        .map_err(|error| error.message().to_string())?;
    let parents: Vec<Oid> = commit.parent_ids().collect();
    if parents != previous.into_iter().collect::<Vec<_>>() {
        return Err(format!(
            "the commit has {} parent(s), not just the previous event's",
            parents.len()
        ));
    }
    let message = commit.message().unwrap_or_default();
    if !message.contains(&format!("\nCairn-Session: {}\n", record.file.id)) {
        return Err("its Cairn-Session trailer names another session".into());
    }
    if !message.contains(&format!("\nCairn-Event: {seq} ")) {
        return Err(format!("its Cairn-Event trailer is not event {seq}"));
    }
    let tree = commit.tree().map_err(|error| error.message().to_string())?;
    let path = event_path(seq);
    let entry = tree
        .get_path(std::path::Path::new(&path))
        .map_err(|_| format!("{path} is missing"))?;
    let later = tip_tree
        .get_path(std::path::Path::new(&path))
        .map_err(|_| format!("{path} is gone from the latest commit"))?;
    if later.id() != entry.id() {
        return Err(format!("{path} was changed after it was recorded"));
    }
    let blob = repo
        .find_blob(entry.id())
        .map_err(|error| format!("{path} cannot be read: {}", error.message()))?;
    let stamped: Stamped = serde_json::from_slice(blob.content())
        .map_err(|error| format!("{path} is not an event: {error}"))?;
    if stamped.seq != seq {
        return Err(format!("{path} holds event {}", stamped.seq));
    }
    if let Event::CommandFinished {
        output: Some(output),
        ..
    } = &stamped.event
    {
        for (extension, expected) in [("raw", &output.raw), ("txt", &output.text)] {
            let path = output_path(seq, extension);
            let entry = tree
                .get_path(std::path::Path::new(&path))
                .map_err(|_| format!("{path} is missing"))?;
            if &entry.id().to_string() != expected {
                return Err(format!("{path} is not the output the event recorded"));
            }
            // Reading checks the object's content against its hash.
            repo.find_blob(entry.id())
                .map_err(|error| format!("{path} cannot be read: {}", error.message()))?;
        }
    }
    Ok(())
}

fn fold_problem(repo: &Repository, tip: Oid) -> Option<String> {
    let events = match events(repo, tip) {
        Ok(events) => events,
        Err(error) => return Some(error.to_string()),
    };
    if !matches!(
        events.first().map(|first| &first.event),
        Some(Event::SessionStarted(_))
    ) {
        return Some("the first event is not the session's start".into());
    }
    let state = SessionState::fold(&events);
    (state.seq_gaps > 0)
        .then(|| format!("{} event(s) are missing from the sequence", state.seq_gaps))
}
