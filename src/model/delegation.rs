//! Where a step runs and for whom: `delegate_to` (another host, or `localhost`, runs it for this
//! one) and `run_once` (one host of the batch runs it, and every host takes its result).

use crate::diag::Diag;
use crate::yaml::{Fields, Node, NodeKind};

/// A step's delegation keywords.
#[derive(Debug, Clone, Default)]
pub struct Delegation {
    /// The host that runs the step (templated per host), with its own connection settings; the
    /// step's variables stay those of the host it runs for.
    pub to: Option<Node>,
    /// One host of the batch runs the step; its registered result and facts are every host's.
    pub run_once: bool,
}

impl Delegation {
    /// Reads a step's delegation keywords.
    pub fn take(fields: &mut Fields) -> Result<Delegation, Diag> {
        let to = fields.take(&["delegate_to"]).cloned();
        if let Some(node) = fields.take(&["delegate_facts"])
            && !matches!(node.kind, NodeKind::Bool(false))
        {
            return Err(Diag::invalid(&node.span, "`delegate_facts` is not supported yet")
                .with_help("the facts a delegated step sets are the host's it runs for"));
        }
        let run_once = fields.get::<bool>("run_once")?.unwrap_or(false);
        Ok(Delegation { to, run_once })
    }
}
