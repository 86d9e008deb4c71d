//! The host's users and groups as `/etc/passwd`, `/etc/group` and `/etc/shadow` list them,
//! read as files (through the host's batched reads) rather than asked of `getent`.

use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

/// A line of `/etc/passwd`.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub comment: String,
    pub home: String,
    pub shell: String,
}

/// A line of `/etc/group`.
#[derive(Debug, Clone)]
pub struct GroupLine {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// The colon-separated fields of each line of an account file.
fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').collect())
}

async fn read_text(host: &HostReader<'_>, path: &str) -> Result<String, ModuleError> {
    let bytes =
        host.read(path).await?.ok_or_else(|| ModuleError::failed(format!("{path} is missing")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every account of `/etc/passwd`.
pub async fn accounts(host: &HostReader<'_>) -> Result<Vec<Account>, ModuleError> {
    Ok(records(&read_text(host, "/etc/passwd").await?)
        .filter(|f| f.len() >= 7)
        .map(|f| Account {
            name: f[0].into(),
            uid: f[2].parse().unwrap_or(u32::MAX),
            gid: f[3].parse().unwrap_or(u32::MAX),
            comment: f[4].into(),
            home: f[5].into(),
            shell: f[6].into(),
        })
        .collect())
}

/// Every group of `/etc/group`.
pub async fn groups(host: &HostReader<'_>) -> Result<Vec<GroupLine>, ModuleError> {
    Ok(records(&read_text(host, "/etc/group").await?)
        .filter(|f| f.len() >= 4)
        .map(|f| GroupLine {
            name: f[0].into(),
            gid: f[2].parse().unwrap_or(u32::MAX),
            members: f[3].split(',').filter(|m| !m.is_empty()).map(str::to_string).collect(),
        })
        .collect())
}

/// The password hash `/etc/shadow` holds for `name`; reading it takes root (`become`).
pub async fn password_hash(
    host: &HostReader<'_>,
    name: &str,
) -> Result<Option<String>, ModuleError> {
    let Some(bytes) = host.read("/etc/shadow").await.ok().flatten() else {
        return Err(ModuleError::failed(
            "cannot read /etc/shadow to compare the password: run the step with become",
        ));
    };
    let text = String::from_utf8_lossy(&bytes);
    Ok(records(&text)
        .find(|f| f.first() == Some(&name))
        .and_then(|f| f.get(1).map(|h| h.to_string())))
}

/// The account files a check reads, for the host's batched reads.
pub const FILES: &[&str] = &["/etc/passwd", "/etc/group"];
