//! A host held in memory, for the unit tests of module logic: files, folders and links in a
//! map, and the commands it knows answered from a table. Every command a module runs is kept,
//! so a test can say what ran. What needs a real host (shells, quoting, privileges, the SSH
//! path) is tested against real ones in `tests/`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::contract::{Attrs, Command, Connection, ConnectionError, FileKind, Output, Stat};
use super::privilege::Privilege;

/// What is at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeEntry {
    /// A file.
    File {
        /// Its bytes.
        bytes: Vec<u8>,
        /// Its permission bits.
        mode: u32,
    },
    /// A folder.
    Directory {
        /// Its permission bits.
        mode: u32,
    },
    /// A symbolic link.
    Symlink {
        /// Where it points.
        target: String,
    },
}

#[derive(Default)]
struct State {
    entries: BTreeMap<String, FakeEntry>,
    /// A command's leading words (joined by spaces), and what it answers.
    answers: Vec<(String, Output)>,
    /// Every command run, as `Command::display` shows it.
    ran: Vec<String>,
}

/// A host in memory. Clones share the same host.
#[derive(Clone, Default)]
pub struct FakeHost {
    state: Arc<Mutex<State>>,
}

impl FakeHost {
    /// A host with `/` and `/tmp`.
    pub fn new() -> FakeHost {
        let host = FakeHost::default();
        host.folder("/", 0o755).folder("/tmp", 0o1777);
        host
    }

    /// Puts a file at `path`, and the folders above it where there are none.
    pub fn file(&self, path: &str, bytes: &[u8], mode: u32) -> &FakeHost {
        let mut state = self.state.lock().unwrap();
        let mut at = String::new();
        for part in path
            .split('/')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, above)| above)
        {
            at = format!("{at}/{part}");
            state.entries.entry(at.clone()).or_insert(FakeEntry::Directory { mode: 0o755 });
        }
        state.entries.insert(path.into(), FakeEntry::File { bytes: bytes.to_vec(), mode });
        drop(state);
        self
    }

    /// Puts a folder at `path`.
    pub fn folder(&self, path: &str, mode: u32) -> &FakeHost {
        self.state.lock().unwrap().entries.insert(path.into(), FakeEntry::Directory { mode });
        self
    }

    /// A command whose words begin with `words` answers `rc` and `stdout`.
    pub fn answers(&self, words: &str, rc: i32, stdout: &str) -> &FakeHost {
        let output = Output { rc, stdout: stdout.as_bytes().to_vec(), stderr: Vec::new() };
        self.state.lock().unwrap().answers.push((words.into(), output));
        self
    }

    /// What is at `path` now.
    pub fn entry(&self, path: &str) -> Option<FakeEntry> {
        self.state.lock().unwrap().entries.get(path).cloned()
    }

    /// The file at `path`, as text; a test's failure when there is none.
    pub fn text(&self, path: &str) -> String {
        match self.entry(path) {
            Some(FakeEntry::File { bytes, .. }) => String::from_utf8(bytes).expect("UTF-8 text"),
            other => panic!("{path} is not a file: {other:?}"),
        }
    }

    /// Every command run so far.
    pub fn ran(&self) -> Vec<String> {
        self.state.lock().unwrap().ran.clone()
    }

    fn parent_is_folder(state: &State, path: &str) -> bool {
        let parent = match path.rsplit_once('/') {
            Some(("", _)) => "/",
            Some((parent, _)) => parent,
            None => return false,
        };
        matches!(state.entries.get(parent), Some(FakeEntry::Directory { .. }))
    }
}

fn missing(op: &'static str, path: &str) -> ConnectionError {
    let source = std::io::Error::from(std::io::ErrorKind::NotFound);
    ConnectionError::Io { op, path: path.to_string(), source }
}

#[async_trait]
impl Connection for FakeHost {
    fn elevated(&self, _privilege: &Privilege) -> Arc<dyn Connection> {
        Arc::new(self.clone())
    }

    async fn run(&self, command: &Command) -> Result<Output, ConnectionError> {
        let mut state = self.state.lock().unwrap();
        let shown = command.display();
        state.ran.push(shown.clone());
        let answer = state.answers.iter().find(|(words, _)| shown.starts_with(words.as_str()));
        Ok(answer.map(|(_, output)| output.clone()).unwrap_or_else(|| Output {
            rc: 127,
            stdout: Vec::new(),
            stderr: format!("the fake host does not know `{shown}`").into_bytes(),
        }))
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
        Ok(match self.entry(path) {
            Some(FakeEntry::File { bytes, .. }) => Some(bytes),
            _ => None,
        })
    }

    async fn write(&self, path: &str, content: &[u8], attrs: Attrs) -> Result<(), ConnectionError> {
        let mut state = self.state.lock().unwrap();
        if !FakeHost::parent_is_folder(&state, path) {
            return Err(missing("write", path));
        }
        let kept = match state.entries.get(path) {
            Some(FakeEntry::File { mode, .. }) => *mode,
            _ => 0o644,
        };
        let mode = attrs.mode.unwrap_or(kept);
        state.entries.insert(path.into(), FakeEntry::File { bytes: content.to_vec(), mode });
        Ok(())
    }

    async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
        Ok(self.entry(path).map(|entry| {
            let (kind, mode, size, link_target) = match entry {
                FakeEntry::File { bytes, mode } => (FileKind::File, mode, bytes.len() as u64, None),
                FakeEntry::Directory { mode } => (FileKind::Directory, mode, 4096, None),
                FakeEntry::Symlink { target } => {
                    (FileKind::Symlink, 0o777, target.len() as u64, Some(target))
                }
            };
            Stat { kind, mode, uid: 0, gid: 0, size, link_target }
        }))
    }

    async fn inspect(
        &self,
        path: &str,
    ) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
        let Some(stat) = self.stat(path).await? else { return Ok(None) };
        let bytes = self.read(path).await?;
        Ok(Some((stat, bytes)))
    }

    async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        let mut at = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at = format!("{at}/{part}");
            let mut state = self.state.lock().unwrap();
            match state.entries.get(&at) {
                Some(FakeEntry::Directory { .. }) => {}
                Some(_) => return Err(missing("mkdir", &at)),
                None => {
                    state.entries.insert(at.clone(), FakeEntry::Directory { mode: 0o755 });
                }
            }
        }
        self.set_attrs(path, attrs).await
    }

    async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        let mut state = self.state.lock().unwrap();
        let entry = state.entries.get_mut(path).ok_or_else(|| missing("chmod", path))?;
        if let Some(wanted) = attrs.mode {
            match entry {
                FakeEntry::File { mode, .. } | FakeEntry::Directory { mode } => *mode = wanted,
                FakeEntry::Symlink { .. } => {}
            }
        }
        Ok(())
    }

    async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
        let inside = format!("{}/", path.trim_end_matches('/'));
        let mut state = self.state.lock().unwrap();
        state.entries.retain(|p, _| p != path && !p.starts_with(&inside));
        Ok(())
    }

    async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
        let mut state = self.state.lock().unwrap();
        if !FakeHost::parent_is_folder(&state, path) {
            return Err(missing("symlink", path));
        }
        state.entries.insert(path.into(), FakeEntry::Symlink { target: target.into() });
        Ok(())
    }
}
