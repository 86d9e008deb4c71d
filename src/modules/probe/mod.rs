//! What a check may run on a host: a probe. A probe is built only from shapes that read: a
//! program from `ReadOnlyProgram`, whose leading words keep it reading (`systemctl show`, `crontab -l`,
//! `apt-get -s`), or a script from `scripts` (files beside this one, each reviewed as read-only
//! and linted by shellcheck in CI). A module cannot hand a check any other command: `Probe` has
//! no constructor that takes one. The one exception is the user's own `check:` script of a
//! `command` step (`Probe::users_check`), which the docs list with what else may act during a
//! check (`docs/check-mode.md`).

pub mod scripts;

use crate::connection::Command;
pub use scripts::ProbeScript;

/// For a probe that takes no arguments.
pub const NO_ARGUMENTS: [&str; 0] = [];

/// A command a check runs, which only reads.
#[derive(Debug, Clone)]
pub struct Probe {
    command: Command,
}

/// Programs a check may start, each with the words that keep it reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnlyProgram {
    /// `dpkg-query -W`: the package database, read.
    DpkgQuery,
    /// `dpkg-deb -f`: a package file's control fields.
    DpkgDebFields,
    /// `apt-get -s -q`: apt's simulation, which installs nothing.
    AptGetSimulate,
    /// `apt-key … adv --list-public-keys`: the keys a keyring holds.
    AptKeyList,
    /// `gpg --with-colons --show-keys`: the key it is given, not imported.
    GpgShowKeys,
    /// `systemctl show`: a unit's properties.
    SystemctlShow,
    /// `crontab … -l`: a user's crontab, listed.
    CrontabList,
    /// `findmnt`: the mount table.
    Findmnt,
    /// `blkid -p`: a device's signature, read from the device.
    Blkid,
    /// `df -P`: filesystem sizes.
    Df,
    /// `readlink`: where a path leads.
    Readlink,
    /// `id`: the user's ids.
    Id,
    /// `ip -o -4 addr show`: an interface's addresses.
    IpAddrShow,
    /// `tar --diff`: an archive compared with the folder.
    TarDiff,
    /// `tar --list`: an archive's members.
    TarList,
    /// `curl -sS -K -` with a GET or HEAD request (its config on stdin; the output to stdout).
    CurlGet,
    /// `curl -fsSL --proto =https,http`: a GET of one URL to stdout.
    CurlDownload,
    /// `true`: whether the host answers at all.
    True,
    /// A checksum program: `md5sum`, `sha1sum`, `sha224sum`, `sha256sum`, `sha384sum`,
    /// `sha512sum`.
    Checksum(Digest),
}

/// The digests `stat`, `find` and `get_url` take a checksum in, each a coreutils program on
/// the host that only reads the file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Digest {
    /// `md5sum`.
    Md5,
    /// `sha1sum`, Ansible's default.
    #[default]
    Sha1,
    /// `sha224sum`.
    Sha224,
    /// `sha256sum`.
    Sha256,
    /// `sha384sum`.
    Sha384,
    /// `sha512sum`.
    Sha512,
}

impl Digest {
    const ALL: [Digest; 6] =
        [Digest::Md5, Digest::Sha1, Digest::Sha224, Digest::Sha256, Digest::Sha384, Digest::Sha512];
    const PROGRAMS: [&'static str; 6] =
        ["md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum"];

    /// The digest a program of this name (`sha256sum`) prints, if it is one.
    pub fn by_program(name: &str) -> Option<Digest> {
        Digest::ALL.into_iter().find(|d| d.program() == name)
    }

    /// The program that prints it.
    pub fn program(self) -> &'static str {
        Digest::PROGRAMS[self as usize]
    }

    /// The probe's program.
    pub fn reader(self) -> ReadOnlyProgram {
        ReadOnlyProgram::Checksum(self)
    }
}

