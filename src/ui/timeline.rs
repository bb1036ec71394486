//! A review's timeline: every event of the recorded session, and each command's output,
//! in order, so the reviewer can stand at any moment of the incident and see the screen as
//! it was then (the step tree, the step, the output up to that point). Outputs are kept up
//! to their last `KEEP` bytes each: what the pane can show of them.

use crate::journal::message::{summary, StepNames};
use crate::session::{Event, Stamped};

/// The most of one command's output the timeline keeps.
const KEEP: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub enum Item {
    Event(Stamped),
    Output(Vec<u8>),
}

#[derive(Default)]
pub struct Timeline {
    pub items: Vec<Item>,
    /// The item the review stands at (`None`: the end, following the record).
    pub at: Option<usize>,
}

impl Timeline {
    pub fn push_event(&mut self, stamped: &Stamped) {
        self.items.push(Item::Event(stamped.clone()));
    }

    pub fn push_output(&mut self, bytes: &[u8]) {
        // Consecutive pieces of one command's output are one item, cut to its end.
        if let Some(Item::Output(kept)) = self.items.last_mut() {
            kept.extend_from_slice(bytes);
            if kept.len() > 2 * KEEP {
                let cut = kept.len() - KEEP;
                kept.drain(..cut);
            }
            return;
        }
        let start = bytes.len().saturating_sub(KEEP);
        self.items.push(Item::Output(bytes[start..].to_vec()));
    }

    /// The indices of the events (outputs are not places to stand).
    pub fn events(&self) -> impl Iterator<Item = (usize, &Stamped)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| match item {
                Item::Event(stamped) => Some((index, stamped)),
                Item::Output(_) => None,
            })
    }

    /// Where the review stands: an item index (the last one at the end).
    pub fn position(&self) -> usize {
        self.at
            .unwrap_or(self.items.len().saturating_sub(1))
            .min(self.items.len().saturating_sub(1))
    }

    /// The event after (`forward`) or before the current position that a reviewer looks
    /// for: steps entered and left, commands ended, notes, decisions, skips, edits.
    pub fn next_landmark(&self, forward: bool) -> Option<usize> {
        let here = self.position();
        let landmark = |(index, stamped): &(usize, &Stamped)| {
            let wanted = matches!(
                stamped.event,
                Event::StepEntered { .. }
                    | Event::CommandFinished { .. }
                    | Event::NoteAdded { .. }
                    | Event::DecisionTaken { .. }
                    | Event::BlockSkipped { .. }
                    | Event::StepSkipped { .. }
                    | Event::BlockEdited { .. }
                    | Event::Confirmed { .. }
                    | Event::SessionEnded { .. }
            );
            wanted
                && if forward {
                    *index > here
                } else {
                    *index < here
                }
        };
        if forward {
            self.events().find(landmark).map(|(index, _)| index)
        } else {
            self.events()
                .filter(landmark)
                .last()
                .map(|(index, _)| index)
        }
    }

    /// Each event as a line: its time into the session and what happened.
    pub fn lines(&self, steps: &StepNames) -> Vec<(usize, String)> {
        let start = self.events().next().map_or(0, |(_, first)| first.at_ms);
        self.events()
            .map(|(index, stamped)| {
                let seconds = stamped.at_ms.saturating_sub(start) / 1000;
                let clock = format!(
                    "{:02}:{:02}:{:02}",
                    seconds / 3600,
                    seconds / 60 % 60,
                    seconds % 60
                );
                (
                    index,
                    format!("{clock}  {}", summary(&stamped.event, steps)),
                )
            })
            .collect()
    }
}
