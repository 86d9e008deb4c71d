//! Plain data for what the user wrote: playbooks, phases, steps, inventory.

pub mod become_method;
pub mod delegation;
pub mod include;
mod ini_inventory;
pub mod inventory;
pub mod pattern;
pub mod playbook;
pub mod prompt;
pub mod role;
pub mod role_context;
mod role_search;
pub mod rollout;
pub mod task;
pub mod task_list;

pub use inventory::Inventory;
pub use playbook::{Gathering, LoadSettings, Play, Playbook};
pub use task::Task;
