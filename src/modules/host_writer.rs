//! What an apply may do on a host: everything a check may (it reads through the same
//! `HostReader`, without the probe cache), and change it: run commands, write files.

use std::ops::Deref;

use super::error::ModuleError;
use super::host_reader::{HostReader, StepAccess, send, succeeded};
use crate::connection::{Attrs, Command, ConnectionError, Output};

/// A host as an apply sees it.
pub struct HostWriter<'a> {
    reader: HostReader<'a>,
    access: StepAccess<'a>,
}

impl<'a> HostWriter<'a> {
    /// A writer for one apply.
    pub fn new(access: StepAccess<'a>) -> HostWriter<'a> {
        HostWriter { reader: HostReader::for_apply(access), access }
    }

    /// Runs a command with the step's environment (see `host_reader::send` for secrets).
    pub async fn run(&self, command: Command) -> Result<Output, ModuleError> {
        send(&self.access, command).await
    }

    /// Runs a command that must succeed; its failure names `what` and carries its stderr.
    pub async fn run_ok(&self, command: Command, what: &str) -> Result<Output, ModuleError> {
        succeeded(self.run(command).await?, what)
    }

    /// A command's standard output as trimmed text, when it must succeed.
    pub async fn stdout_of(&self, command: Command, what: &str) -> Result<String, ModuleError> {
        Ok(String::from_utf8_lossy(&self.run_ok(command, what).await?.stdout).trim().to_string())
    }

    /// Replaces the file in one step: a reader sees the old or the new bytes, never a part.
    pub async fn write(
        &self,
        path: &str,
        content: &[u8],
        attrs: Attrs,
    ) -> Result<(), ConnectionError> {
        self.access.connection.write(path, content, attrs).await
    }

    /// `mkdir -p`, with `attrs` applied to the last component.
    pub async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        self.access.connection.mkdir(path, attrs).await
    }

    /// Sets a path's mode and owner.
    pub async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        self.access.connection.set_attrs(path, attrs).await
    }

    /// Removes a file, link or whole directory tree.
    pub async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
        self.access.connection.remove(path).await
    }

    /// Points `path` at `target`, replacing what is there in one step.
    pub async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
        self.access.connection.symlink(target, path).await
    }
}

impl<'a> Deref for HostWriter<'a> {
    type Target = HostReader<'a>;

    fn deref(&self) -> &HostReader<'a> {
        &self.reader
    }
}
