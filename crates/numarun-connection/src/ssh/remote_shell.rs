//! A long-lived `/bin/sh` on one channel (a `RemoteProcess`): each request costs what it forks.
//!
//! A request is a script written to the shell's stdin: the command runs in a
//! subshell with its own environment and stdin (base64 in a here-document),
//! then the shell prints a random marker and the exit code on stdout and the
//! marker on stderr. Nothing of a request reaches an argument vector.

use super::process_event::ProcessError;
use super::remote_process::{Incoming, RemoteProcess};
use super::remote_streams::RemoteStreams;
use crate::contract::{Command, Output, Program, random_token};
use crate::shell;
use crate::shell_words::quote as q;
use base64::Engine as _;

pub struct RemoteShell {
    process: RemoteProcess,
    marker: String,
}

impl RemoteShell {
    /// Starts `launcher` (a command line that ends in a shell reading stdin);
    /// `preamble` is written first (a sudo password line).
    pub async fn start(
        pipe: RemoteStreams,
        preamble: Option<&[u8]>,
    ) -> Result<RemoteShell, ProcessError> {
        let process = RemoteProcess::new(pipe);
        let mut shell = RemoteShell { process, marker: format!("numarun-{}", random_token()) };
        // A round trip proves the shell (and sudo, if any) is up before real work.
        let probe = Command { read_only: true, ..Command::argv(["/bin/sh", "-c", ":"]) };
        let input =
            [preamble.unwrap_or_default(), script(&shell.marker, &probe).as_bytes()].concat();
        let probe = shell.process.exchange(&input, Reply::new(&shell.marker)).await?;
        if probe.rc != 0 {
            return Err(ProcessError::Ended("shell", probe.stderr_text()));
        }
        Ok(shell)
    }

    /// Runs one command; the shell stays up for the next.
    pub async fn request(&mut self, command: &Command) -> Result<Output, ProcessError> {
        let script = script(&self.marker, command);
        self.process.exchange(script.as_bytes(), Reply::new(&self.marker)).await
    }

    pub async fn abandon(self) {
        self.process.abandon().await;
    }
}

/// A request's output as it arrives, until the markers that end it on stdout and stderr.
struct Reply {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    rc: Option<i32>,
    stdout_end: String,
    stderr_end: String,
}

impl Reply {
    fn new(marker: &str) -> Reply {
        Reply {
            stdout: Vec::new(),
            stderr: Vec::new(),
            rc: None,
            stdout_end: format!("\n{marker} "),
            stderr_end: format!("\n{marker}\n"),
        }
    }
}

impl Incoming for Reply {
    type Reply = Output;
    const WHAT: &'static str = "shell";

    fn stdout(&mut self, data: &[u8]) -> Result<(), ProcessError> {
        self.stdout.extend_from_slice(data);
        self.rc = self.rc.or_else(|| exit_code(&self.stdout, self.stdout_end.as_bytes()));
        Ok(())
    }

    fn stderr(&mut self) -> &mut Vec<u8> {
        &mut self.stderr
    }

    fn is_complete(&self) -> bool {
        self.rc.is_some() && self.stderr.ends_with(self.stderr_end.as_bytes())
    }

    fn finish(mut self) -> Output {
        let stdout_len = find_last(&self.stdout, self.stdout_end.as_bytes()).unwrap_or(0);
        self.stdout.truncate(stdout_len);
        self.stderr.truncate(self.stderr.len() - self.stderr_end.len());
        Output { rc: self.rc.unwrap_or(-1), stdout: self.stdout, stderr: self.stderr }
    }
}

/// The text a request writes to the shell: the command in a subshell with its
/// own environment and stdin, then the markers that end its output.
fn script(marker: &str, command: &Command) -> String {
    let mut body = String::new();
    for (key, value) in &command.env {
        body.push_str(&format!("export {key}={}; ", q(value)));
    }
    if let Some(dir) = &command.cwd {
        // `||`, not `&&`: a script of many lines must not run its later lines elsewhere.
        body.push_str(&format!("cd {} || exit; ", q(dir)));
    }
    // A script for /bin/sh, which this shell is: it runs in the subshell itself, one exec saved.
    let sh_script = match &command.program {
        Program::Argv(argv) if argv.len() == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" => {
            Some(&argv[2])
        }
        Program::Shell { script, executable } if executable == "/bin/sh" => Some(script),
        _ => None,
    };
    let inline =
        sh_script.is_some() && command.read_only && command.env.is_empty() && command.cwd.is_none();
    match (&command.program, sh_script) {
        (_, Some(script)) => body.push_str(script),
        (Program::Argv(argv), None) => body
            .push_str(&format!("exec {}", argv.iter().map(|a| q(a)).collect::<Vec<_>>().join(" "))),
        (Program::Shell { script, executable }, None) => {
            body.push_str(&format!("exec {} -c {}", q(executable), q(script)))
        }
    }
    let run = match &command.stdin {
        // A look runs in the shell itself: no subshell to fork.
        None if inline => format!("{{ {body}\n}} </dev/null\n"),
        None => format!("( {body}\n) </dev/null\n"),
        // Text goes as it is in a here-document: no decoder to start. The braces make the shell
        // read the whole request before it runs any of it, so a request cut short runs nothing.
        Some(input) if fits_here_document(input, marker) => {
            format!(
                "{{ ( {body}\n) <<'{marker}-in'\n{}{marker}-in\n}}\n",
                String::from_utf8_lossy(input)
            )
        }
        Some(input) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(input);
            let lines: String = encoded
                .as_bytes()
                .chunks(76)
                .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
                .collect();
            // The here-document closes inside the braces, before the subshell begins.
            format!("{{ base64 -d <<'{marker}-in'\n{lines}{marker}-in\n}} | ( {body}\n)\n")
        }
    };
    format!("{run}printf '\\n%s %d\\n' {marker} $?; printf '\\n%s\\n' {marker} >&2\n")
}

