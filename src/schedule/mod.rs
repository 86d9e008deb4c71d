//! What a run will do, decided before anything runs: every step resolved to its module, which
//! hosts each phase touches after `--limit`, and which steps survive `--tags`/`--skip-tags`.

mod free_form;
mod plays;
mod resolved_task;
mod selection;
mod start_at;

pub use plays::{ScheduledPlay, schedule, step_tags};
pub use resolved_task::ResolvedTask;
pub use selection::Selection;
