//! A host's coming looks, fetched together: the engine says which paths the next steps will
//! inspect; the first look that misses fetches them all in one round trip (`shell::survey`).
//! Answers stay exact because any change made through the connection, by any privilege,
//! forgets every answer; the looks still to come are fetched again on the next miss.

use std::collections::HashMap;

use crate::target::shell::Inspection;
use crate::target::{FileKind, Privilege, Upcoming};

/// Paths one survey fetches at most: one `stat` and one `cat` command line.
const SURVEY_SIZE: usize = 64;

#[derive(Default)]
pub struct Lookahead {
    /// Per privilege: the looks still to come, in step order.
    upcoming: HashMap<Privilege, Vec<Upcoming>>,
    /// Per privilege: what a survey found since the last change.
    known: HashMap<Privilege, HashMap<String, Inspection>>,
}

/// What a look needs from an answer.
#[derive(Clone, Copy)]
pub enum Need {
    Stat,
    Content,
}

impl Lookahead {
    pub fn expect(&mut self, upcoming: Vec<(Privilege, Vec<Upcoming>)>) {
        self.upcoming = upcoming.into_iter().collect();
    }

    /// Looks one at a time from now on for this privilege.
    pub fn give_up(&mut self, privilege: &Privilege) {
        self.upcoming.remove(privilege);
    }

    /// The answer, if a survey since the last change holds a complete one. Each look also
    /// moves the queue on: what came before it was not looked at after all.
    pub fn answer(&mut self, privilege: &Privilege, path: &str, need: Need) -> Option<Inspection> {
        if let Some(queue) = self.upcoming.get_mut(privilege)
            && let Some(at) = queue.iter().position(|u| u.path == path)
        {
            queue.drain(..at);
        }
        let known = self.known.get(privilege)?.get(path)?;
        let complete = match (need, known) {
            (Need::Stat, _) | (Need::Content, None) => true,
            (Need::Content, Some((stat, content))) => stat.kind == FileKind::Directory || content.is_some(),
        };
        complete.then(|| known.clone())
    }

    /// What a survey should fetch with `path`: it and the looks to come, unless nothing is to come.
    pub fn survey_for(&self, privilege: &Privilege, path: &str, need: Need) -> Option<Vec<Upcoming>> {
        let queue = self.upcoming.get(privilege).filter(|q| q.iter().any(|u| u.path != path))?;
        let mut batch = vec![Upcoming { path: path.to_string(), content: matches!(need, Need::Content) }];
        batch.extend(queue.iter().filter(|u| u.path != path).take(SURVEY_SIZE - 1).cloned());
        Some(batch)
    }

    pub fn learn(&mut self, privilege: &Privilege, answers: HashMap<String, Inspection>) {
        self.known.insert(privilege.clone(), answers);
    }

    /// A change was made: every answer may be stale.
    pub fn forget(&mut self) {
        self.known.clear();
    }
}