impl ReadOnlyProgram {
    /// The words before and after the caller's arguments: `apt-key` takes its keyring before
    /// its command, `crontab` its user before `-l`.
    fn words(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ReadOnlyProgram::DpkgQuery => (&["dpkg-query", "-W"], &[]),
            ReadOnlyProgram::DpkgDebFields => (&["dpkg-deb", "-f"], &[]),
            ReadOnlyProgram::AptGetSimulate => (&["apt-get", "-s", "-q"], &[]),
            ReadOnlyProgram::AptKeyList => {
                (&["apt-key"], &["adv", "--list-public-keys", "--keyid-format=long"])
            }
            ReadOnlyProgram::GpgShowKeys => (&["gpg", "--with-colons", "--show-keys"], &[]),
            ReadOnlyProgram::SystemctlShow => (&["systemctl", "show"], &[]),
            ReadOnlyProgram::CrontabList => (&["crontab"], &["-l"]),
            ReadOnlyProgram::Findmnt => (&["findmnt"], &[]),
            ReadOnlyProgram::Blkid => (&["blkid", "-p"], &[]),
            ReadOnlyProgram::Df => (&["df", "-P"], &[]),
            ReadOnlyProgram::Readlink => (&["readlink"], &[]),
            ReadOnlyProgram::Id => (&["id"], &[]),
            ReadOnlyProgram::IpAddrShow => (&["ip", "-o", "-4", "addr", "show"], &[]),
            ReadOnlyProgram::TarDiff => (&["tar", "--diff"], &[]),
            ReadOnlyProgram::TarList => (&["tar", "--list"], &[]),
            ReadOnlyProgram::CurlGet => (&["curl", "-sS", "-K", "-"], &[]),
            ReadOnlyProgram::CurlDownload => (&["curl", "-fsSL", "--proto", "=https,http"], &[]),
            ReadOnlyProgram::True => (&["true"], &[]),
            ReadOnlyProgram::Checksum(d) => {
                (std::slice::from_ref(&Digest::PROGRAMS[d as usize]), &[])
            }
        }
    }

    /// Every program a probe may start, by its name: what the read-only check test
    /// (`tests/runner/read_only_check.rs`) holds a check's commands to.
    pub fn programs() -> Vec<&'static str> {
        let mut names: Vec<&str> = ReadOnlyProgram::ALL.iter().map(|r| r.words().0[0]).collect();
        names.extend(Digest::PROGRAMS);
        names
    }

    /// Every program but the checksum programs (`Digest` lists those).
    const ALL: [ReadOnlyProgram; 18] = [
        ReadOnlyProgram::DpkgQuery,
        ReadOnlyProgram::DpkgDebFields,
        ReadOnlyProgram::AptGetSimulate,
        ReadOnlyProgram::AptKeyList,
        ReadOnlyProgram::GpgShowKeys,
        ReadOnlyProgram::SystemctlShow,
        ReadOnlyProgram::CrontabList,
        ReadOnlyProgram::Findmnt,
        ReadOnlyProgram::Blkid,
        ReadOnlyProgram::Df,
        ReadOnlyProgram::Readlink,
        ReadOnlyProgram::Id,
        ReadOnlyProgram::IpAddrShow,
        ReadOnlyProgram::TarDiff,
        ReadOnlyProgram::TarList,
        ReadOnlyProgram::CurlGet,
        ReadOnlyProgram::CurlDownload,
        ReadOnlyProgram::True,
    ];
}

impl Probe {
    /// The program with these arguments in their place.
    pub fn program<S: Into<String>>(
        program: ReadOnlyProgram,
        args: impl IntoIterator<Item = S>,
    ) -> Probe {
        let (before, after) = program.words();
        let mut argv: Vec<String> = before.iter().map(|w| w.to_string()).collect();
        argv.extend(args.into_iter().map(Into::into));
        argv.extend(after.iter().map(|w| w.to_string()));
        Probe::of(Command::argv(argv))
    }

    /// One of the repository's probe scripts, run by `/bin/sh` with these arguments (`$1` …).
    pub fn script<S: Into<String>>(
        script: &ProbeScript,
        args: impl IntoIterator<Item = S>,
    ) -> Probe {
        let mut argv: Vec<String> =
            vec!["/bin/sh".into(), "-c".into(), script.text().into(), script.name().into()];
        argv.extend(args.into_iter().map(Into::into));
        Probe::of(Command::argv(argv))
    }

    /// The user's own `check:` of a `command` step: the user says it only looks. The one
    /// probe numarun did not write, listed in the docs with what else may act during a check.
    pub fn users_check(script: &str, cwd: Option<String>) -> Probe {
        let mut command = Command::argv(["/bin/sh", "-c", script]);
        command.cwd = cwd;
        Probe::of(command)
    }

    fn of(mut command: Command) -> Probe {
        command.read_only = true;
        Probe { command }
    }

    /// With this variable in its environment.
    pub fn env(mut self, name: &str, value: impl Into<String>) -> Probe {
        self.command.env.push((name.into(), value.into()));
        self
    }

    /// With these bytes on its standard input (a key to read, a request's config).
    pub fn stdin(mut self, bytes: Vec<u8>) -> Probe {
        self.command.stdin = Some(bytes);
        self
    }

    /// The command to send.
    pub fn command(&self) -> &Command {
        &self.command
    }

    pub(crate) fn into_command(self) -> Command {
        self.command
    }
}
