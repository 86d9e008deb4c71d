//! The vault passwords a run is given, from where `ansible-playbook` takes them, in its order:
//! ansible.cfg's `vault_identity_list`, `--vault-id`, `--vault-password-file`, ansible.cfg's
//! `vault_password_file`, then `--ask-vault-pass`. A password is read from a file, printed by an
//! executable, or typed at a prompt: never taken from the command line itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Args;

use crate::diag::{Diag, DiagKind};
use crate::vault::{Keyring, VaultPassword};

/// The id of a password given without one, as in Ansible.
const DEFAULT_ID: &str = "default";

/// `ansible-playbook`'s vault flags.
#[derive(Args, Debug, Default)]
pub(super) struct VaultArgs {
    /// A file holding a vault password, or an executable that prints it (repeatable).
    #[arg(long = "vault-password-file", visible_alias = "vault-pass-file")]
    password_files: Vec<PathBuf>,
    /// A vault password under an id: `[ID@]FILE`, or `[ID@]prompt` to type it (repeatable).
    #[arg(long = "vault-id")]
    ids: Vec<String>,
    /// Ask for the vault password on the terminal.
    #[arg(short = 'J', long = "ask-vault-pass", visible_alias = "ask-vault-password")]
    ask: bool,
}

/// Where a password comes from.
enum Source {
    File(PathBuf),
    Prompt,
}

impl VaultArgs {
    /// The passwords, read in order. `identities` and `password_file` are ansible.cfg's.
    pub(super) fn keyring(
        &self,
        identities: &[String],
        password_file: Option<&Path>,
    ) -> Result<Keyring, Diag> {
        let mut wanted: Vec<(String, Source)> = Vec::new();
        for slug in identities.iter().chain(&self.ids) {
            let (id, source) = match slug.split_once('@') {
                Some((id, source)) => (id.to_string(), source),
                None => (DEFAULT_ID.to_string(), slug.as_str()),
            };
            let source = match source {
                "prompt" | "prompt_ask_vault_pass" => Source::Prompt,
                path => Source::File(PathBuf::from(path)),
            };
            wanted.push((id, source));
        }
        let files = self.password_files.iter().map(PathBuf::as_path).chain(password_file);
        wanted.extend(files.map(|path| (DEFAULT_ID.to_string(), Source::File(path.into()))));
        if self.ask {
            wanted.push((DEFAULT_ID.to_string(), Source::Prompt));
        }
        let passwords = wanted
            .into_iter()
            .map(|(id, source)| read(id, &source))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Keyring::new(passwords))
    }
}

fn read(id: String, source: &Source) -> Result<VaultPassword, Diag> {
    let refuse = |message: String| Diag::new(DiagKind::Invalid(message), None);
    let (password, shown) = match source {
        Source::Prompt => {
            let prompt = match id.as_str() {
                DEFAULT_ID => "Vault password: ".to_string(),
                id => format!("Vault password ({id}): "),
            };
            let typed = rpassword::prompt_password(prompt)
                .map_err(|e| refuse(format!("cannot read the vault password: {e}")))?;
            (typed.trim().as_bytes().to_vec(), "prompt".to_string())
        }
        Source::File(path) => (from_file(path, &id)?, path.display().to_string()),
    };
    if password.is_empty() {
        return Err(refuse(format!("the vault password from {shown} is empty")));
    }
    Ok(VaultPassword { id, password, source: shown })
}

/// A password file's text, or what an executable one prints (given `--vault-id ID` when its
/// name ends in `-client`, as Ansible's client scripts are).
fn from_file(path: &Path, id: &str) -> Result<Vec<u8>, Diag> {
    let refuse = |why: String| {
        Diag::new(DiagKind::Invalid(format!("vault password file {}: {why}", path.display())), None)
    };
    let meta = std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?;
    if meta.is_dir() {
        return Err(refuse("is a folder, not a file".into()));
    }
    let line_ends: &[u8] = b"\r\n";
    if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 == 0 {
        let bytes = std::fs::read(path).map_err(|e| refuse(e.to_string()))?;
        return Ok(bytes.trim_ascii().to_vec());
    }
    // A bare name is this folder's file, not a program on the PATH.
    let mut command = Command::new(Path::new(".").join(path));
    let client = path.file_stem().is_some_and(|stem| stem.to_string_lossy().ends_with("-client"));
    if client {
        command.args(["--vault-id", id]);
    }
    // stderr and stdin stay the terminal's: a script may ask its own questions there.
    let output = command.stdout(Stdio::piped()).output().map_err(|e| {
        refuse(format!("cannot run it ({e}); if it is not a script, make it not executable"))
    })?;
    if !output.status.success() {
        return Err(refuse(format!("the script ended with {}", output.status)));
    }
    let start = output.stdout.iter().position(|b| !line_ends.contains(b));
    let end = output.stdout.iter().rposition(|b| !line_ends.contains(b));
    Ok(match start.zip(end) {
        Some((start, end)) => output.stdout[start..=end].to_vec(),
        None => Vec::new(),
    })
}
