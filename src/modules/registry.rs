//! Every task action by name: the modules, and the actions the engine carries out itself. Each
//! entry is read from its type (`Action`: name, free form, doc; `Module` or `EngineTask`: what
//! the engine does with it), so adding a module is its file and one line here.

use std::time::Duration;

use crate::diag::Diag;
use crate::modules::action::{Action, EngineAction, EngineTask};
use crate::modules::contract::Module;
use crate::modules::doc::ModuleDoc;
use crate::modules::erased::AnyModule;
use crate::modules::{ansible, cluster};
use crate::yaml::{self, Node};

/// Decodes a module's arguments; `lenient` lets Jinja strings stand for any type.
pub type Build = fn(&Node, bool) -> Result<Box<dyn AnyModule>, Diag>;

/// An action a task can name, as the loader and the engine know it.
pub struct ModuleSpec {
    /// Its short name (`copy`).
    pub name: &'static str,
    /// The argument a bare string becomes: `command: ls` is `command: {cmd: ls}`.
    pub free_form: Option<&'static str>,
    /// Arguments that hold Jinja expressions the action evaluates itself.
    pub templated_by_itself: &'static [&'static str],
    /// Decodes and checks its arguments (`lenient`: Jinja strings may stand for any type).
    pub decode_arguments: fn(&Node, bool) -> Result<(), Diag>,
    /// Its arguments as a JSON Schema, from the types they are decoded into.
    pub arguments: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    /// What it says of itself.
    pub doc: &'static ModuleDoc,
    /// What the engine does with a step that names it.
    pub kind: StepKind,
}

/// What a step is, for the engine.
#[derive(Clone, Copy)]
pub enum StepKind {
    /// A module: checked, applied, checked again.
    Module(ModuleEntry),
    /// Something the engine carries out itself.
    Engine(EngineAction),
}

/// What the engine needs of a module beyond running it.
#[derive(Clone, Copy)]
pub struct ModuleEntry {
    /// Builds it from its arguments.
    pub build: Build,
    /// Once it ran, the host's facts are gathered (`Module::GATHERS_FACTS`).
    pub gathers_facts: bool,
    /// How long a play that begins with it waits for a host to answer
    /// (`Module::connection_patience`).
    pub connection_patience: fn(&Node) -> Option<Duration>,
}

impl ModuleSpec {
    /// The module behind it, when it is one.
    pub fn module(&self) -> Option<&ModuleEntry> {
        match &self.kind {
            StepKind::Module(entry) => Some(entry),
            StepKind::Engine(_) => None,
        }
    }

    /// The engine's own action, when it is one.
    pub fn engine_action(&self) -> Option<EngineAction> {
        match self.kind {
            StepKind::Engine(action) => Some(action),
            StepKind::Module(_) => None,
        }
    }
}

impl std::fmt::Debug for ModuleSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn decode<A: Action>(args: &Node, lenient: bool) -> Result<A, Diag> {
    if lenient { yaml::decode_lenient(args) } else { yaml::decode(args) }
}

fn build<M: Module + Action>(args: &Node, lenient: bool) -> Result<Box<dyn AnyModule>, Diag> {
    let module: M = decode(args, lenient)?;
    if !lenient {
        module.validate(args)?;
    }
    Ok(Box::new(module))
}

fn decode_module<M: Module + Action>(args: &Node, lenient: bool) -> Result<(), Diag> {
    build::<M>(args, lenient).map(drop)
}

fn decode_engine_task<E: EngineTask>(args: &Node, lenient: bool) -> Result<(), Diag> {
    let step: E = decode(args, lenient)?;
    if lenient { Ok(()) } else { step.validate(args) }
}

fn arguments<A: Action>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<A>()
}

/// What every entry reads from its action's type; `kind` and how its arguments are decoded are
/// what a module and an engine action do differently.
const fn entry<A: Action>(
    decode_arguments: fn(&Node, bool) -> Result<(), Diag>,
    kind: StepKind,
) -> ModuleSpec {
    ModuleSpec {
        name: A::NAME,
        free_form: A::FREE_FORM,
        templated_by_itself: A::TEMPLATED_BY_ITSELF,
        decode_arguments,
        arguments: arguments::<A>,
        doc: A::DOC,
        kind,
    }
}

