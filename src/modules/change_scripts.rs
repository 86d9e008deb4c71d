//! The shell scripts an apply runs, each a file in `change_scripts/` (read by shellcheck in CI),
//! as the checks' scripts are in `probe/scripts/`. Each takes its paths and values as
//! arguments (`$1` …), never spliced into its text, so no path or value is read as shell.

use crate::connection::Command;

/// A script of the repository's that an apply runs.
#[derive(Debug)]
pub struct ChangeScript {
    name: &'static str,
    text: &'static str,
}

impl ChangeScript {
    /// The command that runs it with `args` as `$1` …; its name is `$0`.
    pub fn command<S: Into<String>>(&self, args: impl IntoIterator<Item = S>) -> Command {
        let mut argv: Vec<String> = vec!["/bin/sh".into(), "-c".into(), self.text.into()];
        argv.push(self.name.into());
        argv.extend(args.into_iter().map(Into::into));
        Command::argv(argv)
    }
}

macro_rules! change_scripts {
    ($($(#[$doc:meta])* $constant:ident = $file:literal;)*) => {
        $($(#[$doc])* pub const $constant: ChangeScript = ChangeScript {
            name: $file,
            text: include_str!(concat!("change_scripts/", $file, ".sh")),
        };)*
    };
}

change_scripts! {
    /// `file`'s hard link, made beside its path and renamed into place.
    HARD_LINK = "hard_link";
    /// The `backup` of a file before it is replaced.
    BACKUP = "backup";
    /// A stamp file touched, its folder made first.
    TOUCH_STAMP = "touch_stamp";
    /// A file made private, then renamed into place.
    PRIVATE_RENAME = "private_rename";
    /// `tempfile`'s file or folder.
    MKTEMP = "mktemp";
    /// A kernel setting written in place from stdin.
    WRITE_STDIN = "write_stdin";
}
