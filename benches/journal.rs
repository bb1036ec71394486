//! What recording an event costs: cairn's journal (one commit per event, objects and ref
//! synced to disk) against a plain git2 commit of the same change in the same run (the
//! blob written, an in-memory index over the parent tree with the file added,
//! `write_tree`, commit with the branch moved; nothing synced), on fresh repositories,
//! taking turns event by event.
//!
//! Two sessions are timed. One is the journal alone: whether its cost grows with the session
//! (target: event 10,000 within 1.5x of event 10) and stays under 5 ms a durable event. The
//! other takes turns event by event with the plain commit, so that the machine's noise falls
//! on both alike: the journal must cost at most 1.5x the plain commit, early and late. (Its
//! growth is not judged there: the plain repository's own growing pile of loose objects
//! slows the file system under both.)
//!
//! The journal measured already holds a 300-event session: a new journal's first writes
//! are slower (its object folders were just made) and no session but the first pays that.
//!
//! Run with `cargo bench --bench journal`; `CAIRN_BENCH_EVENTS` sets the session length
//! (default 10,000). The repositories are made fresh and deleted after timing, since this
//! machine's disk slows file creation right after mass deletions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use cairn::engine::Recorder;
use cairn::journal::{Journal, SessionWriter};
use cairn::session::{Event, Mode, SessionInfo, Stamped};
use git2::{Index, IndexEntry, IndexTime, Oid, Repository, Signature};

fn event(seq: u64) -> Stamped {
    let event = if seq == 1 {
        Event::SessionStarted(SessionInfo {
            id: "bench001".into(),
            runbook: "bench.md".into(),
            title: "Bench".into(),
            mode: Mode::Live,
            operator: "bench".into(),
            host: "bench".into(),
        })
    } else {
        Event::NoteAdded {
            step: Some("step".into()),
            text: format!("note number {seq}: replication lag is {} s", seq % 17),
        }
    };
    Stamped {
        seq,
        at_ms: 1_795_906_843_000 + seq * 1000,
        event,
    }
}

/// A journal that already holds a 300-event session, and a writer for the next session.
fn journal_writer(dir: &Path) -> SessionWriter {
    let runbook = cairn::runbook::parse("bench.md", "# Bench\n\n## Step\n\nRead.\n");
    let journal = Journal::open(&dir.join("journal")).unwrap();
    // A journal is created once and then written for years; its first few hundred objects
    // land in folders just made, which the first syncs of each pay for. The session
    // measured is not the journal's first.
    {
        let mut warm = SessionWriter::new(&journal, &runbook).unwrap();
        for seq in 1..=300 {
            let mut stamped = event(seq);
            if let Event::SessionStarted(info) = &mut stamped.event {
                info.id = "warm0001".into();
            }
            warm.record(&stamped).unwrap();
        }
    }
    SessionWriter::new(&journal, &runbook).unwrap()
}

/// The same changes as plain git2 commits: the event's JSON added at the same path.
struct Plain {
    repo: Repository,
    signature: Signature<'static>,
    parent: Option<Oid>,
}

impl Plain {
    /// A repository that already holds 300 commits, as the journal holds a session.
    fn new(dir: &Path) -> Plain {
        let mut plain = Plain {
            repo: Repository::init_bare(dir.join("plain")).unwrap(),
            signature: Signature::now("bench", "bench@example.com").unwrap(),
            parent: None,
        };
        for seq in 1..=300 {
            plain.commit(seq + 1_000_000);
        }
        plain.parent = None;
        plain
            .repo
            .find_reference("refs/heads/plain")
            .unwrap()
            .delete()
            .unwrap();
        plain
    }

    fn commit(&mut self, seq: u64) -> Duration {
        let repo = &self.repo;
        let json = serde_json::to_vec(&event(seq)).unwrap();
        let path = cairn::journal::layout::event_path(seq);
        let started = Instant::now();
        let mut index = Index::new().unwrap();
        if let Some(parent) = self.parent {
            let tree = repo.find_commit(parent).unwrap().tree().unwrap();
            index.read_tree(&tree).unwrap();
        }
        let entry = IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: json.len() as u32,
            id: repo.blob(&json).unwrap(),
            flags: 0,
            flags_extended: 0,
            path: path.into_bytes(),
        };
        index.add(&entry).unwrap();
        let tree = repo.find_tree(index.write_tree_to(repo).unwrap()).unwrap();
        let parents: Vec<git2::Commit<'_>> = self
            .parent
            .iter()
            .map(|oid| repo.find_commit(*oid).unwrap())
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let commit = repo
            .commit(
                Some("refs/heads/plain"),
                &self.signature,
                &self.signature,
                "note",
                &tree,
                &parents,
            )
            .unwrap();
        self.parent = Some(commit);
        started.elapsed()
    }
}

