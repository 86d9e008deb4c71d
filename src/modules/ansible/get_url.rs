//! `get_url`: a file downloaded on the host (with curl) to `dest`. An existing file is kept
//! when its `checksum` matches, or, without one, when the server has nothing newer (or the
//! same bytes); a download whose checksum does not match is never put in place.

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Attrs, Command, PlannedRead};
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Digest, Probe};
use crate::modules::support::attrs::{FileAttrs, Mode, differences, keep_existing};
use crate::modules::support::curl::HttpRequest;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetUrl {
    url: String,
    dest: String,
    /// `ALGORITHM:HEX` (`sha256:…`).
    #[serde(default)]
    checksum: String,
    #[serde(default)]
    force: bool,
    #[serde(default = "ten")]
    timeout: u64,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(alias = "username")]
    #[schemars(extend("x-aliases" = ["username"]))]
    url_username: Option<String>,
    #[serde(alias = "password")]
    #[schemars(extend("x-aliases" = ["password"]))]
    url_password: Option<String>,
    #[serde(default = "yes")]
    validate_certs: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

fn ten() -> u64 {
    10
}
fn yes() -> bool {
    true
}

/// What apply does: download (and check), or only set the attributes.
#[derive(Debug)]
pub struct GetUrlPlan {
    download: bool,
    attrs: Attrs,
}

impl GetUrl {
    fn request(&self) -> HttpRequest {
        HttpRequest {
            url: self.url.clone(),
            headers: self.headers.clone(),
            credentials: self
                .url_username
                .clone()
                .map(|user| (user, self.url_password.clone().unwrap_or_default())),
            timeout_secs: self.timeout,
            follow_redirects: true,
            validate_certs: self.validate_certs,
            ..HttpRequest::default()
        }
    }

    /// `(digest, hex digest)` of `checksum`, when given.
    fn expected(&self) -> Result<Option<(Digest, String)>, ModuleError> {
        if self.checksum.is_empty() {
            return Ok(None);
        }
        let (algorithm, hex) = self.checksum.split_once(':').ok_or_else(|| {
            ModuleError::failed("The checksum parameter has to be in format <algorithm>:<checksum>")
        })?;
        let digest = Digest::by_program(&format!("{algorithm}sum")).ok_or_else(|| {
            ModuleError::failed(format!("checksum algorithm `{algorithm}` is not supported"))
        })?;
        Ok(Some((digest, hex.trim().to_lowercase())))
    }

    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn outcome(&self, msg: &str) -> Outcome {
        Outcome {
            msg: Some(msg.into()),
            data: vec![
                ("dest".into(), Value::from(self.dest.as_str())),
                ("url".into(), Value::from(self.url.as_str())),
            ],
            ..Outcome::default()
        }
    }
}

/// A file's digest by a coreutils program on the host.
async fn digest(host: &HostReader<'_>, digest: Digest, path: &str) -> Result<String, ModuleError> {
    let sum =
        host.probe_stdout(Probe::program(digest.reader(), ["--", path]), digest.program()).await?;
    Ok(sum.split_whitespace().next().unwrap_or_default().to_string())
}

impl Action for GetUrl {
    const NAME: &'static str = "get_url";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for GetUrl {
    type Plan = GetUrlPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<GetUrlPlan>, ModuleError> {
        let expected = self.expected()?;
        let stat = host.stat(&self.dest).await?;
        let attrs = self.attrs().resolve(host, stat.as_ref(), false).await?;
        let download = |why: &str| {
            Ok(Check::Change(
                Change::new(format!("download {} to {} ({why})", self.url, self.dest)),
                GetUrlPlan { download: true, attrs: keep_existing(attrs, stat.as_ref()) },
            ))
        };
        let Some(stat) = &stat else { return download("not there") };
        let same = match (&expected, self.force) {
            (Some((wanted, hex)), false) => digest(host, *wanted, &self.dest).await? == *hex,
            _ => {
                // Only what the server has newer than the file, then only if its bytes differ.
                let mut request = self.request();
                request.newer_than = (!self.force).then(|| self.dest.clone());
                let probe = request.probe_sha1(["-f", "-o", "-"]);
                let remote = host.probe_stdout(probe, "curl").await?;
                let remote = remote.split_whitespace().next().unwrap_or_default().to_string();
                // An empty answer is the server's "not modified" (an empty file on the server
                // reads the same: then the file is kept).
                const EMPTY_SHA1: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
                remote == EMPTY_SHA1 || remote == digest(host, Digest::Sha1, &self.dest).await?
            }
        };
        if !same {
            return download("it differs");
        }
        let changes = differences(&attrs, stat);
        if changes.is_empty() {
            return Ok(Check::Ok(self.outcome("file already exists")));
        }
        Ok(Check::Change(
            Change::new(format!("{}: {}", self.dest, changes.join(", "))),
            GetUrlPlan { download: false, attrs },
        ))
    }

    async fn apply(&self, plan: GetUrlPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        if plan.download {
            let partial = format!("{}.numarun-partial", self.dest);
            let fetched = host.run(self.request().command(["-f", "-o", partial.as_str()])).await?;
            if fetched.rc != 0 {
                let _ = host.remove(&partial).await;
                return Err(ModuleError::failed(format!(
                    "HttpRequest failed: {}",
                    fetched.stderr_text().trim()
                )));
            }
            if let Some((wanted, hex)) = self.expected()? {
                let got = digest(host, wanted, &partial).await?;
                if got != hex {
                    host.remove(&partial).await?;
                    return Err(ModuleError::failed(format!(
                        "The checksum for {} did not match {hex}; it was {got}.",
                        self.dest
                    )));
                }
            }
            host.run_ok(
                Command::argv(["mv", "-f", "--", partial.as_str(), self.dest.as_str()]),
                "mv",
            )
            .await?;
        }
        host.set_attrs(&self.dest, plan.attrs).await?;
        Ok(self.outcome("OK"))
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        vec![PlannedRead { path: self.dest.clone(), content: false }]
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Downloads a file to the host, checked against `checksum` when given.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[("dest", "where it was written"), ("url", "what was fetched")],
    example: "- get_url: { url: 'http://mirror.lan/app.tar.gz', dest: /opt/app.tar.gz, checksum: 'sha256:0000000000000000000000000000000000000000000000000000000000000000' }",
};
