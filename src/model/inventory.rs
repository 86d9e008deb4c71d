//! Ansible's inventory: groups with hosts, children and vars, from YAML or INI files (one or
//! several), plus `group_vars/` and `host_vars/` folders beside each file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::ini_inventory::{self, IniSection};
use crate::diag::{Diag, Source, Span};
use crate::file_error::FileError;
use crate::text_file;
use crate::vars::VarMap;
use crate::yaml::{self, Fields, Node, NodeKind};

/// An inventory group: its hosts, child groups and variables.
#[derive(Debug, Default)]
pub struct Group {
    pub(crate) name: String,
    pub(crate) hosts: BTreeSet<String>,
    pub(crate) children: BTreeSet<String>,
    pub(crate) vars: VarMap,
    pub(crate) span: Option<Span>,
}

/// An inventory host and its own variables.
#[derive(Debug)]
pub struct Host {
    pub(crate) name: String,
    pub(crate) vars: VarMap,
}

/// The hosts and groups a run may address.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Hosts in the order they were first written.
    pub(crate) hosts: Vec<Host>,
    pub(crate) groups: BTreeMap<String, Group>,
    /// Where `group_vars/` and `host_vars/` were looked for.
    pub(crate) dir: Option<PathBuf>,
    /// The files read, in order; none for the implicit inventory.
    pub(crate) sources: Vec<PathBuf>,
}

/// The keys of a group in a YAML inventory.
pub const GROUP_KEYS: &[&str] = &["hosts", "children", "vars"];

impl Inventory {
    /// The inventory Ansible assumes when none is given: only `localhost`.
    pub fn implicit() -> Inventory {
        let mut inventory = Inventory::default();
        inventory.groups.insert("all".into(), Group { name: "all".into(), ..Group::default() });
        inventory
            .groups
            .insert("ungrouped".into(), Group { name: "ungrouped".into(), ..Group::default() });
        inventory.add_implicit_localhost();
        inventory
    }

    /// Reads an inventory file (YAML), with `group_vars/` and `host_vars/` beside it.
    pub fn load(path: &Path) -> Result<Inventory, Diag> {
        Inventory::load_all(std::slice::from_ref(&path.to_path_buf()))
    }

    /// Reads several inventory files into one, as `ansible-playbook -i a -i b` does: groups and
    /// hosts are the union, and where two files set the same variable the later file wins. The
    /// `group_vars/` and `host_vars/` beside each file are read after all the files, in order.
    /// `inventory_dir` is the first file's folder.
    pub fn load_all(paths: &[PathBuf]) -> Result<Inventory, Diag> {
        let mut inventory = Inventory {
            dir: paths.first().and_then(|p| p.parent()).map(Path::to_path_buf),
            sources: paths.to_vec(),
            ..Inventory::default()
        };
        inventory.group_named("all");
        for path in paths {
            if is_yaml(path) {
                inventory.read_yaml(path)?;
            } else {
                let source = Source::new(path.display().to_string(), text_file::read(path)?);
                inventory.read_ini(ini_inventory::parse(&source)?)?;
            }
        }
        inventory.link_top_level_groups();
        let mut read: Vec<PathBuf> = Vec::new();
        for dir in paths.iter().filter_map(|p| p.parent()) {
            let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            if !read.contains(&canonical) {
                inventory.read_var_dirs(dir)?;
                read.push(canonical);
            }
        }
        Ok(inventory)
    }

    fn read_yaml(&mut self, path: &Path) -> Result<(), Diag> {
        let root = yaml::load_file(path)?;
        self.group_named("all").span.get_or_insert_with(|| root.span.clone());
        if !matches!(root.kind, NodeKind::Null) {
            for (name, body) in root.expect_map("an inventory")? {
                let name = name.expect_str("a group name")?;
                self.read_group(name, body)?;
            }
        }
        Ok(())
    }

