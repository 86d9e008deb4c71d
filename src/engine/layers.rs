//! Variable precedence, lowest first, as Ansible's: inventory groups (parents
//! before children), the host, the phase, the step, facts and registered
//! results, magic variables and the loop item, then `-e` above all.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use minijinja::Value;

use super::options::RunOptions;
use crate::model::Inventory;
use crate::vars::VarMap;

pub struct Layers {
    /// Inventory variables of each host: its groups' in order, then its own.
    inventory: HashMap<String, Vec<Arc<VarMap>>>,
    groups_value: Value,
    group_names: HashMap<String, Value>,
    extra: Arc<VarMap>,
    playbook_dir: String,
    /// Absolute, as Ansible's: inventories name files beside them by it.
    inventory_dir: Option<String>,
}

impl Layers {
    pub fn new(inventory: &Inventory, options: &RunOptions) -> Layers {
        let group_layers: HashMap<&str, Arc<VarMap>> = inventory
            .groups
            .values()
            .map(|g| (g.name.as_str(), Arc::new(g.vars.clone())))
            .collect();
        let mut per_host = HashMap::new();
        let mut group_names = HashMap::new();
        // Below everything, as in Ansible: a host that gathered nothing has empty `ansible_facts`
        // (so `ansible_facts.x | default(…)` reads), not an undefined one.
        let mut before_facts = VarMap::default();
        before_facts.insert_value("ansible_facts", Value::from(BTreeMap::<String, Value>::new()));
        let before_facts = Arc::new(before_facts);
        for host in &inventory.hosts {
            let groups = inventory.groups_of(&host.name);
            let mut layers: Vec<Arc<VarMap>> = vec![Arc::clone(&before_facts)];
            layers.extend(groups.iter().map(|g| Arc::clone(&group_layers[g.name.as_str()])));
            layers.push(Arc::new(host.vars.clone()));
            per_host.insert(host.name.clone(), layers);
            // As ansible-core has it (checked in tests/ansible_parity.rs): sorted by name, every
            // group but `all`, `ungrouped` included.
            let mut names: Vec<String> =
                groups.iter().map(|g| g.name.clone()).filter(|g| g != "all").collect();
            names.sort();
            group_names.insert(host.name.clone(), Value::from(names));
        }
        let groups_value = Value::from_pairs(inventory.groups.keys().map(|g| {
            (g.clone(), Value::from(inventory.group_hosts(g).into_iter().collect::<Vec<_>>()))
        }));
        Layers {
            inventory: per_host,
            groups_value,
            group_names,
            extra: Arc::new(options.extra_vars.clone()),
            playbook_dir: options.playbook_dir.display().to_string(),
            inventory_dir: inventory.dir.as_ref().map(|dir| {
                std::path::absolute(dir).unwrap_or_else(|_| dir.clone()).display().to_string()
            }),
        }
    }

    /// What the engine itself defines for a host in a phase.
    pub fn magic(
        &self,
        host: &str,
        play_hosts: &[String],
        options: &RunOptions,
        hostvars: &Value,
    ) -> VarMap {
        let mut magic = VarMap::default();
        magic.insert_value("hostvars", hostvars.clone());
        magic.insert_value("inventory_hostname", host.into());
        magic.insert_value(
            "inventory_hostname_short",
            host.split('.').next().unwrap_or(host).into(),
        );
        magic.insert_value(
            "group_names",
            self.group_names
                .get(host)
                .cloned()
                .unwrap_or_else(|| Value::from(Vec::<String>::new())),
        );
        magic.insert_value("groups", self.groups_value.clone());
        magic.insert_value("ansible_play_hosts", Value::from(play_hosts.to_vec()));
        magic.insert_value("playbook_dir", self.playbook_dir.as_str().into());
        if let Some(dir) = &self.inventory_dir {
            magic.insert_value("inventory_dir", dir.as_str().into());
        }
        magic.insert_value("ansible_check_mode", options.check.into());
        magic.insert_value("ansible_diff_mode", options.diff.into());
        magic
    }

    pub fn knows(&self, host: &str) -> bool {
        self.inventory.contains_key(host)
    }

    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.inventory.keys().map(String::as_str)
    }

    /// The layers below the phase: inventory groups and the host.
    pub fn inventory(&self, host: &str) -> &[Arc<VarMap>] {
        self.inventory.get(host).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn extra(&self) -> &Arc<VarMap> {
        &self.extra
    }
}