/// A module's entry, read from its type.
const fn module<M: Module + Action>() -> ModuleSpec {
    let kind = StepKind::Module(ModuleEntry {
        build: build::<M>,
        gathers_facts: M::GATHERS_FACTS,
        connection_patience: M::connection_patience,
    });
    entry::<M>(decode_module::<M>, kind)
}

/// An engine action's entry, read from its type.
const fn engine<E: EngineTask>() -> ModuleSpec {
    entry::<E>(decode_engine_task::<E>, StepKind::Engine(E::STEP))
}

static MODULES: &[ModuleSpec] = &[
    module::<ansible::command::CommandModule>(),
    module::<ansible::command::ShellModule>(),
    module::<ansible::file::FileModule>(),
    module::<ansible::copy::CopyModule>(),
    module::<ansible::template::TemplateModule>(),
    module::<ansible::lineinfile::LineInFile>(),
    module::<ansible::blockinfile::BlockInFile>(),
    module::<ansible::sysctl::Sysctl>(),
    module::<ansible::assert::Assert>(),
    module::<ansible::set_fact::SetFact>(),
    module::<ansible::include_vars::IncludeVars>(),
    engine::<ansible::include_tasks::IncludeTasks>(),
    engine::<ansible::include_role::IncludeRole>(),
    engine::<ansible::meta::Meta>(),
    module::<ansible::setup::Setup>(),
    module::<ansible::debug::Debug>(),
    module::<cluster::host_facts::HostFacts>(),
    module::<cluster::vm_plan::VmPlanModule>(),
    module::<cluster::libvirt_domain::LibvirtDomain>(),
    module::<cluster::libvirt_verify::LibvirtVerify>(),
    module::<cluster::libvirt_disk::LibvirtDisk>(),
    module::<cluster::qemu_img::QemuImg>(),
    module::<cluster::sysfs::Sysfs>(),
    module::<cluster::cloud_init_iso::CloudInitIso>(),
    module::<cluster::base_image::BaseImage>(),
    module::<cluster::libvirt_address::LibvirtAddress>(),
    module::<ansible::filesystem::Filesystem>(),
    module::<ansible::mount::Mount>(),
    module::<ansible::package::Package>(),
    ModuleSpec {
        name: "package",
        doc: &ansible::package::PACKAGE_DOC,
        ..module::<ansible::package::Package>()
    },
    module::<ansible::service::Service>(),
    ModuleSpec { name: "systemd", ..module::<ansible::service::Service>() },
    ModuleSpec { name: "systemd_service", ..module::<ansible::service::Service>() },
    module::<ansible::cron::Cron>(),
    module::<ansible::stat::StatModule>(),
    module::<ansible::find::Find>(),
    module::<ansible::fetch::FetchModule>(),
    module::<ansible::pause::Pause>(),
    module::<ansible::wait_for::WaitFor>(),
    module::<ansible::wait_for_connection::WaitForConnection>(),
    module::<ansible::user::User>(),
    module::<ansible::get_url::GetUrl>(),
    module::<ansible::uri::Uri>(),
    module::<ansible::known_hosts::KnownHosts>(),
    module::<ansible::unarchive::Unarchive>(),
    module::<ansible::group::GroupModule>(),
    module::<ansible::fail::Fail>(),
    module::<ansible::slurp::Slurp>(),
    module::<ansible::replace::Replace>(),
    module::<ansible::tempfile::TempFile>(),
    module::<ansible::hostname::Hostname>(),
    module::<ansible::reboot::Reboot>(),
    module::<ansible::apt_repository::AptRepository>(),
    module::<ansible::apt_key::AptKey>(),
    module::<ansible::deb822_repository::Deb822Repository>(),
    module::<cluster::numa_locality::NumaLocality>(),
    module::<cluster::perf_report::PerfReport>(),
];

/// Finds a module by its short or fully qualified Ansible name.
pub fn lookup(name: &str) -> Option<&'static ModuleSpec> {
    let short = crate::model::task::short_module_name(name);
    MODULES.iter().find(|m| m.name == short)
}

/// Every module.
pub fn all() -> impl Iterator<Item = &'static ModuleSpec> {
    MODULES.iter()
}

/// Every module's short name.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|m| m.name)
}
