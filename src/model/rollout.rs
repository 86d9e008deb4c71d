//! How a play rolls out over its hosts: `serial` batches (a count, a percentage of the play's
//! hosts, or a list of them, its last repeated), and when a batch's failures stop the whole run
//! (`max_fail_percentage`, `any_errors_fatal`), as ansible-core reads them; `strategy`, which
//! numarun has one of.

use crate::diag::Diag;
use crate::yaml::{Fields, Node, NodeKind};

/// One `serial` entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchSize {
    /// So many hosts.
    Hosts(usize),
    /// This share of the play's hosts (rounded down, at least one).
    Percent(f64),
}

/// A play's rollout keywords.
#[derive(Debug, Clone, Default)]
pub struct Rollout {
    /// Empty: every host in one batch.
    pub serial: Vec<BatchSize>,
    /// A batch in which more than this share of hosts failed stops the run.
    pub max_fail_percentage: Option<f64>,
    /// Any failure stops the play's other hosts before their next step, and the run after.
    pub any_errors_fatal: bool,
}

/// The keywords this file reads.
pub const ROLLOUT_KEYS: &[&str] =
    &["serial", "max_fail_percentage", "any_errors_fatal", "strategy"];

impl Rollout {
    /// Reads the play's rollout keywords.
    pub fn take(fields: &mut Fields) -> Result<Rollout, Diag> {
        let serial = match fields.take(&["serial"]) {
            None => Vec::new(),
            Some(node) => match &node.kind {
                NodeKind::Seq(items) => items.iter().map(batch_size).collect::<Result<_, _>>()?,
                _ => vec![batch_size(node)?],
            },
        };
        let max_fail_percentage = match fields.take(&["max_fail_percentage"]) {
            None => None,
            Some(node) => Some(percent(node, &node.scalar_text())?),
        };
        let any_errors_fatal = fields.get::<bool>("any_errors_fatal")?.unwrap_or(false);
        // Each host runs a play's steps on its own, which is Ansible's `free` strategy.
        if let Some(strategy) = fields.take(&["strategy"])
            && strategy.as_str() != Some("free")
        {
            let message = format!(
                "strategy `{}`: numarun runs each host through a play on its own, as Ansible's \
                 `free`",
                strategy.scalar_text()
            );
            return Err(Diag::invalid(&strategy.span, message).with_help(
                "write `strategy: free`, or leave it out; `serial: 1` runs one host at a time",
            ));
        }
        Ok(Rollout { serial, max_fail_percentage, any_errors_fatal })
    }

    /// The play's hosts in batches, in order.
    pub fn batches(&self, hosts: &[String]) -> Vec<Vec<String>> {
        if self.serial.is_empty() || hosts.is_empty() {
            return vec![hosts.to_vec()];
        }
        let size_of = |size: BatchSize| match size {
            BatchSize::Hosts(n) => n.max(1),
            BatchSize::Percent(p) => ((hosts.len() as f64 * p / 100.0) as usize).max(1),
        };
        let mut batches = Vec::new();
        let mut rest = hosts;
        let mut sizes = self.serial.iter().copied();
        let last = *self.serial.last().expect("not empty");
        while !rest.is_empty() {
            let size = size_of(sizes.next().unwrap_or(last)).min(rest.len());
            let (batch, after) = rest.split_at(size);
            batches.push(batch.to_vec());
            rest = after;
        }
        batches
    }

    /// Whether a batch with `failed` of its `size` hosts failed stops the run.
    pub fn stops_after(&self, failed: usize, size: usize) -> bool {
        let over = |limit: f64| size > 0 && failed as f64 * 100.0 / size as f64 > limit;
        (self.any_errors_fatal && failed > 0) || self.max_fail_percentage.is_some_and(over)
    }
}

fn batch_size(node: &Node) -> Result<BatchSize, Diag> {
    match &node.kind {
        NodeKind::Int(n) if *n >= 0 => Ok(BatchSize::Hosts(*n as usize)),
        NodeKind::Str(text) if text.trim().ends_with('%') => {
            Ok(BatchSize::Percent(percent(node, text.trim().trim_end_matches('%'))?))
        }
        NodeKind::Str(text) if text.trim().parse::<usize>().is_ok() => {
            Ok(BatchSize::Hosts(text.trim().parse().expect("checked")))
        }
        _ => Err(Diag::invalid(
            &node.span,
            format!(
                "`serial` takes a count of hosts or a percentage, not `{}`",
                node.scalar_text()
            ),
        )
        .with_help("serial: 2, serial: \"30%\", or a list of them: [1, 5, \"20%\"]")),
    }
}

fn percent(node: &Node, text: &str) -> Result<f64, Diag> {
    text.trim().parse::<f64>().ok().filter(|p| (0.0..=100.0).contains(p)).ok_or_else(|| {
        Diag::invalid(&node.span, format!("`{text}` is not a percentage from 0 to 100"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("h{i}")).collect()
    }

    fn sizes(serial: Vec<BatchSize>, n: usize) -> Vec<usize> {
        Rollout { serial, ..Rollout::default() }.batches(&hosts(n)).iter().map(Vec::len).collect()
    }

    #[test]
    fn batches_as_ansible_cuts_them() {
        assert_eq!(sizes(vec![], 4), vec![4]);
        assert_eq!(sizes(vec![BatchSize::Hosts(1), BatchSize::Percent(50.0)], 4), vec![1, 2, 1]);
        assert_eq!(sizes(vec![BatchSize::Percent(30.0)], 10), vec![3, 3, 3, 1]);
        assert_eq!(sizes(vec![BatchSize::Percent(10.0)], 3), vec![1, 1, 1]);
        assert_eq!(sizes(vec![BatchSize::Hosts(0)], 2), vec![1, 1]);
    }

    #[test]
    fn a_batch_stops_the_run_past_its_limit() {
        let limited = Rollout { max_fail_percentage: Some(50.0), ..Rollout::default() };
        assert!(!limited.stops_after(1, 2));
        assert!(limited.stops_after(2, 3));
        let fatal = Rollout { any_errors_fatal: true, ..Rollout::default() };
        assert!(fatal.stops_after(1, 10));
        assert!(!fatal.stops_after(0, 10));
    }
}
