//! HTTP from the host with curl, for `get_url` and `uri`. What curl is told travels as a
//! config on its standard input (`-K -`), never on its command line: a URL's credentials, a
//! password or an `Authorization` header stay out of the host's process list.

use std::collections::BTreeMap;

use crate::connection::Command;
use crate::modules::probe::{Probe, ReadOnlyProgram, scripts};

/// One request.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub url: String,
    pub method: Option<String>,
    pub headers: BTreeMap<String, String>,
    /// `user:password`, sent with basic authentication.
    pub credentials: Option<(String, String)>,
    pub timeout_secs: u64,
    pub follow_redirects: bool,
    pub validate_certs: bool,
    /// Only when newer than this file on the host (`If-Modified-Since` its mtime).
    pub newer_than: Option<String>,
}

/// A curl config value: quoted, its backslashes and quotes escaped.
fn quoted(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    format!("\"{escaped}\"")
}

impl HttpRequest {
    /// curl's config for this request, for its standard input.
    pub fn config(&self) -> String {
        let mut lines = vec![format!("url = {}", quoted(&self.url))];
        if let Some(method) = &self.method {
            lines.push(format!("request = {}", quoted(method)));
        }
        for (name, value) in &self.headers {
            lines.push(format!("header = {}", quoted(&format!("{name}: {value}"))));
        }
        if let Some((user, password)) = &self.credentials {
            lines.push(format!("user = {}", quoted(&format!("{user}:{password}"))));
        }
        if let Some(file) = &self.newer_than {
            lines.push(format!("time-cond = {}", quoted(file)));
        }
        lines.push(format!("max-time = {}", self.timeout_secs.max(1)));
        if self.follow_redirects {
            lines.push("location".into());
        }
        if !self.validate_certs {
            lines.push("insecure".into());
        }
        lines.join("\n") + "\n"
    }

    /// `curl -K -` and the arguments given (the output, what to print), the config on stdin.
    pub fn command<S: Into<String>>(&self, args: impl IntoIterator<Item = S>) -> Command {
        let mut argv: Vec<String> = ["curl", "-sS", "-K", "-"].map(String::from).into();
        argv.extend(args.into_iter().map(Into::into));
        let mut command = Command::argv(argv);
        command.stdin = Some(self.config().into_bytes());
        command
    }
}

impl HttpRequest {
    /// A GET or HEAD for a check: `curl -K -` as a probe, the config on stdin.
    pub fn probe<S: Into<String>>(&self, args: impl IntoIterator<Item = S>) -> Probe {
        Probe::program(ReadOnlyProgram::CurlGet, args).stdin(self.config().into_bytes())
    }

    /// A GET for a check whose body is piped into `sha1sum` on the host, so that the check can
    /// compare without keeping the bytes.
    pub fn probe_sha1<S: Into<String>>(&self, args: impl IntoIterator<Item = S>) -> Probe {
        let words = ["-sS", "-K", "-"].map(String::from).into_iter();
        let args = words.chain(args.into_iter().map(Into::into));
        Probe::script(&scripts::FETCH_SHA1, args).stdin(self.config().into_bytes())
    }
}

/// What `-w` prints after a transfer, one `key=value` per line, read by `written_out`.
pub const WRITE_OUT: &str = "\\nstatus=%{http_code}\\nurl=%{url_effective}\\nsize=%{size_download}\\nredirects=%{num_redirects}\\ncontent_type=%{content_type}\\n";

/// The `-w` fields at the end of curl's output, and what came before them.
pub fn written_out(output: &[u8]) -> (Vec<u8>, BTreeMap<String, String>) {
    let marker = b"\nstatus=";
    let start = output.windows(marker.len()).rposition(|w| w == marker).unwrap_or(output.len());
    let fields = String::from_utf8_lossy(&output[start..])
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (output[..start].to_vec(), fields)
}
