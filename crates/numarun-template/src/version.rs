//! Version comparison for the `version` test, as Ansible's: `loose` (the default, Python's
//! LooseVersion: numbers and words, compared part by part), `strict` (`1.2[.3][a1|b1]`) and
//! `semver` (`1.2.3[-pre][+build]`).

use std::cmp::Ordering;

/// Why two versions cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("cannot compare versions `{0}` and `{1}`: a number meets a word")]
    NumberMeetsWord(String, String),
    #[error("invalid version number `{0}`")]
    NotStrict(String),
    #[error("invalid semantic version `{0}`")]
    NotSemantic(String),
    #[error("version_type `{0}` is not supported (loose, strict, semver)")]
    UnknownKind(String),
}

/// How `a` compares to `b` read as versions of `kind`.
pub fn compare_versions(a: &str, b: &str, kind: &str) -> Result<Ordering, VersionError> {
    match kind {
        "loose" => compare_parts(&loose(a), &loose(b))
            .ok_or_else(|| VersionError::NumberMeetsWord(a.to_string(), b.to_string())),
        "strict" => Ok(strict(a)?.cmp(&strict(b)?)),
        "semver" | "semantic" => Ok(semver(a)?.cmp(&semver(b)?)),
        other => Err(VersionError::UnknownKind(other.to_string())),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Number(u64),
    Word(String),
}

/// LooseVersion's parts: runs of digits, runs of lowercase letters, and anything else between
/// them, the dots left out.
fn loose(version: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut chars = version.chars().peekable();
    let mut other = String::new();
    while let Some(&c) = chars.peek() {
        let run: String = if c.is_ascii_digit() {
            std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect()
        } else if c.is_ascii_lowercase() {
            std::iter::from_fn(|| chars.next_if(char::is_ascii_lowercase)).collect()
        } else {
            chars.next();
            if c != '.' {
                other.push(c);
            }
            continue;
        };
        if !other.is_empty() {
            parts.push(Part::Word(std::mem::take(&mut other)));
        }
        parts.push(match run.parse() {
            Ok(n) if run.starts_with(|c: char| c.is_ascii_digit()) => Part::Number(n),
            _ => Part::Word(run),
        });
    }
    if !other.is_empty() {
        parts.push(Part::Word(other));
    }
    parts
}

/// Python's list comparison; `None` where a number meets a word, which Python refuses.
fn compare_parts(a: &[Part], b: &[Part]) -> Option<Ordering> {
    for (x, y) in a.iter().zip(b) {
        let ordering = match (x, y) {
            (Part::Number(x), Part::Number(y)) => x.cmp(y),
            (Part::Word(x), Part::Word(y)) => x.cmp(y),
            _ => return None,
        };
        if ordering != Ordering::Equal {
            return Some(ordering);
        }
    }
    Some(a.len().cmp(&b.len()))
}

/// StrictVersion: numbers, then a pre-release (`a1`, `b2`) that sorts before none.
/// Major, minor, patch, then (0 for a pre-release, its letter, its number) or (1, ' ', 0).
type Strict = (u64, u64, u64, (u8, char, u64));

fn strict(version: &str) -> Result<Strict, VersionError> {
    let bad = || VersionError::NotStrict(version.to_string());
    let re = regex::Regex::new(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$").expect("valid");
    let c = re.captures(version).ok_or_else(bad)?;
    let n = |i: usize| c.get(i).map_or(Ok(0), |m| m.as_str().parse::<u64>()).map_err(|_| bad());
    let pre = match c.get(4) {
        Some(letter) => (0, letter.as_str().chars().next().unwrap_or('a'), n(5)?),
        None => (1, ' ', 0),
    };
    Ok((n(1)?, n(2)?, n(3)?, pre))
}

/// Semantic versions: numbers, then a pre-release that sorts before none; build data ignored.
/// Major, minor, patch, then (no pre-release?, its parts).
type Semver = (u64, u64, u64, (bool, Vec<Part>));

fn semver(version: &str) -> Result<Semver, VersionError> {
    let bad = || VersionError::NotSemantic(version.to_string());
    let core = version.split('+').next().unwrap_or_default();
    let (numbers, pre) = match core.split_once('-') {
        Some((numbers, pre)) => (numbers, Some(pre)),
        None => (core, None),
    };
    let numbers: Vec<u64> =
        numbers.split('.').map(str::parse).collect::<Result<_, _>>().map_err(|_| bad())?;
    let [major, minor, patch] = numbers[..] else { return Err(bad()) };
    let pre = match pre {
        None => (true, Vec::new()),
        Some(pre) => (
            false,
            pre.split('.')
                .map(|p| p.parse().map_or_else(|_| Part::Word(p.into()), Part::Number))
                .collect(),
        ),
    };
    Ok((major, minor, patch, pre))
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Part) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// In a semantic pre-release, a number sorts before a word.
impl Ord for Part {
    fn cmp(&self, other: &Part) -> Ordering {
        match (self, other) {
            (Part::Number(a), Part::Number(b)) => a.cmp(b),
            (Part::Word(a), Part::Word(b)) => a.cmp(b),
            (Part::Number(_), Part::Word(_)) => Ordering::Less,
            (Part::Word(_), Part::Number(_)) => Ordering::Greater,
        }
    }
}
