//! Running the handlers a host's changes notified: at the end of its phase, or where a
//! `meta: flush_handlers` asks. Each runs once, in the order the handlers are written, however
//! often it was notified; a handler notified again later runs again at the next flush.

use tracing::Instrument;

use super::host::{HostPlay, HostState};
use super::step;
use crate::events::Event;

/// Runs the handlers `notified` names on this host and forgets the names.
pub async fn run_notified(cx: &HostPlay<'_>, state: &mut HostState, notified: &mut Vec<String>) {
    let names = std::mem::take(notified);
    let handlers: Vec<_> = cx
        .handlers
        .iter()
        .filter(|h| {
            names.iter().any(|n| h.step.name.as_deref() == Some(n) || h.step.listen.contains(n))
        })
        .collect();
    if cx.engine.is_interrupted() {
        // Said, not run: a change whose handler never ran will not notify it again next time.
        if !handlers.is_empty() {
            let names: Vec<String> = handlers.iter().map(|h| h.step.title()).collect();
            let message = format!(
                "interrupted before its notified handlers ran: {}; run them by hand",
                names.join(", ")
            );
            cx.engine.bus.emit(Event::Warning { host: state.name.clone(), message });
        }
        return;
    }
    for (index, handler) in handlers.iter().enumerate() {
        let span = tracing::debug_span!("handler", step = %handler.step.title());
        step::run(cx, state, handler, true, (index + 1, handlers.len())).instrument(span).await;
        if !state.is_active() {
            return;
        }
    }
}