/// Whether a here-document carries these bytes unchanged: lines of text, none of them equal to
/// the terminator.
fn fits_here_document(input: &[u8], marker: &str) -> bool {
    let terminator = format!("{marker}-in");
    shell::is_lines(input)
        && std::str::from_utf8(input).is_ok_and(|text| text.lines().all(|line| line != terminator))
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The exit code after the marker, once its line is complete.
fn exit_code(stdout: &[u8], end: &[u8]) -> Option<i32> {
    let at = find_last(stdout, end)?;
    let rest = &stdout[at + end.len()..];
    let line = rest.strip_suffix(b"\n")?;
    std::str::from_utf8(line).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds requests through a real local /bin/sh, as the remote shell would get them.
    fn through_sh(commands: &[Command]) -> String {
        use std::io::Write;
        let marker = "m-0123";
        let mut sh = std::process::Command::new("/bin/sh")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = sh.stdin.take().unwrap();
        for command in commands {
            stdin.write_all(script(marker, command).as_bytes()).unwrap();
        }
        drop(stdin);
        String::from_utf8(sh.wait_with_output().unwrap().stdout).unwrap()
    }

    #[test]
    fn requests_frame_their_output_and_keep_the_shell_usable() {
        let mut with_input = Command::argv(["/bin/sh", "-c", "cat\n# a comment on the last line"]);
        with_input.stdin = Some(b"line\0with nul\n".to_vec());
        let mut with_env = Command::argv(["sh", "-c", "echo \"$SECRET\"; pwd; exit 3"]);
        with_env.env = vec![("SECRET".into(), "it's $(not run)".into())];
        with_env.cwd = Some("/".into());
        let out = through_sh(&[with_input, with_env, Command::argv(["echo", "still here"])]);
        assert_eq!(
            out,
            "line\0with nul\n\nm-0123 0\nit's $(not run)\n/\n\nm-0123 3\nstill here\n\nm-0123 0\n"
        );
    }

    #[test]
    fn text_goes_as_a_here_document_and_anything_else_as_base64() {
        let text = "$(not run) `nor this` \\ 'quoted'\nm-0123-in is not alone on its line\n";
        let mut plain = Command::argv(["/bin/sh", "-c", "cat"]);
        plain.stdin = Some(text.as_bytes().to_vec());
        assert!(script("m-0123", &plain).contains(text), "text is sent as it is");
        let mut terminator = Command::argv(["/bin/sh", "-c", "cat"]);
        terminator.stdin = Some(b"first\nm-0123-in\nlast\n".to_vec());
        let mut no_newline = Command::argv(["/bin/sh", "-c", "cat"]);
        no_newline.stdin = Some(b"no final newline".to_vec());
        assert!(
            !script("m-0123", &terminator).contains("first\n"),
            "a line like the terminator goes as base64"
        );
        let out = through_sh(&[plain, terminator, no_newline]);
        assert_eq!(
            out,
            format!(
                "{text}\nm-0123 0\nfirst\nm-0123-in\nlast\n\nm-0123 0\nno final newline\nm-0123 0\n"
            )
        );
    }

    #[test]
    fn a_look_runs_in_the_shell_itself_and_leaves_it_usable() {
        let look = Command {
            read_only: true,
            ..Command::argv(["/bin/sh", "-c", "missing() { return 100; }; missing"])
        };
        assert!(script("m-0123", &look).starts_with("{ "), "no subshell for a look");
        let mut with_env = look.clone();
        with_env.env = vec![("A".into(), "b".into())];
        assert!(script("m-0123", &with_env).starts_with("( "), "an environment needs its subshell");
        let out = through_sh(&[look, Command::argv(["echo", "still here"])]);
        assert_eq!(out, "\nm-0123 100\nstill here\n\nm-0123 0\n");
    }

    #[test]
    fn the_exit_code_follows_the_last_marker() {
        let end = b"\nm ";
        assert_eq!(exit_code(b"data\nm 3\n", end), Some(3));
        assert_eq!(exit_code(b"data\nm 3", end), None, "line not complete yet");
        assert_eq!(exit_code(b"\nm 0\n", end), Some(0));
    }
}
