//! File operations as small POSIX shell snippets, for targets reached only
//! through commands: SSH hosts without the host agent (`agent`), and the local machine under
//! `become`.
//! One snippet per operation, one round trip each (a change may carry a `stat` of what it
//! touched); paths are always quoted.

mod read;
mod write;

pub use read::{BatchStatEntry, Inspection, Stats, batch_stat, inspect, read, stat};
pub(super) use read::{parse_batch_stat, parse_stat_section};
pub use write::{Delivery, apply, apply_and_stat, is_lines};

#[cfg(test)]
mod tests {
    use super::read::*;
    use super::write::*;
    use crate::contract::{Attrs, Command, Connection, ConnectionError, FileKind, Output, Stat};
    use crate::file_change::FileChange;
    use crate::read_plan::PlannedRead;
    use std::sync::Arc;

    use async_trait::async_trait;

    use crate::{Local, Privilege};

    /// The local machine, except that stdin arrives cut in half, as when a
    /// connection drops in the middle of a transfer.
    struct CutShort(Local);

    #[async_trait]
    impl Connection for CutShort {
        fn elevated(&self, _: &Privilege) -> Arc<dyn Connection> {
            unreachable!()
        }
        async fn run(&self, command: &Command) -> Result<Output, ConnectionError> {
            let mut command = command.clone();
            if let Some(stdin) = command.stdin.as_mut() {
                stdin.truncate(stdin.len() / 2);
            }
            self.0.run(&command).await
        }
        async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
            self.0.read(path).await
        }
        async fn write(
            &self,
            path: &str,
            content: &[u8],
            attrs: Attrs,
        ) -> Result<(), ConnectionError> {
            apply(self, &FileChange::write(path, content, attrs), Delivery::Piped).await
        }
        async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
            self.0.stat(path).await
        }
        async fn inspect(
            &self,
            path: &str,
        ) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
            self.0.inspect(path).await
        }
        async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
            self.0.mkdir(path, attrs).await
        }
        async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
            self.0.set_attrs(path, attrs).await
        }
        async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
            self.0.remove(path).await
        }
        async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
            self.0.symlink(target, path).await
        }
    }

    #[tokio::test]
    async fn a_transfer_cut_short_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf");
        std::fs::write(&path, "old\n").unwrap();
        let target = CutShort(Local::default());
        let error = target
            .write(
                path.to_str().unwrap(),
                "new content, long enough\n".as_bytes(),
                Attrs::default(),
            )
            .await
            .unwrap_err();
        assert!(error.to_string().contains("incomplete transfer"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a temporary file was left behind"
        );
    }

    #[tokio::test]
    async fn snippets_round_trip_through_a_shell() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("it's here").display().to_string();
        let local = Local::default();
        let mode = Attrs { mode: Some(0o640), ..Attrs::default() };
        apply(&local, &FileChange::write(&path, b"bytes\0with nul", mode), Delivery::Piped)
            .await
            .unwrap();
        assert_eq!(read(&local, &path).await.unwrap().unwrap(), b"bytes\0with nul");
        // Small text goes through the shell's own read loop: every byte must survive it.
        let text = "  leading blanks\tand tabs \\ back\\slashes $(not run) -n\n\n\r\nlast\n";
        let text_path = dir.path().join("text").display().to_string();
        apply(
            &local,
            &FileChange::write(&text_path, text.as_bytes(), Attrs::default()),
            Delivery::Piped,
        )
        .await
        .unwrap();
        assert_eq!(read(&local, &text_path).await.unwrap().unwrap(), text.as_bytes());
        let stat = stat(&local, &path).await.unwrap().unwrap();
        assert_eq!((stat.kind, stat.mode, stat.size), (FileKind::File, 0o640, 14));
        let link = dir.path().join("link").display().to_string();
        apply(&local, &FileChange::symlink("it's here", &link), Delivery::Piped).await.unwrap();
        assert_eq!(
            super::stat(&local, &link).await.unwrap().unwrap().link_target.as_deref(),
            Some("it's here")
        );
        apply(&local, &FileChange::remove(&path), Delivery::Piped).await.unwrap();
        assert!(read(&local, &path).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_batch_stat_answers_exactly_what_single_looks_answer() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(at("plain"), "text\n").unwrap();
        std::fs::write(at("empty"), "").unwrap();
        std::fs::write(at("bin ary"), b"nul\0inside, no newline").unwrap();
        std::fs::write(at("new\nline"), "named with a newline\n").unwrap();
        std::fs::create_dir(at("folder")).unwrap();
        std::os::unix::fs::symlink("plain", at("link")).unwrap();
        std::os::unix::fs::symlink("nowhere", at("dangling")).unwrap();
        let names = [
            "plain",
            "empty",
            "bin ary",
            "new\nline",
            "folder",
            "link",
            "dangling",
            "missing",
            "folder/missing",
        ];
        let upcoming: Vec<PlannedRead> = names
            .iter()
            .enumerate()
            .map(|(i, n)| PlannedRead {
                path: at(n),
                content: (i % 2 == 0 && *n != "dangling") || *n == "link",
            })
            .collect();
        let local = Local::default();
        let answers = batch_stat(&local, &upcoming).await.unwrap();
        for wanted in &upcoming {
            let single = match wanted.content {
                true => inspect(&local, &wanted.path).await.unwrap(),
                false => stat(&local, &wanted.path).await.unwrap().map(|s| (s, None)),
            };
            match answers.get(&wanted.path).map(|a| &a.inspection) {
                // A link's bytes are left for a single look; nothing else may be.
                None => assert!(
                    wanted.content
                        && single.as_ref().is_some_and(|(s, _)| s.kind == FileKind::Symlink),
                    "{}",
                    wanted.path
                ),
                Some(answer) => {
                    let strip = |i: &Inspection| {
                        i.as_ref()
                            .map(|(s, c)| (format!("{s:?}"), c.clone().filter(|_| wanted.content)))
                    };
                    assert_eq!(strip(answer), strip(&single), "{}", wanted.path);
                }
            }
        }
        assert_eq!(answers.len(), upcoming.len() - 1, "all but the link's bytes answered");

        // Nothing there to read or follow: the empty sections still line up.
        let nothing = [
            PlannedRead { path: at("missing"), content: true },
            PlannedRead { path: at("folder"), content: false },
        ];
        let answers = batch_stat(&local, &nothing).await.unwrap();
        assert!(answers[&at("missing")].inspection.is_none());
        assert_eq!(
            answers[&at("folder")].inspection.as_ref().map(|(s, _)| s.kind),
            Some(FileKind::Directory)
        );
    }

    #[tokio::test]
    async fn a_change_and_the_stats_after_it_come_back_together() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        std::os::unix::fs::symlink("file", at("link")).unwrap();
        let paths = [at("file"), at("link"), at("missing")];
        let local = Local::default();
        let mode = Attrs { mode: Some(0o600), ..Attrs::default() };
        let write = |bytes: &[u8]| FileChange::write(&at("file"), bytes, mode);
        let first = apply_and_stat(&local, &write(b"bytes\n"), Delivery::Piped, &paths)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            first[&at("file")].0,
            stat(&local, &at("file")).await.unwrap().unwrap(),
            "as a single look sees it"
        );
        assert_eq!(first[&at("link")].0.kind, FileKind::Symlink);
        assert_eq!(first[&at("link")].0.link_target, None, "a link's target is not in a stat");
        assert!(!first.contains_key(&at("missing")));
        let second = apply_and_stat(&local, &write(b"other\n"), Delivery::Piped, &paths)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(first[&at("file")].1, second[&at("file")].1, "a replaced file is another file");
        assert_eq!(first[&at("link")].1, second[&at("link")].1, "the link itself is the same");
        // A `stat` that says nothing of `/` cannot print what a batch stat needs: no answer at all.
        assert!(parse_stats(&[b"/x".as_slice(), b"81a4 0 0 1 1:2:3".as_slice()]).is_none());
    }

    #[test]
    fn inspection_splits_header_from_content() {
        let (stat, content) = split_inspection(b"81a4 0 0 6\nline1\n").unwrap();
        assert_eq!((stat.kind, content.as_deref()), (FileKind::File, Some(&b"line1\n"[..])));
        let (stat, content) = split_inspection(b"a1ff 0 0 3\nabc\ntarget bytes").unwrap();
        assert_eq!(
            (stat.link_target.as_deref(), content.as_deref()),
            (Some("abc"), Some(&b"target bytes"[..]))
        );
        assert_eq!(split_inspection(b"41ed 0 0 4096\n").unwrap().1, None);
    }

    #[test]
    fn stat_lines_parse() {
        let file = parse_stat("81a4 0 0 12\n").unwrap();
        assert_eq!((file.kind, file.mode, file.size), (FileKind::File, 0o644, 12));
        let link = parse_stat("a1ff 1000 1000 7\n/etc/x\n").unwrap();
        assert_eq!((link.kind, link.link_target.as_deref()), (FileKind::Symlink, Some("/etc/x")));
        assert_eq!(parse_stat("41ed 0 0 4096\n").unwrap().kind, FileKind::Directory);
    }
}
