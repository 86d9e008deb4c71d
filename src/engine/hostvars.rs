//! `hostvars`: every host's variables (inventory, facts, registered results),
//! readable from any host as in Ansible, e.g. a k3s agent reading the node
//! token its server registered.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

use super::layers::Layers;
use crate::template::{Scope, Templater};
use crate::vars::VarMap;

pub struct HostVars {
    layers: Arc<Layers>,
    templater: Arc<Templater>,
    /// Each host's facts as of its last finished step.
    facts: RwLock<HashMap<String, Arc<VarMap>>>,
    /// Facts other hosts' steps set for a host (`delegate_facts`), until the host takes them.
    given: RwLock<HashMap<String, VarMap>>,
}

impl HostVars {
    pub fn new(layers: Arc<Layers>, templater: Arc<Templater>) -> HostVars {
        HostVars { layers, templater, facts: RwLock::default(), given: RwLock::default() }
    }

    /// Makes a host's facts visible to the others.
    pub fn publish(&self, host: &str, facts: &Arc<VarMap>) {
        self.facts.write().expect("hostvars lock").insert(host.to_string(), Arc::clone(facts));
    }

    /// Facts for `host` that another host's step set (`delegate_facts`).
    pub fn give(&self, host: &str, facts: VarMap) {
        let mut given = self.given.write().expect("hostvars lock");
        given.entry(host.to_string()).or_default().extend(facts);
    }

    /// The facts given to `host` since it last took them: its own from now on.
    pub fn take_given(&self, host: &str) -> Option<VarMap> {
        self.given.write().expect("hostvars lock").remove(host)
    }

    fn scope(&self, host: &str) -> Arc<Scope> {
        let mut layers = self.layers.inventory(host).to_vec();
        if let Some(facts) = self.facts.read().expect("hostvars lock").get(host) {
            layers.push(Arc::clone(facts));
        }
        if let Some(given) = self.given.read().expect("hostvars lock").get(host) {
            layers.push(Arc::new(given.clone()));
        }
        let mut identity = VarMap::default();
        identity.insert_value("inventory_hostname", host.into());
        layers.push(Arc::new(identity));
        layers.push(Arc::clone(self.layers.extra()));
        Scope::new(Arc::clone(&self.templater), layers)
    }
}

impl std::fmt::Debug for HostVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostVars").field("hosts", &self.layers.hosts().count()).finish()
    }
}

impl Object for HostVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let host = key.as_str()?;
        self.layers.knows(host).then(|| Value::from_dyn_object(self.scope(host)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.layers.hosts().map(Value::from).collect())
    }
}
