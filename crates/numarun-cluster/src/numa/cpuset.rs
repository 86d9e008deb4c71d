//! CPU lists as Linux and libvirt write them: `0-3,8,10-11`.

use std::collections::BTreeSet;
use std::fmt;

/// A set of CPU (or NUMA node) numbers, as libvirt writes it: `0-3,8,10-11`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuSet(BTreeSet<u32>);

/// A CPU list that does not parse.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("`{text}` is not a CPU list like `0-3,8`: {why}")]
pub struct CpuSetError {
    text: String,
    why: &'static str,
}

impl CpuSet {
    /// Parses `0-3,8,^2` (ranges, single numbers, exclusions).
    pub fn parse(text: &str) -> Result<CpuSet, CpuSetError> {
        let fail = |why| CpuSetError { text: text.to_string(), why };
        let mut set = BTreeSet::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (first, last) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let first: u32 = first.parse().map_err(|_| fail("a bound is not a number"))?;
            let last: u32 = last.parse().map_err(|_| fail("a bound is not a number"))?;
            if last < first {
                return Err(fail("a range runs backwards"));
            }
            set.extend(first..=last);
        }
        Ok(CpuSet(set))
    }

    /// Whether the set holds `cpu`.
    pub fn contains(&self, cpu: u32) -> bool {
        self.0.contains(&cpu)
    }

    /// The numbers, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().copied()
    }

    /// How many numbers it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a number.
    pub fn insert(&mut self, cpu: u32) {
        self.0.insert(cpu);
    }

    /// Whether every number is in `other` too.
    pub fn is_subset(&self, other: &CpuSet) -> bool {
        self.0.is_subset(&other.0)
    }
}

impl FromIterator<u32> for CpuSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> CpuSet {
        CpuSet(iter.into_iter().collect())
    }
}

/// The shortest form: runs become ranges.
impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cpus = self.0.iter().copied().peekable();
        let mut first = true;
        while let Some(start) = cpus.next() {
            let mut end = start;
            while cpus.peek() == Some(&(end + 1)) {
                end = cpus.next().unwrap_or(end);
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if end == start { write!(f, "{start}")? } else { write!(f, "{start}-{end}")? }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_in_their_shortest_form() {
        let set = CpuSet::parse("16-17,52-53, 3,4,5").unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), [3, 4, 5, 16, 17, 52, 53]);
        assert_eq!(set.to_string(), "3-5,16-17,52-53");
        assert_eq!(CpuSet::parse("").unwrap(), CpuSet::default());
    }

    #[test]
    fn bad_lists_say_why() {
        assert_eq!(
            CpuSet::parse("3-1").unwrap_err().to_string(),
            "`3-1` is not a CPU list like `0-3,8`: a range runs backwards"
        );
        assert!(CpuSet::parse("a-b").is_err());
    }
}
