//! Reporters turn engine events into what people and programs read.

mod json_log;
mod terminal;

use std::sync::{Arc, Mutex};

pub use json_log::JsonLog;
pub use terminal::Terminal;

use crate::events::Event;
use crate::redact::Redactor;

pub trait Reporter: Send {
    fn event(&mut self, event: &Event);
}

/// Where the engine sends events: scrubbed of secrets once, then handed to every reporter.
#[derive(Default)]
pub struct Bus {
    reporters: Mutex<Vec<Box<dyn Reporter>>>,
    pub redactor: Arc<Redactor>,
}

impl Bus {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Bus {
        Bus { reporters: Mutex::new(reporters), redactor: Arc::default() }
    }

    pub fn emit(&self, mut event: Event) {
        self.redactor.scrub_event(&mut event);
        for reporter in self.reporters.lock().expect("reporters lock").iter_mut() {
            reporter.event(&event);
        }
    }
}
