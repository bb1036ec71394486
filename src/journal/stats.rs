//! `cairn stats`: what the journal says about each runbook. How often it was walked, live
//! and as a drill; by how many people (the bus factor: a runbook only one person has ever
//! walked is knowledge in one head); when it was last used for real and last drilled
//! successfully; how long a walk takes (the median); which step fails most. A runbook whose
//! last successful drill is older than its `review_every` (front matter; 90 days when it
//! says nothing), or that was never drilled, is flagged stale.
//!
//! The figures are computed from session summaries (`reader::list`) and, for failed
//! sessions only, the step they failed at: pure, so a test can check them by hand.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::reader::Summary;
use crate::session::Mode;

/// When a runbook says nothing: a drill at least every 90 days.
pub const DEFAULT_REVIEW_DAYS: u64 = 90;
const DAY_MS: u64 = 86_400_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunbookStats {
    pub runbook: String,
    pub title: String,
    pub sessions: usize,
    pub live: usize,
    pub drills: usize,
    /// Everyone who walked it, sorted; their number is the bus factor.
    pub operators: Vec<String>,
    pub last_live_ms: Option<u64>,
    pub last_successful_drill_ms: Option<u64>,
    /// The median duration of its completed walks.
    pub median_ms: Option<u64>,
    /// The step its failed walks failed at most often, and how often.
    pub fails_most: Option<(String, usize)>,
    pub review_every_days: u64,
    /// Why the runbook needs a drill, if it does.
    pub stale: Option<String>,
}

/// The figures per runbook (sorted by path). `failed_at` gives, by session id, the step a
/// failed session failed at; `review_every_days` each runbook's interval, when it sets one.
pub fn compute(
    summaries: &[Summary],
    failed_at: &BTreeMap<String, String>,
    review_every_days: &BTreeMap<String, u64>,
    now_ms: u64,
) -> Vec<RunbookStats> {
    let mut by_runbook: BTreeMap<&str, Vec<&Summary>> = BTreeMap::new();
    for summary in summaries {
        by_runbook
            .entry(&summary.runbook)
            .or_default()
            .push(summary);
    }
    by_runbook
        .into_iter()
        .map(|(runbook, sessions)| {
            let newest = sessions.iter().max_by_key(|session| session.started_ms);
            let operators: BTreeSet<String> = sessions
                .iter()
                .map(|session| session.operator.clone())
                .collect();
            let live: Vec<&&Summary> = sessions.iter().filter(|s| s.mode == Mode::Live).collect();
            let drills: Vec<&&Summary> =
                sessions.iter().filter(|s| s.mode == Mode::Drill).collect();
            let last_live_ms = live.iter().map(|session| session.started_ms).max();
            let last_successful_drill_ms = drills
                .iter()
                .filter(|session| session.outcome == "completed")
                .map(|session| session.started_ms)
                .max();
            let mut durations: Vec<u64> = sessions
                .iter()
                .filter(|session| session.outcome == "completed" && session.mode != Mode::DryRun)
                .map(|session| session.duration_ms)
                .collect();
            durations.sort_unstable();
            let median_ms = median(&durations);
            let mut failures: BTreeMap<&str, usize> = BTreeMap::new();
            for session in &sessions {
                if let Some(step) = failed_at.get(&session.id) {
                    *failures.entry(step).or_default() += 1;
                }
            }
            // The most failures; between equals, the step first in name order.
            let fails_most = failures
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(step, count)| (step.to_string(), *count));
            let review_days = review_every_days
                .get(runbook)
                .copied()
                .unwrap_or(DEFAULT_REVIEW_DAYS);
            let stale = match last_successful_drill_ms {
                None => Some("never drilled successfully".to_string()),
                Some(at) if now_ms.saturating_sub(at) > review_days * DAY_MS => Some(format!(
                    "last good drill {} days ago (review every {review_days} days)",
                    now_ms.saturating_sub(at) / DAY_MS
                )),
                Some(_) => None,
            };
            RunbookStats {
                runbook: runbook.to_string(),
                title: newest
                    .map(|session| session.title.clone())
                    .unwrap_or_default(),
                sessions: sessions.len(),
                live: live.len(),
                drills: drills.len(),
                operators: operators.into_iter().collect(),
                last_live_ms,
                last_successful_drill_ms,
                median_ms,
                fails_most,
                review_every_days: review_days,
                stale,
            }
        })
        .collect()
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(sorted: &[u64]) -> Option<u64> {
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(middle).copied(),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(
        id: &str,
        runbook: &str,
        operator: &str,
        mode: Mode,
        day: u64,
        minutes: u64,
        outcome: &str,
    ) -> Summary {
        Summary {
            id: id.into(),
            branch: format!("sessions/{id}"),
            tip: None,
            failed_step: None,
            runbook: runbook.into(),
            title: runbook.trim_end_matches(".md").into(),
            operator: operator.into(),
            host: "h".into(),
            mode,
            started: String::new(),
            started_ms: day * DAY_MS,
            duration_ms: minutes * 60_000,
            outcome: outcome.into(),
            events: 10,
        }
    }

    #[test]
    fn figures_per_runbook() {
        let sessions = [
            session("a", "disk.md", "ana", Mode::Live, 100, 10, "completed"),
            session("b", "disk.md", "bo", Mode::Drill, 110, 4, "completed"),
            session("c", "disk.md", "ana", Mode::Drill, 120, 6, "failed"),
            session("d", "disk.md", "ana", Mode::Live, 130, 8, "failed"),
            session("e", "cert.md", "cy", Mode::Live, 125, 3, "completed"),
        ];
        let failed_at = BTreeMap::from([
            ("c".to_string(), "free-space".to_string()),
            ("d".to_string(), "free-space".to_string()),
        ]);
        let review = BTreeMap::from([("disk.md".to_string(), 30)]);
        let stats = compute(&sessions, &failed_at, &review, 150 * DAY_MS);
        let cert = &stats[0];
        assert_eq!(cert.runbook, "cert.md");
        assert_eq!(cert.stale.as_deref(), Some("never drilled successfully"));
        let disk = &stats[1];
        assert_eq!((disk.sessions, disk.live, disk.drills), (4, 2, 2));
        assert_eq!(disk.operators, ["ana", "bo"]);
        assert_eq!(disk.last_live_ms, Some(130 * DAY_MS));
        assert_eq!(disk.last_successful_drill_ms, Some(110 * DAY_MS));
        assert_eq!(
            disk.median_ms,
            Some(7 * 60_000),
            "completed walks: 10 and 4 minutes"
        );
        assert_eq!(disk.fails_most, Some(("free-space".to_string(), 2)));
        assert_eq!(
            disk.stale.as_deref(),
            Some("last good drill 40 days ago (review every 30 days)")
        );
    }
}
