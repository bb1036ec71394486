//! The pure session core: what happened in a walk (`Event`), what that adds up to
//! (`SessionState`, a fold over the events), where the walk goes next (`cursor`), and the
//! pure helpers every consumer shares (redaction, shell quoting).
//!
//! Nothing here does I/O, reads a clock or knows of processes, git or ratatui: live runs,
//! review, resume and drill replay all fold the same events through this code.

pub mod cursor;
pub mod event;
pub mod quote;
pub mod recording;
pub mod redact;
pub mod resume;
pub mod state;

pub use event::{
    CommandRef, Event, Mode, Outcome, OutputRef, SessionInfo, SessionOutcome, Stamped, Value,
    ValueSource,
};
pub use state::{SessionState, StepState};
