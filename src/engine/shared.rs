//! The run-wide state every host's run reads: `Engine`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::hostvars::HostVars;
use super::layers::Layers;
use super::options::RunOptions;
use crate::connection::Connection;
use crate::events::Event;
use crate::model::Inventory;
use crate::report::Bus;
use crate::template::Templater;

/// What every host's run shares: the options, the event bus, the templater, the variable
/// layers, every host's variables, and whether the run was interrupted.
pub struct Engine {
    pub(super) options: RunOptions,
    pub(super) bus: Arc<Bus>,
    pub(super) templater: Arc<Templater>,
    pub(super) layers: Arc<Layers>,
    pub(super) hostvars: Arc<HostVars>,
    /// Connections to the hosts steps are delegated to, by name, kept for the run.
    pub(super) delegates: tokio::sync::Mutex<HashMap<String, Arc<dyn Connection>>>,
    /// Every host's counts when the phase running now began: `numarun_recap` (a report
    /// written in the last phase shows the run up to it).
    pub(super) recap_so_far: std::sync::Mutex<minijinja::Value>,
    interrupted: AtomicBool,
}

impl Engine {
    pub fn new(inventory: &Inventory, options: RunOptions, bus: Arc<Bus>) -> Engine {
        let layers = Arc::new(Layers::new(inventory, &options));
        let templater = Arc::new(Templater::with_secrets(Arc::clone(&bus.redactor)));
        let hostvars = Arc::new(HostVars::new(Arc::clone(&layers), Arc::clone(&templater)));
        Engine {
            options,
            bus,
            templater,
            layers,
            hostvars,
            delegates: tokio::sync::Mutex::default(),
            recap_so_far: std::sync::Mutex::new(minijinja::Value::from(Vec::<bool>::new())),
            interrupted: AtomicBool::new(false),
        }
    }

    /// Stops the run cleanly: steps running now finish, no other starts, the recap is written.
    pub fn interrupt(&self) {
        if !self.interrupted.swap(true, Ordering::SeqCst) {
            let message =
                "steps running now finish; no other step starts (interrupt again to stop at once)"
                    .to_string();
            self.bus.emit(Event::Interrupted { message });
        }
    }

    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }
}
