//! Reporters turn engine events into what people and programs read.

mod bus;
mod json_log;
mod terminal;

pub use bus::{Bus, Reporter};
pub use json_log::JsonLog;
pub use terminal::Terminal;
