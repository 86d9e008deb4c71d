//! The connection a step runs over: its host's own, or, under `delegate_to`, the delegate's,
//! opened with the delegate's connection settings (its `ansible_host`, user, port, key) and kept
//! for the run, shared by every host that delegates to it. `localhost` not in the inventory is
//! this machine, as in Ansible.

use std::sync::Arc;

use super::host::{HostPlay, HostState};
use crate::connection::{Connection, ConnectionError};
use crate::model::Task;
use crate::template::Scope;

impl HostPlay<'_> {
    /// The connection `step` runs over for this host, and the delegate's name if another's.
    pub(super) async fn connection_for(
        &self,
        state: &HostState,
        step: &Task,
        scope: &Arc<Scope>,
    ) -> Result<(Arc<dyn Connection>, Option<String>), ConnectionError> {
        let own = || {
            let target = state.target.clone();
            target.map(|t| (t, None)).ok_or(ConnectionError::Unreachable("no connection".into()))
        };
        let Some(node) = &step.delegation.to else { return own() };
        let delegate = scope
            .render_value(node)
            .map_err(|e| ConnectionError::Unreachable(format!("delegate_to: {e}")))?;
        let delegate =
            delegate.as_str().map(str::to_string).unwrap_or_else(|| delegate.to_string());
        if delegate == state.name {
            return own();
        }
        let mut delegates = self.engine.delegates.lock().await;
        if let Some(connection) = delegates.get(&delegate) {
            return Ok((Arc::clone(connection), Some(delegate)));
        }
        let connection = self.connect(&HostState::new(&delegate)).await?;
        delegates.insert(delegate.clone(), Arc::clone(&connection));
        Ok((connection, Some(delegate)))
    }
}
