//! Where the engine sends events, and what receives them.

use std::sync::{Arc, Mutex};

use crate::events::Event;
use crate::redact::Redactor;

/// Something that turns events into output: the terminal, the JSON log.
pub trait Reporter: Send {
    /// Takes one event, already scrubbed of secrets.
    fn event(&mut self, event: &Event);
}

/// Where the engine sends events: scrubbed of secrets once, then handed to every reporter.
#[derive(Default)]
pub struct Bus {
    reporters: Mutex<Vec<Box<dyn Reporter>>>,
    /// The run's secrets: every event is scrubbed of them before a reporter sees it.
    pub redactor: Arc<Redactor>,
}

impl Bus {
    /// A bus that hands every event to these reporters.
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Bus {
        Bus { reporters: Mutex::new(reporters), redactor: Arc::default() }
    }

    /// Scrubs the event of secrets and hands it to every reporter.
    pub fn emit(&self, mut event: Event) {
        self.redactor.scrub_event(&mut event);
        for reporter in self.reporters.lock().expect("reporters lock").iter_mut() {
            reporter.event(&event);
        }
    }
}
