//! Modules behind one type: the engine holds any module as `Box<dyn AnyModule>` and passes its
//! plan back to it without knowing the plan's type.

use std::any::Any;

use async_trait::async_trait;

use super::contract::{Check, Module, Outcome};
use super::error::ModuleError;
use super::host_reader::HostReader;
use super::host_writer::HostWriter;
use crate::connection::PlannedRead;

/// A module's plan, its type hidden from the engine.
pub struct AnyPlan(Box<dyn Any + Send + Sync>);

impl std::fmt::Debug for AnyPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnyPlan")
    }
}

/// Any module, as the engine runs it.
#[async_trait]
pub trait AnyModule: Send + Sync + std::fmt::Debug {
    /// `Module::check`, its plan hidden.
    async fn check(&self, host: &HostReader<'_>) -> Result<Check<AnyPlan>, ModuleError>;
    /// `Module::apply`, with a plan this module's check returned.
    async fn apply(&self, plan: AnyPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError>;
    /// `Module::planned_reads`.
    fn planned_reads(&self) -> Vec<PlannedRead>;
}

#[async_trait]
impl<M: Module> AnyModule for M {
    async fn check(&self, host: &HostReader<'_>) -> Result<Check<AnyPlan>, ModuleError> {
        Ok(Module::check(self, host).await?.map_plan(|plan| AnyPlan(Box::new(plan))))
    }

    async fn apply(&self, plan: AnyPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        // The engine hands a plan only to the module whose check made it.
        let plan =
            plan.0.downcast::<M::Plan>().expect("a plan goes back to the module that made it");
        Module::apply(self, *plan, host).await
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        Module::planned_reads(self)
    }
}