/// Times of each event of a session recorded by cairn's journal, with nothing else writing.
fn alone_times(dir: &Path, events: u64) -> Vec<Duration> {
    let mut writer = journal_writer(dir);
    (1..=events)
        .map(|seq| {
            let stamped = event(seq);
            let started = Instant::now();
            writer.record(&stamped).unwrap();
            started.elapsed()
        })
        .collect()
}

/// Times of each event recorded by cairn's journal and by the plain commit, taken in
/// turns (event 1 in each, then event 2 in each...) so that the machine's noise falls on
/// both alike, with everything written out between them.
fn interleaved_times(dir: &Path, events: u64) -> (Vec<Duration>, Vec<Duration>) {
    let mut writer = journal_writer(dir);
    let mut plain = Plain::new(dir);
    let mut journal_times = Vec::new();
    let mut plain_times = Vec::new();
    for seq in 1..=events {
        let stamped = event(seq);
        let started = Instant::now();
        writer.record(&stamped).unwrap();
        journal_times.push(started.elapsed());
        plain_times.push(plain.commit(seq));
        // The plain commit leaves its objects unsynced; a sync of the journal's would
        // have to write them out too (the file system commits its log as a whole). Each
        // starts clean instead, outside the clock.
        nix::unistd::sync();
    }
    (journal_times, plain_times)
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let events: u64 = std::env::var("CAIRN_BENCH_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(10_000)
        .max(200);
    let base = std::env::temp_dir();
    let dir = tempfile::tempdir_in(&base).unwrap();
    let alone = alone_times(dir.path(), events);
    let pair_dir = tempfile::tempdir_in(&base).unwrap();
    let (journal, plain) = interleaved_times(pair_dir.path(), events);
    let window = 100usize;
    let early = |times: &[Duration]| ms(median(&times[1..window.min(times.len())]));
    let late = |times: &[Duration]| ms(median(&times[times.len() - window..]));
    println!("{events} events per session; medians over {window} events (ms)");
    println!(
        "{:<52} {:>12} {:>10} {:>10}",
        "case", "events 2-100", "last 100", "late/early"
    );
    for (name, times) in [
        (
            "cairn journal, alone (durable: objects + ref synced)",
            &alone,
        ),
        ("cairn journal, in turns with the plain commit", &journal),
        (
            "plain git2 commit (index, nothing synced), in turns",
            &plain,
        ),
    ] {
        println!(
            "{name:<52} {:>12.3} {:>10.3} {:>10.2}",
            early(times),
            late(times),
            late(times) / early(times)
        );
    }
    let total = |times: &[Duration]| times.iter().map(|time| time.as_secs_f64()).sum::<f64>();
    // Each event's journal/plain ratio (the two ran a moment apart, on the same disk
    // weather), and the median of those ratios over the window.
    let ratios: Vec<f64> = journal
        .iter()
        .zip(&plain)
        .map(|(journal, plain)| journal.as_secs_f64() / plain.as_secs_f64())
        .collect();
    let median_ratio = |window: &[f64]| {
        let mut sorted = window.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let (early_ratio, late_ratio) = (
        median_ratio(&ratios[1..window.min(ratios.len())]),
        median_ratio(&ratios[ratios.len() - window..]),
    );
    println!(
        "in turns: journal {:.2} s, plain {:.2} s in all; journal/plain, median of each event's ratio = {:.2} (early) {:.2} (late)",
        total(&journal),
        total(&plain),
        early_ratio,
        late_ratio,
    );
    let verdict = |ok: bool| if ok { "OK" } else { "MISSED" };
    let slowest = early(&alone).max(late(&alone));
    let worst_ratio = early_ratio.max(late_ratio);
    let growth = late(&alone) / early(&alone);
    println!(
        "targets: durable event < 5 ms: {slowest:.3} ms {}; <= 1.5x plain: {worst_ratio:.2} {}; last/first <= 1.5: {growth:.2} {}",
        verdict(slowest < 5.0),
        verdict(worst_ratio <= 1.5),
        verdict(growth <= 1.5),
    );
    // Deleted after timing.
    drop(dir);
    drop(pair_dir);
}