    /// An INI inventory's sections, as groups: their hosts, children and variables.
    fn read_ini(&mut self, sections: Vec<IniSection>) -> Result<(), Diag> {
        for section in sections {
            let name = section.group;
            if let Some(span) = section.span {
                self.group_named(&name).span.get_or_insert(span);
            }
            self.group_named(&name).vars.extend(section.vars);
            for (child, span) in section.children {
                if child == name || child == "all" {
                    return Err(Diag::invalid(
                        &span,
                        format!("group `{child}` cannot be a child of `{name}`"),
                    ));
                }
                self.group_named(&child).span.get_or_insert(span);
                self.group_named(&name).children.insert(child);
            }
            for (host, vars) in section.hosts {
                self.add_host(&host, vars);
                self.group_named(&name).hosts.insert(host);
            }
        }
        Ok(())
    }

    /// The group of this name, made empty when it is new.
    fn group_named(&mut self, name: &str) -> &mut Group {
        self.groups
            .entry(name.to_string())
            .or_insert_with(|| Group { name: name.to_string(), ..Group::default() })
    }

    fn read_group(&mut self, name: &str, body: &Node) -> Result<(), Diag> {
        self.group_named(name).span.get_or_insert_with(|| body.span.clone());
        if matches!(body.kind, NodeKind::Null) {
            return Ok(());
        }
        let mut fields = Fields::new(body, "group key")?;
        if let Some(vars) = fields.take(&["vars"]) {
            let vars = VarMap::from_node(vars)?;
            self.groups.get_mut(name).expect("group").vars.extend(vars);
        }
        if let Some(hosts) = fields.take(&["hosts"]).filter(|n| !matches!(n.kind, NodeKind::Null)) {
            for (host, vars) in hosts.expect_map("hosts")? {
                let host = host.expect_str("a host name")?.to_string();
                let vars = match vars.kind {
                    NodeKind::Null => VarMap::default(),
                    _ => VarMap::from_node(vars)?,
                };
                self.add_host(&host, vars);
                self.groups.get_mut(name).expect("group").hosts.insert(host);
            }
        }
        if let Some(children) =
            fields.take(&["children"]).filter(|n| !matches!(n.kind, NodeKind::Null))
        {
            for (child, body) in children.expect_map("children")? {
                let child_name = child.expect_str("a group name")?.to_string();
                if child_name == name || child_name == "all" {
                    return Err(Diag::invalid(
                        &child.span,
                        format!("group `{child_name}` cannot be a child of `{name}`"),
                    ));
                }
                self.groups.get_mut(name).expect("group").children.insert(child_name.clone());
                self.read_group(&child_name, body)?;
            }
        }
        fields.finish(GROUP_KEYS)
    }

    fn add_host(&mut self, name: &str, vars: VarMap) {
        match self.hosts.iter_mut().find(|h| h.name == name) {
            Some(host) => host.vars.extend(vars),
            None => self.hosts.push(Host { name: name.to_string(), vars }),
        }
    }

    /// Ansible's `localhost` exists even when not listed, outside `all`.
    fn add_implicit_localhost(&mut self) {
        if !self.hosts.iter().any(|h| h.name == "localhost") {
            let mut vars = VarMap::default();
            vars.insert_value("ansible_connection", "local".into());
            self.hosts.push(Host { name: "localhost".into(), vars });
        }
    }

    /// Groups nobody names as a child hang under `all`; hosts in no group are `ungrouped`.
    fn link_top_level_groups(&mut self) {
        let named: BTreeSet<String> =
            self.groups.values().flat_map(|g| g.children.iter().cloned()).collect();
        let top: Vec<String> =
            self.groups.keys().filter(|g| *g != "all" && !named.contains(*g)).cloned().collect();
        let grouped: BTreeSet<String> = self
            .groups
            .values()
            .filter(|g| g.name != "all")
            .flat_map(|g| g.hosts.iter().cloned())
            .collect();
        let ungrouped: BTreeSet<String> =
            self.hosts.iter().map(|h| h.name.clone()).filter(|h| !grouped.contains(h)).collect();
        self.groups
            .entry("ungrouped".into())
            .or_insert_with(|| Group { name: "ungrouped".into(), ..Group::default() })
            .hosts
            .extend(ungrouped);
        let all = self.groups.get_mut("all").expect("all");
        all.children.extend(top);
        all.children.insert("ungrouped".into());
        all.hosts.clear();
        self.add_implicit_localhost();
    }

