//! The machine numarun runs on.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::contract::{
    Attrs, Command, Connection, ConnectionError, FileKind, Output, Program, Stat,
};
use super::file_change::FileChange;
use super::privilege::{BecomeMethod, Privilege};
use super::shell;

/// This machine; under `become` as another user, file operations go
/// through `sudo`/`runuser` like everything else.
#[derive(Debug, Default)]
pub struct Local {
    privilege: Privilege,
}

impl Local {
    /// Whether acting needs another user than the one numarun runs as.
    fn escalates(&self) -> bool {
        self.privilege.escalate
            && !(is_root() && matches!(self.privilege.user.as_deref(), None | Some("root")))
    }

    /// A change as another user: through the shell snippets, under sudo.
    async fn apply(&self, change: FileChange) -> Result<(), ConnectionError> {
        shell::apply(self, &change, shell::Delivery::Piped).await
    }
}

/// Runs blocking filesystem work off the async workers.
async fn blocking<T: Send + 'static>(
    op: &'static str,
    path: &str,
    work: impl FnOnce(&Path) -> io::Result<T> + Send + 'static,
) -> Result<T, ConnectionError> {
    let owned = path.to_string();
    tokio::task::spawn_blocking(move || work(Path::new(&owned)))
        .await
        .map_err(|e| ConnectionError::Io {
            op,
            path: path.to_string(),
            source: io::Error::other(e),
        })?
        .map_err(|source| ConnectionError::Io { op, path: path.to_string(), source })
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The argument vector with `sudo`/`runuser` in front when privileges change. Here `su`
/// could only read its password from the command's own stdin, so it serves only where no
/// password is asked: numarun running as root, which `runuser` (su without PAM's password
/// conversation) serves for either method.
fn privileged(argv: Vec<String>, privilege: &Privilege) -> Result<Vec<String>, ConnectionError> {
    if !privilege.escalate {
        return Ok(argv);
    }
    let user = privilege.user.as_deref().unwrap_or("root");
    let prefix: Vec<String> = match (is_root(), privilege.method, user) {
        (true, _, "root") => return Ok(argv),
        (true, _, user) => vec!["runuser".into(), "-u".into(), user.into(), "--".into()],
        (false, BecomeMethod::Sudo, user) => {
            vec!["sudo".into(), "-n".into(), "-u".into(), user.into(), "--".into()]
        }
        (false, BecomeMethod::Su, user) => {
            return Err(ConnectionError::CannotBecome {
                user: user.into(),
                reason: "su on this machine needs numarun to run as root (it would ask for a \
                         password on a terminal); use become_method: sudo"
                    .into(),
            });
        }
    };
    Ok(prefix.into_iter().chain(argv).collect())
}

fn apply_attrs(path: &Path, attrs: Attrs) -> io::Result<()> {
    if attrs.uid.is_some() || attrs.gid.is_some() {
        std::os::unix::fs::lchown(path, attrs.uid, attrs.gid)?;
    }
    // A link's own mode means nothing on Linux; chmod would follow it.
    if let Some(mode) =
        attrs.mode.filter(|_| !fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()))
    {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A hidden name beside `path`, so the final rename stays on one filesystem.
fn temp_beside(path: &Path) -> io::Result<std::path::PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let unique = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(path.with_file_name(format!(
        ".{}.numarun-{}-{unique}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// fsync on the folder that holds `path`, so a rename into it is on the disk too.
fn sync_parent(path: &Path) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::File::open(dir)?.sync_all()
}

/// Writes a file whole and durably: a reader (or a crash) sees the old bytes or the new, never a
/// part.
pub fn write_atomic(path: &Path, content: &[u8], attrs: Attrs) -> io::Result<()> {
    let temp = temp_beside(path)?;
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o666).open(&temp)?;
        file.write_all(content)?;
        if let Some(mode) = attrs.mode {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        if attrs.uid.is_some() || attrs.gid.is_some() {
            let owned = std::os::unix::fs::fchown(&file, attrs.uid, attrs.gid);
            if !attrs.owner_best_effort {
                owned?;
            }
        }
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    sync_parent(path)
}

#[async_trait]
impl Connection for Local {
    fn elevated(&self, privilege: &Privilege) -> Arc<dyn Connection> {
        Arc::new(Local { privilege: privilege.clone() })
    }

    fn is_local(&self) -> bool {
        true
    }

    async fn run(&self, command: &Command) -> Result<Output, ConnectionError> {
        // The program only: not its words (a `no_log` step's), stdin or environment.
        tracing::trace!(
            program = command.program_name(),
            read_only = command.read_only,
            "local command"
        );
        let argv = match &command.program {
            Program::Argv(argv) => argv.clone(),
            Program::Shell { script, executable } => {
                vec![executable.clone(), "-c".into(), script.clone()]
            }
        };
        let argv = privileged(argv, &self.privilege)?;
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| ConnectionError::Unsupported("empty command".into()))?;
        let mut process = tokio::process::Command::new(program);
        process
            .args(args)
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        process.stdin(if command.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        if let Some(cwd) = &command.cwd {
            process.current_dir(cwd);
        }
        let spawn_error = |source| ConnectionError::Spawn { program: program.clone(), source };
        let mut child = process.spawn().map_err(spawn_error)?;
        if let (Some(input), Some(mut stdin)) = (&command.stdin, child.stdin.take()) {
            // A command that exits without reading its input is not an error.
            let _ = stdin.write_all(input).await;
        }
        let output = child.wait_with_output().await.map_err(spawn_error)?;
        let rc = output.status.code().unwrap_or_else(|| {
            128 + std::os::unix::process::ExitStatusExt::signal(&output.status).unwrap_or(0)
        });
        Ok(Output { rc, stdout: output.stdout, stderr: output.stderr })
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
        if self.escalates() {
            return shell::read(self, path).await;
        }
        blocking("read", path, |p| match fs::read(p) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn write(&self, path: &str, content: &[u8], attrs: Attrs) -> Result<(), ConnectionError> {
        if self.escalates() {
            return self.apply(FileChange::write(path, content, attrs)).await;
        }
        let content = content.to_vec();
        blocking("write", path, move |p| write_atomic(p, &content, attrs)).await
    }

    async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
        if self.escalates() {
            return shell::stat(self, path).await;
        }
        blocking("stat", path, |p| {
            let meta = match fs::symlink_metadata(p) {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let file_type = meta.file_type();
            let kind = if file_type.is_symlink() {
                FileKind::Symlink
            } else if file_type.is_dir() {
                FileKind::Directory
            } else if file_type.is_file() {
                FileKind::File
            } else {
                FileKind::Other
            };
            let link_target = if kind == FileKind::Symlink {
                Some(fs::read_link(p)?.to_string_lossy().into_owned())
            } else {
                None
            };
            Ok(Some(Stat {
                kind,
                mode: meta.mode() & 0o7777,
                uid: meta.uid(),
                gid: meta.gid(),
                size: meta.size(),
                link_target,
            }))
        })
        .await
    }

    async fn inspect(
        &self,
        path: &str,
    ) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
        if self.escalates() {
            return shell::inspect(self, path).await;
        }
        let Some(stat) = self.stat(path).await? else { return Ok(None) };
        let content = match stat.kind {
            FileKind::Directory => None,
            _ => self.read(path).await?,
        };
        Ok(Some((stat, content)))
    }

    async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        if self.escalates() {
            return self.apply(FileChange::mkdir(path, attrs)).await;
        }
        blocking("mkdir", path, move |p| {
            fs::create_dir_all(p)?;
            apply_attrs(p, attrs)
        })
        .await
    }

    async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
        if self.escalates() {
            return self.apply(FileChange::set_attrs(path, attrs)).await;
        }
        blocking("chmod/chown", path, move |p| apply_attrs(p, attrs)).await
    }

    async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
        if self.escalates() {
            return self.apply(FileChange::remove(path)).await;
        }
        blocking("remove", path, |p| match fs::symlink_metadata(p) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(p),
            Ok(_) => fs::remove_file(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .await
    }

    async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
        if self.escalates() {
            return self.apply(FileChange::symlink(target, path)).await;
        }
        let target = target.to_string();
        blocking("symlink", path, move |p| {
            let temp = temp_beside(p)?;
            std::os::unix::fs::symlink(&target, &temp)?;
            fs::rename(&temp, p).inspect_err(|_| {
                let _ = fs::remove_file(&temp);
            })
        })
        .await
    }
}
