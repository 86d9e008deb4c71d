//! `uri`: an HTTP request from the host (with curl), its status checked against
//! `status_code`, its answer registered as ansible-core's `uri` registers it (`status`,
//! `json`, `content`, the headers as `content_type`, …). A GET or HEAD only looks, so it runs
//! in check mode too; any other method may change the server: unknown in check mode, and
//! counted changed when sent.

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::Output;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, OneOrMany, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::Probe;
use crate::modules::support::curl::{HttpRequest, WRITE_OUT, written_out};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Uri {
    url: String,
    #[serde(default = "get")]
    method: String,
    #[schemars(with = "Option<serde_json::Value>")]
    body: Option<minijinja::Value>,
    #[serde(default)]
    body_format: BodyFormat,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default = "ok_status")]
    status_code: OneOrMany<u16>,
    #[serde(default)]
    return_content: bool,
    #[serde(alias = "user")]
    #[schemars(extend("x-aliases" = ["user"]))]
    url_username: Option<String>,
    #[serde(alias = "password")]
    #[schemars(extend("x-aliases" = ["password"]))]
    url_password: Option<String>,
    /// Accepted: curl sends the credentials with the first request, as this asks.
    #[serde(default, rename = "force_basic_auth")]
    _force_basic_auth: bool,
    #[serde(default = "thirty")]
    timeout: u64,
    #[serde(default = "yes")]
    validate_certs: bool,
    #[serde(default)]
    follow_redirects: Redirects,
}

fn get() -> String {
    "GET".into()
}
fn ok_status() -> OneOrMany<u16> {
    OneOrMany::One(200)
}
fn thirty() -> u64 {
    30
}
fn yes() -> bool {
    true
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum BodyFormat {
    #[default]
    Raw,
    Json,
    FormUrlencoded,
}

/// Which redirects are followed: `safe` (GET and HEAD only, Ansible's default), all, none.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Redirects {
    #[default]
    Safe,
    #[serde(alias = "yes")]
    #[schemars(extend("x-aliases" = ["yes"]))]
    All,
    #[serde(alias = "no")]
    #[schemars(extend("x-aliases" = ["no"]))]
    None,
}

impl Uri {
    fn looks_only(&self) -> bool {
        matches!(self.method.to_ascii_uppercase().as_str(), "GET" | "HEAD")
    }

    fn request(&self) -> Result<(HttpRequest, Option<String>), ModuleError> {
        let mut headers = self.headers.clone();
        let has = |h: &BTreeMap<String, String>, name: &str| {
            h.keys().any(|k| k.eq_ignore_ascii_case(name))
        };
        let body = match (&self.body, self.body_format) {
            (None, _) => None,
            (Some(body), BodyFormat::Json) => {
                if !has(&headers, "content-type") {
                    headers.insert("Content-Type".into(), "application/json".into());
                }
                Some(match body.as_str() {
                    Some(text) => text.to_string(),
                    None => serde_json::to_string(body)
                        .map_err(|e| ModuleError::failed(e.to_string()))?,
                })
            }
            (Some(body), BodyFormat::FormUrlencoded) => {
                if !has(&headers, "content-type") {
                    headers
                        .insert("Content-Type".into(), "application/x-www-form-urlencoded".into());
                }
                Some(match body.as_str() {
                    Some(text) => text.to_string(),
                    None => form_urlencoded(body)?,
                })
            }
            (Some(body), BodyFormat::Raw) => Some(body.to_string()),
        };
        let follow = match self.follow_redirects {
            Redirects::All => true,
            Redirects::Safe => self.looks_only(),
            Redirects::None => false,
        };
        let request = HttpRequest {
            url: self.url.clone(),
            method: Some(self.method.to_ascii_uppercase()),
            headers,
            credentials: self
                .url_username
                .clone()
                .map(|user| (user, self.url_password.clone().unwrap_or_default())),
            timeout_secs: self.timeout,
            follow_redirects: follow,
            validate_certs: self.validate_certs,
            newer_than: None,
        };
        Ok((request, body))
    }

    fn command(&self) -> Result<crate::connection::Command, ModuleError> {
        let (request, body) = self.request()?;
        let mut command = request.command(["-i", "-o", "-", "-w", WRITE_OUT]);
        if let Some(body) = body {
            // The body joins the config on stdin: never on the command line.
            let escaped = body.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            let stdin = command.stdin.get_or_insert_with(Vec::new);
            stdin.extend(format!("data-binary = \"{escaped}\"\n").into_bytes());
        }
        if self.method.eq_ignore_ascii_case("HEAD")
            && let crate::connection::Program::Argv(argv) = &mut command.program
        {
            argv.push("-I".into());
        }
        Ok(command)
    }

