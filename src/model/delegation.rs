//! Where a step runs and for whom: `delegate_to` (another host, or `localhost`, runs it for this
//! one) and `run_once` (one host of the batch runs it, and every host takes its result).

use crate::diag::Diag;
use crate::yaml::{Fields, Node};

/// A step's delegation keywords.
#[derive(Debug, Clone, Default)]
pub struct Delegation {
    /// The host that runs the step (templated per host), with its own connection settings; the
    /// step's variables stay those of the host it runs for.
    pub to: Option<Node>,
    /// One host of the batch runs the step; its registered result and facts are every host's.
    pub run_once: bool,
    /// The facts the step sets are the delegate's, not the host's (`delegate_facts`).
    pub facts: bool,
}

impl Delegation {
    /// Reads a step's delegation keywords.
    pub fn take(fields: &mut Fields) -> Result<Delegation, Diag> {
        let to = fields.take(&["delegate_to"]).cloned();
        let facts = fields.get::<bool>("delegate_facts")?.unwrap_or(false);
        if facts && to.is_none() {
            let at = &fields.node().span;
            return Err(Diag::invalid(at, "`delegate_facts` without `delegate_to`")
                .with_help("name the host whose facts these are with `delegate_to`"));
        }
        let run_once = fields.get::<bool>("run_once")?.unwrap_or(false);
        Ok(Delegation { to, run_once, facts })
    }
}
