//! What the command line selects: `--tags`, `--skip-tags`, `--limit`, `--start-at-task`.

/// What the command line selects: `--tags`, `--skip-tags`, `--limit`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub limit: Option<String>,
    /// `--start-at-task`: the name (or glob) of the step the run starts at.
    pub start_at_task: Option<String>,
}

impl Selection {
    /// Ansible's tag rules: `always` runs unless skipped by name, `never`
    /// only when asked for, `tagged`/`untagged`/`all` select as they say.
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |t: &str| tags.iter().any(|x| x == t);
        let asked = |t: &str| self.tags.iter().any(|x| x == t);
        let wanted = if self.tags.is_empty() || asked("all") {
            !has("never") || tags.iter().any(|t| asked(t) && t != "all")
        } else {
            has("always")
                || tags.iter().any(|t| asked(t))
                || (asked("tagged") && !tags.is_empty())
                || (asked("untagged") && tags.is_empty())
        };
        let skipped = tags.iter().any(|t| self.skip_tags.contains(t))
            || (self.skip_tags.iter().any(|t| t == "tagged") && !tags.is_empty())
            || (self.skip_tags.iter().any(|t| t == "untagged") && tags.is_empty());
        wanted && !skipped
    }
}
