//! One change to one path, as data: the shell snippets (`shell`) and the host agent (`agent`)
//! each carry it out their own way, and the look-ahead knows from it what it left.

use super::contract::Attrs;

pub struct FileChange {
    pub path: String,
    pub action: Action,
}

pub enum Action {
    /// Replaces the file in one step: a reader sees the old or the new bytes, never a part.
    Write {
        content: Vec<u8>,
        attrs: Attrs,
    },
    /// `mkdir -p`, with the attributes applied to the last component.
    Mkdir(Attrs),
    SetAttrs(Attrs),
    /// A file, a link or a whole directory tree.
    Remove,
    /// Points the path at `target`, replacing what is there in one step.
    Symlink {
        target: String,
    },
}

/// What a change leaves at its path, known from the change itself.
pub enum ExpectedState<'a> {
    /// A file with these bytes.
    Written(&'a [u8]),
    /// A link to this target.
    LinkTo(&'a str),
    /// Nothing the controller can know without looking.
    Unknown,
}

impl FileChange {
    pub fn write(path: &str, content: &[u8], attrs: Attrs) -> FileChange {
        FileChange::at(path, Action::Write { content: content.to_vec(), attrs })
    }

    pub fn mkdir(path: &str, attrs: Attrs) -> FileChange {
        FileChange::at(path, Action::Mkdir(attrs))
    }

    pub fn set_attrs(path: &str, attrs: Attrs) -> FileChange {
        FileChange::at(path, Action::SetAttrs(attrs))
    }

    pub fn remove(path: &str) -> FileChange {
        FileChange::at(path, Action::Remove)
    }

    pub fn symlink(target: &str, path: &str) -> FileChange {
        FileChange::at(path, Action::Symlink { target: target.to_string() })
    }

    fn at(path: &str, action: Action) -> FileChange {
        FileChange { path: path.to_string(), action }
    }

    /// The operation's name, for messages.
    pub fn op(&self) -> &'static str {
        match self.action {
            Action::Write { .. } => "write",
            Action::Mkdir(_) => "mkdir",
            Action::SetAttrs(_) => "chmod/chown",
            Action::Remove => "remove",
            Action::Symlink { .. } => "symlink",
        }
    }

    pub fn expected_state(&self) -> ExpectedState<'_> {
        match &self.action {
            Action::Write { content, .. } => ExpectedState::Written(content),
            Action::Symlink { target } => ExpectedState::LinkTo(target),
            _ => ExpectedState::Unknown,
        }
    }

    /// Where the new file or link is made before it is renamed over the path: beside it, so
    /// the rename stays on one filesystem. A file's name is random, so it is created exclusively;
    /// a link's is fixed, so a link left by a killed run is replaced by the next.
    pub fn temporary(&self) -> Option<String> {
        let (dir, name) = split(&self.path);
        let dir = dir.trim_end_matches('/');
        match self.action {
            Action::Write { .. } => {
                Some(format!("{dir}/.{name}.numarun.{}", super::contract::random_token()))
            }
            Action::Symlink { .. } => Some(format!("{dir}/.{name}.numarun.link")),
            _ => None,
        }
    }
}

/// The folder and file name of a path (`.` for a bare name).
fn split(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((dir, name)) => (dir, name),
        None => (".", path),
    }
}