    /// Reads `group_vars/` and `host_vars/` in `dir`; what it sets wins over what was read before,
    /// so the playbook's folders (read second) win over the inventory's, as in Ansible.
    pub fn read_var_dirs(&mut self, dir: &Path) -> Result<(), Diag> {
        for name in self.groups.keys().cloned().collect::<Vec<_>>() {
            for file in var_files(&dir.join("group_vars"), &name)? {
                let vars = VarMap::from_node(&yaml::load_file(&file)?)?;
                self.groups.get_mut(&name).expect("group").vars.extend(vars);
            }
        }
        for host in &mut self.hosts {
            for file in var_files(&dir.join("host_vars"), &host.name)? {
                host.vars.extend(VarMap::from_node(&yaml::load_file(&file)?)?);
            }
        }
        Ok(())
    }

    /// Which inventory this is, for a message about its hosts: the files read, or that none was
    /// given, and how to name one.
    pub fn described(&self) -> String {
        match self.sources.as_slice() {
            [] => "the implicit inventory, only `localhost` (`-i` or ansible.cfg's `inventory` \
                   names one)"
                .to_string(),
            files => {
                let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                format!("{} (`-i` names another)", files.join(", "))
            }
        }
    }

    /// Ansible's configuration defaults (`remote_user`, `private_key_file`, …) as variables of
    /// `all`, where the inventory does not set them there: below every inventory variable.
    pub fn set_defaults(&mut self, defaults: VarMap) {
        let all = self.group_named("all");
        for (name, value) in defaults.0 {
            all.vars.0.entry(name).or_insert(value);
        }
    }

    /// Every host's name, in the order the inventory gives them.
    pub fn host_names(&self) -> impl Iterator<Item = &str> {
        self.hosts.iter().map(|h| h.name.as_str())
    }

    /// The host of this name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// Every host of a group, through its children; `all` excludes the implicit localhost
    /// unless the inventory lists it.
    pub fn group_hosts(&self, group: &str) -> BTreeSet<String> {
        let mut hosts = BTreeSet::new();
        let mut stack = vec![group.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(g) = self.groups.get(&name) {
                hosts.extend(g.hosts.iter().cloned());
                stack.extend(g.children.iter().cloned());
            }
        }
        hosts
    }

    /// Groups a host belongs to, ancestors first (`all` first), the order
    /// in which their variables apply.
    pub fn groups_of(&self, host: &str) -> Vec<&Group> {
        let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
        let mut stack = vec![("all", 0usize)];
        while let Some((name, d)) = stack.pop() {
            let Some(group) = self.groups.get(name) else { continue };
            if depth.get(name).is_some_and(|&seen| seen >= d) {
                continue;
            }
            depth.insert(name, d);
            stack.extend(group.children.iter().map(|c| (c.as_str(), d + 1)));
        }
        let mut groups: Vec<&Group> = depth
            .keys()
            .filter_map(|g| self.groups.get(*g))
            .filter(|g| self.group_hosts(&g.name).contains(host))
            .collect();
        groups.sort_by_key(|g| (depth[g.name.as_str()], g.name.clone()));
        groups
    }
}

/// YAML by its extension, as Ansible's yaml plugin decides; any other file is INI.
fn is_yaml(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| ["yaml", "yml", "json"].contains(&e))
}

/// `dir/name.yaml`, `dir/name.yml`, `dir/name` or every YAML file in `dir/name/`.
fn var_files(dir: &Path, name: &str) -> Result<Vec<PathBuf>, Diag> {
    let mut files = Vec::new();
    for candidate in
        [dir.join(format!("{name}.yaml")), dir.join(format!("{name}.yml")), dir.join(name)]
    {
        if candidate.is_file() {
            files.push(candidate);
        } else if candidate.is_dir() {
            let entries =
                std::fs::read_dir(&candidate).map_err(|e| FileError::read(&candidate, e))?;
            let mut inner: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            inner.sort();
            files.extend(inner);
        }
    }
    Ok(files)
}
