//! What a check may do on a host: read files, stat them, and run probes: commands that only
//! look (`dpkg-query`, `systemctl show`, `findmnt`), built only from the shapes `probe` offers.
//! Nothing here changes the host, so a check, and `--check` with it, is read-only because the
//! types say so.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::error::ModuleError;
use super::probe::Probe;
use crate::connection::{Command, Connection, ConnectionError, Output, Program, Stat};
use crate::diag::{Diag, Span};
use crate::redact::Redactor;
use crate::template::Scope;

/// A host as a check sees it: reads and probes, with the step's environment and variables.
pub struct HostReader<'a> {
    /// KeeperClient private: a module that holds a reader cannot reach the connection behind it.
    access: StepAccess<'a>,
    /// The step's variables.
    pub scope: &'a Arc<Scope>,
    /// Folders a relative `src:` is looked up in, nearest first.
    pub search_dirs: &'a [PathBuf],
    /// Where the step names its module, for errors of its arguments.
    pub span: &'a Span,
    /// Each probe's output by the probe, for one check: a check that asks twice asks the host
    /// once. `None` for an apply's reader, whose changes could make an answer stale.
    probes: Option<Mutex<HashMap<String, Output>>>,
}

/// Everything a step gives its module, whatever it may do with it.
#[derive(Clone, Copy)]
pub struct StepAccess<'a> {
    /// The host, already elevated to the step's privilege.
    pub connection: &'a dyn Connection,
    /// The step's `environment`.
    pub env: &'a [(String, String)],
    /// The step's variables.
    pub scope: &'a Arc<Scope>,
    /// Folders a relative `src:` is looked up in, nearest first.
    pub search_dirs: &'a [PathBuf],
    /// Where the step names its module, for errors of its arguments.
    pub span: &'a Span,
    /// The run's secrets: none may travel in a command's text.
    pub secrets: &'a Redactor,
}

impl<'a> HostReader<'a> {
    /// A reader for one check; its probes are asked once each.
    pub fn for_check(access: StepAccess<'a>) -> HostReader<'a> {
        HostReader::new(access, Some(Mutex::default()))
    }

    pub(super) fn for_apply(access: StepAccess<'a>) -> HostReader<'a> {
        HostReader::new(access, None)
    }

    fn new(
        access: StepAccess<'a>,
        probes: Option<Mutex<HashMap<String, Output>>>,
    ) -> HostReader<'a> {
        HostReader {
            access,
            scope: access.scope,
            search_dirs: access.search_dirs,
            span: access.span,
            probes,
        }
    }

    /// The step runs on the machine numarun runs on.
    pub fn is_local(&self) -> bool {
        self.access.connection.is_local()
    }

    /// The file's bytes, or `None` when it does not exist.
    pub async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
        self.access.connection.read(path).await
    }

    /// `lstat`, or `None` when nothing is there.
    pub async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
        self.access.connection.stat(path).await
    }

    /// `lstat` and, unless it is a directory, the bytes, in one round trip.
    pub async fn inspect(
        &self,
        path: &str,
    ) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
        self.access.connection.inspect(path).await
    }

    /// Runs a probe. The host may answer it from what it already fetched, and a check that
    /// asks the same twice is answered once.
    pub async fn probe(&self, probe: Probe) -> Result<Output, ModuleError> {
        let command = probe.into_command();
        let Some(probes) = &self.probes else { return send(&self.access, command).await };
        let key = format!(
            "{:?}|{:?}|{:?}|{:?}",
            command.program, command.stdin, command.env, command.cwd
        );
        if let Some(output) = probes.lock().expect("probe cache").get(&key) {
            return Ok(output.clone());
        }
        let output = send(&self.access, command).await?;
        probes.lock().expect("probe cache").insert(key, output.clone());
        Ok(output)
    }

    /// A probe that must succeed; its failure names `what` and carries its stderr.
    pub async fn probe_ok(&self, probe: Probe, what: &str) -> Result<Output, ModuleError> {
        succeeded(self.probe(probe).await?, what)
    }

    /// A probe's standard output as trimmed text, when it must succeed.
    pub async fn probe_stdout(&self, probe: Probe, what: &str) -> Result<String, ModuleError> {
        Ok(String::from_utf8_lossy(&self.probe_ok(probe, what).await?.stdout).trim().to_string())
    }

    /// A controller-side file named by `src:`, looked up as Ansible does.
    pub fn find_source(&self, src: &str, subdir: &str) -> Result<PathBuf, ModuleError> {
        self.find(src, subdir, std::path::Path::is_file)
    }

    /// A controller-side folder (`include_vars`' `dir`), looked up as a file is.
    pub fn find_source_folder(&self, src: &str, subdir: &str) -> Result<PathBuf, ModuleError> {
        self.find(src, subdir, std::path::Path::is_dir)
    }

    fn find(
        &self,
        src: &str,
        subdir: &str,
        wanted: fn(&std::path::Path) -> bool,
    ) -> Result<PathBuf, ModuleError> {
        let path = std::path::Path::new(src);
        if path.is_absolute() {
            return Ok(path.to_path_buf());
        }
        let candidates =
            self.search_dirs.iter().flat_map(|dir| [dir.join(subdir).join(src), dir.join(src)]);
        candidates.clone().find(|p| wanted(p)).ok_or_else(|| {
            // At the step, with every path tried, as Ansible's "Searched in:" lists them: the
            // file the user meant is usually one folder away from one of these.
            let looked: Vec<String> = candidates.map(|p| p.display().to_string()).collect();
            let message = format!("cannot find `{src}`: looked for {}", looked.join(", "));
            ModuleError::Diag(Diag::invalid(self.span, message))
        })
    }
}

/// The output of a command that had to succeed, or its failure naming `what`.
pub(super) fn succeeded(output: Output, what: &str) -> Result<Output, ModuleError> {
    match output.rc {
        0 => Ok(output),
        rc => {
            Err(ModuleError::failed(format!("{what} failed (exit {rc}): {}", output.stderr_text())))
        }
    }
}

/// Runs a command with the step's environment. A command whose text would carry a secret is
/// refused: argv (and a shell's script, which becomes argv) is readable by every user of the
/// host in /proc, its environment and stdin are not.
pub(super) async fn send(
    access: &StepAccess<'_>,
    mut command: Command,
) -> Result<Output, ModuleError> {
    let text: Vec<&str> = match &command.program {
        Program::Argv(argv) => argv.iter().map(String::as_str).collect(),
        Program::Shell { script, executable } => vec![executable.as_str(), script.as_str()],
    };
    if text.iter().any(|part| access.secrets.reveals(part)) {
        let program = text.first().copied().unwrap_or_default();
        return Err(ModuleError::failed(format!(
            "refusing to run `{program}` with a secret in its command line, where every user of the host can read it: \
             pass the secret through `environment:` (or `env:`) or `stdin:` instead"
        )));
    }
    command.env.extend(access.env.iter().cloned());
    Ok(access.connection.run(&command).await?)
}
