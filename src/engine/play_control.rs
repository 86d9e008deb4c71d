//! What the hosts of one batch share while they run a phase. Each host runs its steps on its own
//! (a host does not wait for the others between steps), so what one host decides for all of
//! them is said here and read by each before its next step: the play ended by a failure under
//! `any_errors_fatal`, and the results of `run_once` steps.
//!
//! A `run_once` step is run by the batch's first host still in the phase, as ansible-core runs
//! it on the batch's first host; the others wait for what it left. A host leaving the phase
//! (done, failed, unreachable) hands the turn to the next, so no host waits for one that will
//! never come. The batch's hosts take `--forks` permits in the play's order (the semaphore is
//! first come, first served), so the host whose turn it is holds one or has left.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use minijinja::Value;
use tokio::sync::Notify;

use crate::events::Status;
use crate::vars::VarMap;

/// What a step left for its host: under `run_once`, for every host of the batch.
#[derive(Debug, Clone)]
pub struct SharedResult {
    pub status: Status,
    /// What `register` stores.
    pub registered: Value,
    pub facts: Vec<(String, Value)>,
    pub vars: VarMap,
}

impl Default for SharedResult {
    fn default() -> SharedResult {
        SharedResult {
            status: Status::Ok,
            registered: Value::UNDEFINED,
            facts: Vec::new(),
            vars: VarMap::default(),
        }
    }
}

/// A `run_once` step's turn for one host.
pub enum OnceTurn {
    /// This host runs it (then `left` hands on what it left).
    Run,
    /// Another host ran it: this is what it left.
    Take(Arc<SharedResult>),
}

/// The shared state of one batch of a phase's run.
#[derive(Debug, Default)]
pub struct PlayControl {
    ended: AtomicBool,
    /// The batch's hosts, in the play's order.
    batch: Vec<String>,
    once: Mutex<Once>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct Once {
    /// Hosts done with the phase.
    gone: HashSet<String>,
    /// `run_once` steps by where they are written: `None` while running.
    steps: HashMap<String, Option<Arc<SharedResult>>>,
}

impl PlayControl {
    /// The control of a batch of these hosts.
    pub fn new(batch: &[String]) -> PlayControl {
        PlayControl { batch: batch.to_vec(), ..PlayControl::default() }
    }

    /// Ends the play for every host of the batch (a failure under `any_errors_fatal`): none
    /// starts another step of it, and none runs its handlers.
    pub fn end(&self) {
        self.ended.store(true, Ordering::SeqCst);
    }

    /// Whether the play was ended.
    pub fn is_ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }

    /// `host` reached the `run_once` step `key`: its turn to run it, or what it left.
    pub async fn once(&self, key: &str, host: &str) -> OnceTurn {
        loop {
            // Made before looking, so that a change after the look still wakes it.
            let changed = self.changed.notified();
            {
                let mut once = self.once.lock().expect("run_once lock");
                match once.steps.get(key) {
                    Some(Some(left)) => return OnceTurn::Take(Arc::clone(left)),
                    Some(None) => {}
                    None => {
                        let first = self.batch.iter().find(|h| !once.gone.contains(*h));
                        if first.is_none_or(|first| first == host) {
                            once.steps.insert(key.to_string(), None);
                            return OnceTurn::Run;
                        }
                    }
                }
            }
            changed.await;
        }
    }

    /// What the host whose turn it was left at the `run_once` step `key`.
    pub fn left(&self, key: &str, left: SharedResult) {
        let mut once = self.once.lock().expect("run_once lock");
        once.steps.insert(key.to_string(), Some(Arc::new(left)));
        drop(once);
        self.changed.notify_waiters();
    }

    /// `host` is done with the phase: a `run_once` step it has not reached passes to the next.
    pub fn leave(&self, host: &str) {
        self.once.lock().expect("run_once lock").gone.insert(host.to_string());
        self.changed.notify_waiters();
    }
}
