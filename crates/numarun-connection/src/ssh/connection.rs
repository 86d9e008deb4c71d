//! A host over SSH as the `Connection` every module works through, acting with one privilege on
//! a shared session.

use std::sync::Arc;

use async_trait::async_trait;

use super::prefetch::{Need, Refresh};
use crate::agent::{self, Changed};
use crate::contract::{Attrs, Command, Connection, ConnectionError, FileKind, Output, Stat};
use crate::file_change::FileChange;
use crate::privilege::Privilege;
use crate::read_plan::{PlannedRead, ReadPlan};
use crate::shell::{self, Delivery, Inspection};

use super::session::{SshSession, Start};

/// A host over SSH, acting with a privilege.
pub struct SshConnection {
    connection: Arc<SshSession>,
    privilege: Privilege,
}

impl SshConnection {
    /// The host's session, acting as the login user.
    pub fn new(connection: Arc<SshSession>) -> SshConnection {
        SshConnection { connection, privilege: Privilege::default() }
    }

    /// The answer a batch stat of the coming looks gives, fetching them if this is the first miss;
    /// `None` when the path is best looked at alone. The agent, once a change has started it,
    /// answers even a single look. Looks alone do not start it: a run that changes nothing
    /// (a rerun, a dry run) is cheaper without a second process on the host.
    async fn batch_stat_answers(
        &self,
        path: &str,
        need: Need,
    ) -> Result<Option<Inspection>, ConnectionError> {
        let batch = {
            let mut ahead = self.connection.prefetch();
            if let Some(known) = ahead.answer(&self.privilege, path, need) {
                tracing::trace!(path, "read answered by the prefetch");
                return Ok(Some(known));
            }
            ahead.batch_stat_for(&self.privilege, path, need)
        };
        let alone = batch.is_none();
        tracing::trace!(path, batch = batch.as_ref().map_or(1, Vec::len), "read fetched");
        let wanted = batch.unwrap_or_else(|| {
            vec![PlannedRead { path: path.to_string(), content: matches!(need, Need::Content) }]
        });
        let answers = match self
            .connection
            .ask_agent(&self.privilege, &agent::batch_stat(&wanted), Start::OnlyIfRunning)
            .await?
        {
            Some(reply) => agent::batch_stat_answers(&wanted, &reply).unwrap_or_default(),
            None if alone => return Ok(None),
            None => shell::batch_stat(self, &wanted).await?,
        };
        let mut ahead = self.connection.prefetch();
        if answers.is_empty() {
            // This host's tools cannot batch stat (no GNU `stat --printf`): look one at a time.
            ahead.give_up(&self.privilege);
        }
        ahead.learn(&self.privilege, answers);
        Ok(ahead.answer(&self.privilege, path, need))
    }

    /// Makes a change, by the agent where it runs; when looks are coming, stats them in the same
    /// request, so that the check after the change and the steps after it need no round trip.
    async fn change(&self, change: FileChange) -> Result<(), ConnectionError> {
        let refresh = self.connection.prefetch().before_change(&self.privilege, &change.path);
        let look = refresh.as_ref().map(|r| r.paths.as_slice()).unwrap_or_default();
        let Some(reply) = self
            .connection
            .ask_agent(&self.privilege, &agent::change(&change, look), Start::IfNeeded)
            .await?
        else {
            return self.change_by_shell(change, refresh).await;
        };
        // As any command does: a change may touch what other privileges looked at.
        self.connection.prefetch().forget();
        match agent::changed(&reply) {
            Changed::Made(stats) => {
                if let (Some(refresh), Some(stats)) = (refresh, stats) {
                    self.connection.prefetch().after_change(
                        &self.privilege,
                        refresh,
                        stats,
                        &change,
                    );
                }
                Ok(())
            }
            Changed::Failed(reason) => Err(ConnectionError::Io {
                op: change.op(),
                path: change.path,
                source: std::io::Error::other(reason),
            }),
            Changed::Declined => self.change_by_shell(change, refresh).await,
        }
    }

    async fn change_by_shell(
        &self,
        change: FileChange,
        refresh: Option<Refresh>,
    ) -> Result<(), ConnectionError> {
        // A request cut short never runs (see `remote_shell`): no length check is needed.
        let Some(refresh) = refresh else {
            return shell::apply(self, &change, Delivery::Whole).await;
        };
        if let Some(stats) =
            shell::apply_and_stat(self, &change, Delivery::Whole, &refresh.paths).await?
        {
            self.connection.prefetch().after_change(&self.privilege, refresh, stats, &change);
        }
        Ok(())
    }
}

#[async_trait]
impl Connection for SshConnection {
    fn elevated(&self, privilege: &Privilege) -> Arc<dyn Connection> {
        Arc::new(SshConnection {
            connection: Arc::clone(&self.connection),
            privilege: privilege.clone(),
        })
    }

    fn prefetch(&self, reads: ReadPlan) {
        self.connection.prefetch().plan(reads);
    }

    async fn run(&self, command: &Command) -> Result<Output, ConnectionError> {
        self.connection.run(&self.privilege, command).await
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
        match self.batch_stat_answers(path, Need::Content).await? {
            Some(None) => Ok(None),
            Some(Some((stat, Some(content)))) if stat.kind != FileKind::Directory => {
                Ok(Some(content))
            }
            _ => shell::read(self, path).await,
        }
    }

    async fn write(&self, path: &str, content: &[u8], attrs: Attrs) -> Result<(), ConnectionError> {
        self.change(FileChange::write(path, content, attrs)).await
    }

    async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
        match self.batch_stat_answers(path, Need::Stat).await? {
            Some(known) => Ok(known.map(|(stat, _)| stat)),
            None => shell::stat(self, path).await,
        }
    }

    async fn inspect(&self, path: &str) -> Result<Inspection, ConnectionError> {
        match self.batch_stat_answers(path, Need::Content).await? {
            Some(known) => Ok(known),
            None => shell::inspect(self, path).await,
        }
    }

    async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        self.change(FileChange::mkdir(path, attrs)).await
    }

    async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        self.change(FileChange::set_attrs(path, attrs)).await
    }

    async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
        self.change(FileChange::remove(path)).await
    }

    async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
        self.change(FileChange::symlink(target, path)).await
    }
}
