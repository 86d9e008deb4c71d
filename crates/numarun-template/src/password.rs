//! `lookup('password', 'path length=N chars=…')`: a random password kept in a file on the
//! controller, made on first use (mode 0600, in a folder of mode 0700) and read back after, so
//! every run gets the same one. `/dev/null` gives a new one each time and keeps nothing.

use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use minijinja::value::Kwargs;

/// Ansible's default: letters, digits and `.,:-_`.
const DEFAULT_CHARS: &[&str] = &["ascii_letters", "digits", ".,:-_"];
const DEFAULT_LENGTH: usize = 20;

/// Why the lookup cannot give a password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("no file named")]
    NoFile,
    #[error("{0}")]
    Keyword(#[from] minijinja::Error),
    #[error("length `{0}` is not a number")]
    BadLength(String),
    #[error("`{0}` is not supported")]
    Unsupported(String),
    #[error("unknown parameter `{0}` (length, chars)")]
    UnknownParameter(String),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("no characters to make a password of")]
    NoCharacters,
    #[error("the system's random generator failed")]
    NoRandomness,
}

/// The password the term names, made and kept if it is not there yet.
pub fn lookup(dirs: &[PathBuf], term: &str, kwargs: &Kwargs) -> Result<String, PasswordError> {
    let mut words = term.split_whitespace();
    let path = words.next().ok_or(PasswordError::NoFile)?;
    let mut length = kwargs.get::<Option<usize>>("length")?;
    let mut chars = kwargs.get::<Option<String>>("chars")?;
    for word in words {
        match word.split_once('=') {
            Some(("length", n)) => {
                length = Some(n.parse().map_err(|_| PasswordError::BadLength(n.to_string()))?)
            }
            Some(("chars", c)) => chars = Some(c.to_string()),
            Some((key @ ("encrypt" | "ident" | "seed"), _)) => {
                return Err(PasswordError::Unsupported(key.to_string()));
            }
            _ => return Err(PasswordError::UnknownParameter(word.to_string())),
        }
    }
    let path = match Path::new(path).is_absolute() {
        true => PathBuf::from(path),
        false => dirs.last().map_or_else(|| PathBuf::from(path), |d| d.join(path)),
    };
    let keeps = path != Path::new("/dev/null");
    if keeps && let Some(kept) = read_kept(&path)? {
        return Ok(kept);
    }
    let password = random(&alphabet(chars.as_deref()), length.unwrap_or(DEFAULT_LENGTH))?;
    if keeps {
        keep(&path, &password).map_err(|e| PasswordError::Write(path.clone(), e))?;
    }
    Ok(password)
}

/// The kept password: the file's text before any ` salt=`.
fn read_kept(path: &Path) -> Result<Option<String>, PasswordError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = text.trim_end();
            Ok(Some(text.rsplit_once(" salt=").map_or(text, |(p, _)| p).to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PasswordError::Read(path.to_path_buf(), e)),
    }
}

fn keep(path: &Path, password: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let attrs = crate::connection::Attrs { mode: Some(0o600), ..Default::default() };
    crate::connection::write_atomic(path, format!("{password}\n").as_bytes(), attrs)
}

/// The characters to draw from: Python's `string` names (`ascii_letters`, `digits`, …) or the
/// characters themselves, comma-separated (`,,` is a comma); quotes never.
fn alphabet(chars: Option<&str>) -> Vec<char> {
    let specs: Vec<String> = match chars {
        None => DEFAULT_CHARS.iter().map(|s| s.to_string()).collect(),
        Some(text) => {
            let mut specs: Vec<String> = text
                .replace(",,", ",")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if text.contains(",,") {
                specs.insert(0, ",".into());
            }
            specs
        }
    };
    let lower = "abcdefghijklmnopqrstuvwxyz";
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut all = String::new();
    for spec in specs {
        all.push_str(&match spec.as_str() {
            "ascii_letters" => format!("{lower}{upper}"),
            "ascii_lowercase" => lower.into(),
            "ascii_uppercase" => upper.into(),
            "digits" => "0123456789".into(),
            "hexdigits" => "0123456789abcdefABCDEF".into(),
            "octdigits" => "01234567".into(),
            "punctuation" => "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".into(),
            other => other.into(),
        });
    }
    all.chars().filter(|c| *c != '"' && *c != '\'').collect()
}

/// `length` characters drawn evenly from `alphabet` by the system's secure generator.
pub(super) fn random(alphabet: &[char], length: usize) -> Result<String, PasswordError> {
    if alphabet.is_empty() {
        return Err(PasswordError::NoCharacters);
    }
    // Draws at or past the largest multiple of the alphabet's size are drawn again, so that
    // no character is likelier than another.
    let size = alphabet.len() as u64;
    let limit = (1u64 << 32) - (1u64 << 32) % size;
    let mut password = String::with_capacity(length);
    while password.chars().count() < length {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|_| PasswordError::NoRandomness)?;
        let draw = u64::from(u32::from_le_bytes(bytes));
        if draw < limit {
            password.push(alphabet[(draw % size) as usize]);
        }
    }
    Ok(password)
}
