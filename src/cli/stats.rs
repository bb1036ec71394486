//! `cairn stats`: per runbook, from the journal: sessions, live and drills, operators (the
//! bus factor), last live use, last successful drill, the median walk, the step that fails
//! most; stale runbooks (no good drill within `review_every`) are flagged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::{print_error, Format, EXIT_FAILED, EXIT_OK};
use crate::journal::stats::{self, RunbookStats};
use crate::journal::{self, clock, Journal, JournalError};

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The journal to read [default: $CAIRN_JOURNAL, else $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The figures of every runbook in the journal at `journal`.
fn gather(journal: &Journal) -> Result<Vec<RunbookStats>, JournalError> {
    let summaries = journal::reader::list(journal, None)?;
    let repo = journal.repository()?;
    let failed_at: BTreeMap<String, String> = summaries
        .iter()
        .filter_map(|summary| Some((summary.id.clone(), summary.failed_step.clone()?)))
        .collect();
    // Each runbook's review interval: from the file as it is now, else as last walked.
    let mut review_days = BTreeMap::new();
    let mut newest: BTreeMap<&str, &journal::Summary> = BTreeMap::new();
    for summary in &summaries {
        let entry = newest.entry(&summary.runbook).or_insert(summary);
        if summary.started_ms > entry.started_ms {
            *entry = summary;
        }
    }
    for (path, summary) in newest {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(_) => summary
                .tip
                .and_then(|tip| journal::reader::runbook_text(&repo, tip).ok()),
        };
        let every = text
            .map(|text| crate::runbook::parse(path, &text))
            .and_then(|runbook| runbook.front_matter.review_every);
        if let Some(every) = every {
            review_days.insert(path.to_string(), (every.as_secs() / 86_400).max(1));
        }
    }
    Ok(stats::compute(
        &summaries,
        &failed_at,
        &review_days,
        now_ms(),
    ))
}

pub fn run(args: &StatsArgs) -> i32 {
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let dir = journal::default_dir(args.journal.as_deref(), &settings);
    let gathered = if dir.exists() {
        Journal::existing(&dir).and_then(|journal| gather(&journal))
    } else {
        Ok(Vec::new())
    };
    let runbooks = match gathered {
        Ok(runbooks) => runbooks,
        Err(error) => {
            print_error(&error);
            return EXIT_FAILED;
        }
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&runbooks) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                print_error(&error);
                return EXIT_FAILED;
            }
        },
        Format::Text => print_table(&runbooks, &dir),
    }
    EXIT_OK
}

fn print_table(runbooks: &[RunbookStats], dir: &std::path::Path) {
    if runbooks.is_empty() {
        println!(
            "no sessions in {} yet; `cairn run RUNBOOK` records one",
            dir.display()
        );
        return;
    }
    let day = |ms: Option<u64>| ms.map_or_else(|| "never".to_string(), clock::date);
    println!(
        "{:<32} {:>8} {:>5} {:>6} {:>9} {:<10} {:<10} {:>10}  FAILS MOST",
        "RUNBOOK", "SESSIONS", "LIVE", "DRILLS", "OPERATORS", "LAST LIVE", "GOOD DRILL", "MEDIAN"
    );
    for runbook in runbooks {
        let fails = runbook.fails_most.as_ref().map_or_else(
            || "-".to_string(),
            |(step, count)| format!("{step} ({count})"),
        );
        println!(
            "{:<32} {:>8} {:>5} {:>6} {:>9} {:<10} {:<10} {:>10}  {fails}",
            runbook.runbook,
            runbook.sessions,
            runbook.live,
            runbook.drills,
            runbook.operators.len(),
            day(runbook.last_live_ms),
            day(runbook.last_successful_drill_ms),
            runbook
                .median_ms
                .map_or_else(|| "-".to_string(), clock::duration),
        );
    }
    let stale: Vec<&RunbookStats> = runbooks
        .iter()
        .filter(|runbook| runbook.stale.is_some())
        .collect();
    if !stale.is_empty() {
        println!();
        for runbook in stale {
            if let Some(why) = &runbook.stale {
                println!(
                    "STALE {}: {why}; run `cairn drill {}`",
                    runbook.runbook, runbook.runbook
                );
            }
        }
    }
    let single: Vec<&RunbookStats> = runbooks
        .iter()
        .filter(|runbook| runbook.operators.len() == 1)
        .collect();
    for runbook in single {
        println!(
            "BUS FACTOR 1 {}: only {} has walked it; have someone else drill it",
            runbook.runbook, runbook.operators[0]
        );
    }
}