    /// The request as a check sends it: a GET or HEAD (`looks_only`), which carries no body.
    fn probe(&self) -> Result<Probe, ModuleError> {
        let (request, _) = self.request()?;
        let mut args = vec!["-i", "-o", "-", "-w", WRITE_OUT];
        if self.method.eq_ignore_ascii_case("HEAD") {
            args.push("-I");
        }
        Ok(request.probe(args))
    }

    fn outcome(&self, output: &Output) -> Result<Outcome, ModuleError> {
        if output.rc != 0 {
            return Err(ModuleError::failed(format!(
                "Status code was -1 and not {:?}: HttpRequest failed: {}",
                self.status_code.as_slice(),
                output.stderr_text().trim()
            )));
        }
        let (answer, fields) = written_out(&output.stdout);
        let redirects: usize = fields.get("redirects").and_then(|r| r.parse().ok()).unwrap_or(0);
        // `-i` puts each answer's headers first, one block per redirect followed.
        let mut rest: &[u8] = &answer;
        let mut headers: Vec<(String, Value)> = Vec::new();
        for _ in 0..=redirects {
            let end = rest.windows(4).position(|w| w == b"\r\n\r\n").map_or(rest.len(), |i| i + 4);
            headers = String::from_utf8_lossy(&rest[..end])
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_lowercase().replace('-', "_"), Value::from(v.trim())))
                .collect();
            rest = &rest[end..];
        }
        let status: u16 = fields.get("status").and_then(|s| s.parse().ok()).unwrap_or(0);
        let content = String::from_utf8_lossy(rest).into_owned();
        let content_type = fields.get("content_type").cloned().unwrap_or_default();
        let effective = fields.get("url").cloned().unwrap_or_else(|| self.url.clone());
        let mut data: Vec<(String, Value)> = headers;
        data.extend([
            ("status".into(), Value::from(status)),
            ("url".into(), Value::from(effective.as_str())),
            ("redirected".into(), Value::from(effective != self.url)),
        ]);
        let json = content_type.split(';').next().unwrap_or_default().trim().to_lowercase();
        if (json.ends_with("/json") || json.ends_with("+json"))
            && let Ok(parsed) = serde_json::from_str::<serde_json::Value>(&content)
        {
            data.push(("json".into(), Value::from(minijinja::value::Serde(parsed))));
        }
        let accepted = self.status_code.as_slice().contains(&status);
        if self.return_content {
            data.push(("content".into(), Value::from(content.as_str())));
        }
        let size = fields.get("size").cloned().unwrap_or_default();
        let msg = match accepted {
            true => format!("OK ({size} bytes)"),
            false => format!("Status code was {status} and not {:?}", self.status_code.as_slice()),
        };
        Ok(Outcome { failed: !accepted, msg: Some(msg), data, ..Outcome::default() })
    }
}

/// A mapping as `a=1&b=two`, each part percent-encoded.
fn form_urlencoded(body: &Value) -> Result<String, ModuleError> {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    let keys: Vec<Value> =
        body.try_iter().map_err(|e| ModuleError::failed(e.to_string()))?.collect();
    let pairs: Vec<String> = keys
        .iter()
        .map(|k| {
            let v = body.get_item(k).unwrap_or_default();
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            format!("{}={}", encode(&k.to_string()), encode(&v))
        })
        .collect();
    Ok(pairs.join("&"))
}

impl Action for Uri {
    const NAME: &'static str = "uri";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Uri {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        if !self.looks_only() {
            let why = format!(
                "a {} request may change the server: it is not sent in a dry run",
                self.method
            );
            return Ok(Check::Unknown(why, ()));
        }
        let output = host.probe(self.probe()?).await?;
        Ok(Check::Ok(self.outcome(&output)?))
    }

    async fn apply(&self, _plan: (), host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let output = host.run(self.command()?).await?;
        self.outcome(&output)
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Sends an HTTP request from the host and checks its status (a method other than GET or HEAD is unknown under --check).",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[
        ("status", "the HTTP status"),
        ("url", "the final address"),
        ("redirected", "whether it was redirected"),
        ("content", "the body, with return_content"),
        ("json", "the body parsed, when JSON"),
    ],
    example: "- uri: { url: 'http://127.0.0.1:8080/health', status_code: 200, return_content: true }",
};
