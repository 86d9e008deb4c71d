//! The fields Ansible's `stat` and `find` both report of a path's mode: its permission bits
//! as `"0644"`, what kind of thing it is (`isdir`, `isreg`, …) and each bit (`rusr`, `xoth`, …).

use minijinja::Value;

/// Ansible's fields for `st_mode` (kind and permission bits).
pub fn mode_fields(raw_mode: u32) -> Vec<(&'static str, Value)> {
    let kind = raw_mode & 0o170000;
    let bit = |mask: u32| Value::from(raw_mode & mask != 0);
    vec![
        ("mode", Value::from(format!("{:04o}", raw_mode & 0o7777))),
        ("isdir", Value::from(kind == 0o040000)),
        ("ischr", Value::from(kind == 0o020000)),
        ("isblk", Value::from(kind == 0o060000)),
        ("isreg", Value::from(kind == 0o100000)),
        ("isfifo", Value::from(kind == 0o010000)),
        ("islnk", Value::from(kind == 0o120000)),
        ("issock", Value::from(kind == 0o140000)),
        ("wusr", bit(0o200)),
        ("rusr", bit(0o400)),
        ("xusr", bit(0o100)),
        ("wgrp", bit(0o020)),
        ("rgrp", bit(0o040)),
        ("xgrp", bit(0o010)),
        ("woth", bit(0o002)),
        ("roth", bit(0o004)),
        ("xoth", bit(0o001)),
        ("isuid", bit(0o4000)),
        ("isgid", bit(0o2000)),
    ]
}

/// `stat`'s and `find`'s numbers as the host printed them: `uid`, `size`, `inode`, … and the
/// times as fractional seconds.
pub fn number_fields(
    field: impl Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Vec<(&'static str, Value)> {
    names
        .iter()
        .map(|&name| {
            let text = field(name).unwrap_or_default();
            let value = match name.ends_with("time") {
                true => Value::from(text.parse::<f64>().unwrap_or(0.0)),
                false => Value::from(text.parse::<i64>().unwrap_or(0)),
            };
            (name, value)
        })
        .collect()
}

/// The number fields both report, in Ansible's order.
pub const NUMBERS: &[&str] =
    &["uid", "gid", "size", "inode", "dev", "nlink", "atime", "mtime", "ctime"];
