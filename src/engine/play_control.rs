//! What the hosts of one phase share while they run it. Each host runs its steps on its own (a
//! host does not wait for the others between steps), so what one host decides for all of them
//! is said here and read by each before its next step.

use std::sync::atomic::{AtomicBool, Ordering};

/// The shared state of one batch of a phase's run.
#[derive(Debug, Default)]
pub struct PlayControl {
    ended: AtomicBool,
}

impl PlayControl {
    /// Ends the play for every host of the batch (a failure under `any_errors_fatal`): none
    /// starts another step of it, and none runs its handlers.
    pub fn end(&self) {
        self.ended.store(true, Ordering::SeqCst);
    }

    /// Whether the play was ended.
    pub fn is_ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }
}
