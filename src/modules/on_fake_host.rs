//! Module logic run against a host in memory (`connection::fake`), for unit tests that need no
//! real host: check, apply what it plans, check again, as the engine does.

use std::path::PathBuf;
use std::sync::Arc;

use super::contract::Check;
use super::host_reader::{HostReader, StepAccess};
use super::host_writer::HostWriter;
use super::registry;
use crate::connection::fake::FakeHost;
use crate::diag::Source;
use crate::redact::Redactor;
use crate::template::{Scope, Templater};

/// What one pass said: `ok`, `changed: SUMMARY`, `unknown: WHY` or `failed: WHY`.
pub async fn pass(host: &FakeHost, module: &str, args: &str) -> String {
    let spec = registry::lookup(module).unwrap_or_else(|| panic!("no module {module}"));
    let node = crate::yaml::load_str(Source::new(module, args.to_string())).unwrap();
    let entry = spec.module().unwrap_or_else(|| panic!("{module} is not a module"));
    let module = (entry.build)(&node, false).unwrap_or_else(|e| panic!("{module}: {e}"));
    let scope = Scope::new(Arc::new(Templater::new()), Vec::new());
    let secrets = Redactor::default();
    let search_dirs: Vec<PathBuf> = Vec::new();
    let access = || StepAccess {
        connection: host,
        env: &[],
        scope: &scope,
        search_dirs: &search_dirs,
        span: &node.span,
        secrets: &secrets,
    };
    match module.check(&HostReader::for_check(access())).await {
        Ok(Check::Ok(outcome)) if outcome.failed => format!("failed: {:?}", outcome.msg),
        Ok(Check::Ok(_)) => "ok".into(),
        Ok(Check::Unknown(why, _)) => format!("unknown: {why}"),
        Ok(Check::Change(change, plan) | Check::Always(change, plan)) => {
            match module.apply(plan, &HostWriter::new(access())).await {
                Ok(_) => format!("changed: {}", change.summary),
                Err(error) => format!("failed: {error}"),
            }
        }
        Err(error) => format!("failed: {error}"),
    }
}

/// Two passes, as a run and its rerun: the first must change, the second must not.
pub async fn converges(host: &FakeHost, module: &str, args: &str) -> String {
    let first = pass(host, module, args).await;
    assert!(first.starts_with("changed"), "{module} {args}: the first pass said {first}");
    let second = pass(host, module, args).await;
    assert_eq!(second, "ok", "{module} {args}: the second pass changed again");
    first
}
