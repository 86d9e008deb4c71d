//! What a run will do, decided before anything runs: every step resolved to its module, which
//! hosts each phase touches after `--limit`, and which steps survive `--tags`/`--skip-tags`.

mod free_form;
mod phases;
mod selection;
mod start_at;
mod task;

pub use phases::{ScheduledPhase, schedule, step_tags};
pub use selection::Selection;
pub use task::Task;
