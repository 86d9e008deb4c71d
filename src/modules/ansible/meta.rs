//! `meta`: an action on the run itself, not on the host. The engine runs it (see
//! `engine/meta.rs`); its type only names the actions numarun knows.

use serde::Deserialize;

use crate::modules::action::{Action, EngineAction, EngineTask};
use crate::modules::doc::{CheckMode, ModuleDoc};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// `meta: flush_handlers`.
    pub free_form: MetaAction,
}

/// The `meta` actions numarun runs.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetaAction {
    /// Runs the handlers notified so far on this host, now.
    FlushHandlers,
    /// Nothing.
    Noop,
    /// Ends the play for every host (without failing them).
    EndPlay,
    /// Ends the play's current batch (`serial`); without `serial`, the play.
    EndBatch,
    /// Ends the play for this host (without failing it).
    EndHost,
    /// Forgets the facts gathered for this host.
    ClearFacts,
    /// Reads the inventory again: numarun's inventory is read once, so nothing.
    RefreshInventory,
}

impl Action for Meta {
    const NAME: &'static str = "meta";
    const FREE_FORM: Option<&'static str> = Some("free_form");
    const DOC: &'static ModuleDoc = &DOC;
}

impl EngineTask for Meta {
    const STEP: EngineAction = EngineAction::Meta;
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Controls the run: `flush_handlers`, `end_play`, `end_host`, `clear_facts`, `noop`.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- meta: flush_handlers",
};
