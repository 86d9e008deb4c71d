//! Every module by name: what the parser needs to know of each (its free-form argument, the
//! arguments it evaluates itself) and how its arguments become a module.

use serde::de::DeserializeOwned;

use crate::diag::Diag;
use crate::modules::contract::Module;
use crate::modules::doc::ModuleDoc;
use crate::modules::erased::AnyModule;
use crate::modules::{ansible, cluster};
use crate::yaml::{self, Node};

/// Decodes a module's arguments; `lenient` lets Jinja strings stand for any type.
pub type Build = fn(&Node, bool) -> Result<Box<dyn AnyModule>, Diag>;

/// A module as the parser knows it.
pub struct ModuleSpec {
    /// Its short name (`copy`).
    pub name: &'static str,
    /// The argument a bare string becomes: `command: ls` is `command: {cmd: ls}`.
    pub free_form: Option<&'static str>,
    /// Arguments that hold Jinja expressions the module evaluates itself.
    pub raw: &'static [&'static str],
    /// Builds it from its arguments.
    pub build: Build,
    /// Its arguments as a JSON Schema, from the types `build` decodes them into.
    pub arguments: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    /// What it says of itself.
    pub doc: &'static ModuleDoc,
}

impl std::fmt::Debug for ModuleSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn build<M: Module + DeserializeOwned>(
    args: &Node,
    lenient: bool,
) -> Result<Box<dyn AnyModule>, Diag> {
    let module: M = if lenient { yaml::decode_lenient(args)? } else { yaml::decode(args)? };
    if !lenient {
        module.validate(args)?;
    }
    Ok(Box::new(module))
}

fn arguments<M: schemars::JsonSchema>(
    generator: &mut schemars::SchemaGenerator,
) -> schemars::Schema {
    generator.root_schema_for::<M>()
}

const fn spec<M: Module + DeserializeOwned + schemars::JsonSchema>(
    name: &'static str,
    free_form: Option<&'static str>,
    raw: &'static [&'static str],
    doc: &'static ModuleDoc,
) -> ModuleSpec {
    ModuleSpec { name, free_form, raw, build: build::<M>, arguments: arguments::<M>, doc }
}

