//! A host's coming looks, fetched together: the engine says which paths the next steps will
//! inspect; the first look that misses fetches them all in one round trip (`shell::batch_stat`).
//!
//! Answers stay exact. A change made by one of numarun's own file operations stats the changed
//! path and the looks to come in the same request, after the change: bytes and link targets
//! known before are kept only for what is still the same file (device, inode, change time),
//! and what the change itself wrote is known without reading it back. Any other command, by
//! any privilege, forgets every answer; the looks still to come are fetched again on the next
//! miss.

use std::collections::HashMap;

use crate::contract::FileKind;
use crate::file_change::{ExpectedState, FileChange};
use crate::privilege::Privilege;
use crate::read_plan::{PlannedRead, ReadPlan};
use crate::shell::{BatchStatEntry, Inspection, Stats};

/// Paths one batch stat fetches at most: one `stat` and one `cat` command line.
const SURVEY_SIZE: usize = 64;

#[derive(Default)]
pub struct Prefetch {
    /// Per privilege: the looks still to come, in step order.
    upcoming: HashMap<Privilege, Vec<PlannedRead>>,
    /// Per privilege: what a batch stat found since the last change it did not follow.
    known: HashMap<Privilege, HashMap<String, BatchStatEntry>>,
}

/// What a look needs from an answer.
#[derive(Clone, Copy)]
pub enum Need {
    Stat,
    Content,
}

/// What to stat with a change (its path and the looks to come), and what was known before it.
pub struct Refresh {
    pub paths: Vec<String>,
    before: HashMap<String, BatchStatEntry>,
}

impl Prefetch {
    /// The reads to come, replacing those announced before.
    pub fn plan(&mut self, reads: ReadPlan) {
        self.upcoming = reads.into_map();
    }

    /// Looks one at a time from now on for this privilege.
    pub fn give_up(&mut self, privilege: &Privilege) {
        self.upcoming.remove(privilege);
    }

    /// The answer, if a batch stat since the last change holds a complete one. Each look also
    /// moves the queue on: what came before it was not looked at after all.
    pub fn answer(&mut self, privilege: &Privilege, path: &str, need: Need) -> Option<Inspection> {
        if let Some(queue) = self.upcoming.get_mut(privilege)
            && let Some(at) = queue.iter().position(|u| u.path == path)
        {
            queue.drain(..at);
        }
        let known = &self.known.get(privilege)?.get(path)?.inspection;
        let complete = match (need, known) {
            (Need::Stat, _) | (Need::Content, None) => true,
            (Need::Content, Some((stat, content))) => {
                stat.kind == FileKind::Directory || content.is_some()
            }
        };
        complete.then(|| known.clone())
    }

    /// `first`, then the looks to come, a batch stat's worth at most; `None` when this privilege
    /// looks one at a time.
    fn batch(&self, privilege: &Privilege, first: PlannedRead) -> Option<Vec<PlannedRead>> {
        let queue = self.upcoming.get(privilege)?;
        let rest: Vec<PlannedRead> =
            queue.iter().filter(|u| u.path != first.path).take(SURVEY_SIZE - 1).cloned().collect();
        Some(std::iter::once(first).chain(rest).collect())
    }

    /// What a batch stat should fetch with `path`: it and the looks to come, unless nothing is to come.
    pub fn batch_stat_for(
        &self,
        privilege: &Privilege,
        path: &str,
        need: Need,
    ) -> Option<Vec<PlannedRead>> {
        let first = PlannedRead { path: path.to_string(), content: matches!(need, Need::Content) };
        self.batch(privilege, first).filter(|batch| batch.len() > 1)
    }

    pub fn learn(&mut self, privilege: &Privilege, answers: HashMap<String, BatchStatEntry>) {
        self.known.insert(privilege.clone(), answers);
    }

    /// Before a change to `path`: what to stat with it, unless this privilege looks one at a time.
    pub fn before_change(&mut self, privilege: &Privilege, path: &str) -> Option<Refresh> {
        let batch =
            self.batch(privilege, PlannedRead { path: path.to_string(), content: false })?;
        let paths = batch.into_iter().map(|u| u.path).collect();
        Some(Refresh { paths, before: self.known.remove(privilege).unwrap_or_default() })
    }

    /// After it: the stats taken right after the change, with what it left and what is still
    /// the same file as before.
    pub fn after_change(
        &mut self,
        privilege: &Privilege,
        refresh: Refresh,
        stats: Stats,
        change: &FileChange,
    ) {
        let mut answers = HashMap::new();
        for path in refresh.paths {
            let Some((mut stat, identity)) = stats.get(&path).cloned() else {
                answers.insert(path, BatchStatEntry { inspection: None, identity: None });
                continue;
            };
            let mut content = None;
            let left = match change.expected_state() {
                _ if path != change.path => false,
                ExpectedState::Written(bytes)
                    if stat.kind == FileKind::File && stat.size == bytes.len() as u64 =>
                {
                    content = Some(bytes.to_vec());
                    true
                }
                ExpectedState::LinkTo(target)
                    if stat.kind == FileKind::Symlink && stat.size == target.len() as u64 =>
                {
                    stat.link_target = Some(target.to_string());
                    true
                }
                _ => false,
            };
            if !left
                && let Some(BatchStatEntry {
                    inspection: Some((old, old_content)),
                    identity: Some(old_identity),
                }) = refresh.before.get(&path)
                && *old_identity == identity
            {
                stat.link_target = old.link_target.clone();
                content = old_content.clone();
            }
            // A link whose target is not known is left to a look of its own.
            if stat.kind == FileKind::Symlink && stat.link_target.is_none() {
                continue;
            }
            answers.insert(
                path,
                BatchStatEntry { inspection: Some((stat, content)), identity: Some(identity) },
            );
        }
        self.known.insert(privilege.clone(), answers);
    }

    /// A change was made that numarun cannot follow: every answer may be stale.
    pub fn forget(&mut self) {
        self.known.clear();
    }
}
