//! Runs a schedule: phases in order; in a phase, hosts concurrently up to `--forks`, each host's
//! steps in order; handlers at the end of the phase. Each step is check → apply → re-check.

mod attempt;
mod blocks;
mod delegate;
mod execute;
mod handlers;
mod host;
mod host_play;
mod hostvars;
mod include;
mod layers;
mod loop_items;
mod meta;
mod options;
mod play_control;
mod plays;
mod run_once;
mod shared;
mod step;
mod summary;

pub use options::RunOptions;
pub use shared::Engine;
pub use summary::Summary;