static MODULES: &[ModuleSpec] = &[
    spec::<ansible::command::CommandModule>(
        "command",
        Some("cmd"),
        &[],
        &ansible::command::COMMAND_DOC,
    ),
    spec::<ansible::command::ShellModule>("shell", Some("cmd"), &[], &ansible::command::SHELL_DOC),
    spec::<ansible::file::FileModule>("file", None, &[], &ansible::file::DOC),
    spec::<ansible::copy::CopyModule>("copy", None, &[], &ansible::copy::DOC),
    spec::<ansible::template::TemplateModule>("template", None, &[], &ansible::template::DOC),
    spec::<ansible::lineinfile::LineInFile>("lineinfile", None, &[], &ansible::lineinfile::DOC),
    spec::<ansible::blockinfile::BlockInFile>("blockinfile", None, &[], &ansible::blockinfile::DOC),
    spec::<ansible::sysctl::Sysctl>("sysctl", None, &[], &ansible::sysctl::DOC),
    spec::<ansible::assert::Assert>("assert", None, &["that"], &ansible::assert::DOC),
    spec::<ansible::set_fact::SetFact>("set_fact", None, &[], &ansible::set_fact::DOC),
    spec::<ansible::include_vars::IncludeVars>(
        "include_vars",
        Some("file"),
        &[],
        &ansible::include_vars::DOC,
    ),
    spec::<ansible::include_tasks::IncludeTasks>(
        "include_tasks",
        Some("file"),
        &[],
        &ansible::include_tasks::DOC,
    ),
    spec::<ansible::include_role::IncludeRole>(
        "include_role",
        None,
        &[],
        &ansible::include_role::DOC,
    ),
    spec::<ansible::meta::Meta>("meta", Some("free_form"), &[], &ansible::meta::DOC),
    spec::<ansible::setup::Setup>("setup", None, &[], &ansible::setup::DOC),
    spec::<ansible::debug::Debug>("debug", None, &["var"], &ansible::debug::DOC),
    spec::<cluster::host_facts::HostFacts>("host_facts", None, &[], &cluster::host_facts::DOC),
    spec::<cluster::vm_plan::VmPlanModule>("vm_plan", None, &[], &cluster::vm_plan::DOC),
    spec::<cluster::libvirt_domain::LibvirtDomain>(
        "libvirt_domain",
        None,
        &[],
        &cluster::libvirt_domain::DOC,
    ),
    spec::<cluster::libvirt_verify::LibvirtVerify>(
        "libvirt_verify",
        None,
        &[],
        &cluster::libvirt_verify::DOC,
    ),
    spec::<cluster::libvirt_disk::LibvirtDisk>(
        "libvirt_disk",
        None,
        &[],
        &cluster::libvirt_disk::DOC,
    ),
    spec::<cluster::qemu_img::QemuImg>("qemu_img", None, &[], &cluster::qemu_img::DOC),
    spec::<cluster::sysfs::Sysfs>("sysfs", None, &[], &cluster::sysfs::DOC),
    spec::<cluster::cloud_init_iso::CloudInitIso>(
        "cloud_init_iso",
        None,
        &[],
        &cluster::cloud_init_iso::DOC,
    ),
    spec::<cluster::base_image::BaseImage>("base_image", None, &[], &cluster::base_image::DOC),
    spec::<cluster::libvirt_address::LibvirtAddress>(
        "libvirt_address",
        None,
        &[],
        &cluster::libvirt_address::DOC,
    ),
    spec::<ansible::filesystem::Filesystem>("filesystem", None, &[], &ansible::filesystem::DOC),
    spec::<ansible::mount::Mount>("mount", None, &[], &ansible::mount::DOC),
    spec::<ansible::package::Package>("apt", None, &[], &ansible::package::APT_DOC),
    spec::<ansible::package::Package>("package", None, &[], &ansible::package::PACKAGE_DOC),
    spec::<ansible::service::Service>("service", None, &[], &ansible::service::DOC),
    spec::<ansible::service::Service>("systemd", None, &[], &ansible::service::DOC),
    spec::<ansible::service::Service>("systemd_service", None, &[], &ansible::service::DOC),
    spec::<ansible::cron::Cron>("cron", None, &[], &ansible::cron::DOC),
    spec::<ansible::stat::Stat>("stat", None, &[], &ansible::stat::DOC),
    spec::<ansible::find::Find>("find", None, &[], &ansible::find::DOC),
    spec::<ansible::fetch::Fetch>("fetch", None, &[], &ansible::fetch::DOC),
    spec::<ansible::pause::Pause>("pause", None, &[], &ansible::pause::DOC),
    spec::<ansible::wait_for::WaitFor>("wait_for", None, &[], &ansible::wait_for::DOC),
    spec::<ansible::wait_for_connection::WaitForConnection>(
        "wait_for_connection",
        None,
        &[],
        &ansible::wait_for_connection::DOC,
    ),
    spec::<ansible::user::User>("user", None, &[], &ansible::user::DOC),
    spec::<ansible::get_url::GetUrl>("get_url", None, &[], &ansible::get_url::DOC),
    spec::<ansible::uri::Uri>("uri", None, &[], &ansible::uri::DOC),
    spec::<ansible::known_hosts::KnownHosts>("known_hosts", None, &[], &ansible::known_hosts::DOC),
    spec::<ansible::unarchive::Unarchive>("unarchive", None, &[], &ansible::unarchive::DOC),
    spec::<ansible::group::GroupModule>("group", None, &[], &ansible::group::DOC),
    spec::<ansible::fail::Fail>("fail", None, &[], &ansible::fail::DOC),
    spec::<ansible::slurp::Slurp>("slurp", None, &[], &ansible::slurp::DOC),
    spec::<ansible::replace::Replace>("replace", None, &[], &ansible::replace::DOC),
    spec::<ansible::tempfile::TempFile>("tempfile", None, &[], &ansible::tempfile::DOC),
    spec::<ansible::hostname::Hostname>("hostname", None, &[], &ansible::hostname::DOC),
    spec::<ansible::reboot::Reboot>("reboot", None, &[], &ansible::reboot::DOC),
    spec::<ansible::apt_repository::AptRepository>(
        "apt_repository",
        None,
        &[],
        &ansible::apt_repository::DOC,
    ),
    spec::<ansible::apt_key::AptKey>("apt_key", None, &[], &ansible::apt_key::DOC),
    spec::<ansible::deb822_repository::Deb822Repository>(
        "deb822_repository",
        None,
        &[],
        &ansible::deb822_repository::DOC,
    ),
    spec::<cluster::numa_locality::NumaLocality>(
        "numa_locality",
        None,
        &[],
        &cluster::numa_locality::DOC,
    ),
    spec::<cluster::perf_report::PerfReport>("perf_report", None, &[], &cluster::perf_report::DOC),
];

/// Finds a module by its short or fully qualified Ansible name.
pub fn lookup(name: &str) -> Option<&'static ModuleSpec> {
    let short = crate::model::step::short_module_name(name);
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
