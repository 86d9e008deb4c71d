//! Where roles are found: Ansible's role search path.

use std::path::{Path, PathBuf};

use crate::diag::{Diag, Span};

/// Where roles are looked for, in order: `roles/` beside the playbook, the configured
/// `roles_path` (Ansible's defaults when none is), the playbook's own folder.
#[derive(Debug, Clone)]
pub struct RoleSearch {
    dirs: Vec<PathBuf>,
}

impl RoleSearch {
    /// The search path of a playbook in `playbook_dir`, with `roles_path` from the configuration
    /// (`None`: Ansible's default, `~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles`).
    pub fn new(playbook_dir: &Path, roles_path: Option<&[PathBuf]>) -> RoleSearch {
        let playbook_dir =
            if playbook_dir.as_os_str().is_empty() { Path::new(".") } else { playbook_dir };
        let mut dirs = vec![playbook_dir.join("roles")];
        match roles_path {
            Some(configured) => dirs.extend(configured.iter().cloned()),
            None => {
                let home = std::env::var_os("HOME").map(PathBuf::from);
                dirs.extend(home.map(|h| h.join(".ansible/roles")));
                dirs.extend(["/usr/share/ansible/roles", "/etc/ansible/roles"].map(PathBuf::from));
            }
        }
        dirs.push(playbook_dir.to_path_buf());
        RoleSearch { dirs }
    }

    /// The folder of the role `name` (a name on the search path, or a path).
    pub(crate) fn find(&self, name: &str, span: &Span) -> Result<PathBuf, Diag> {
        let found = if name.contains('/') {
            let base = self.dirs.last().expect("the playbook's folder");
            Some(base.join(name)).filter(|dir| dir.is_dir())
        } else {
            self.dirs.iter().map(|dir| dir.join(name)).find(|dir| dir.is_dir())
        };
        found.ok_or_else(|| {
            let looked: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
            Diag::invalid(span, format!("role `{name}` not found: looked in {}", looked.join(", ")))
                .with_help("put it in `roles/` beside the playbook, or name its folder in `roles_path` (ansible.cfg) or ANSIBLE_ROLES_PATH")
        })
    }
}
