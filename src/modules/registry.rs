//! Every module by name: what the parser needs to know of each (its free-form argument, the
//! arguments it evaluates itself) and how its arguments become a module.

use serde::de::DeserializeOwned;

use crate::diag::Diag;
use crate::modules::contract::Module;
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

const fn spec<M: Module + DeserializeOwned>(
    name: &'static str,
    free_form: Option<&'static str>,
    raw: &'static [&'static str],
) -> ModuleSpec {
    ModuleSpec { name, free_form, raw, build: build::<M> }
}

static MODULES: &[ModuleSpec] = &[
    spec::<ansible::command::CommandModule>("command", Some("cmd"), &[]),
    spec::<ansible::command::ShellModule>("shell", Some("cmd"), &[]),
    spec::<ansible::file::FileModule>("file", None, &[]),
    spec::<ansible::copy::CopyModule>("copy", None, &[]),
    spec::<ansible::template::TemplateModule>("template", None, &[]),
    spec::<ansible::lineinfile::LineInFile>("lineinfile", None, &[]),
    spec::<ansible::blockinfile::BlockInFile>("blockinfile", None, &[]),
    spec::<ansible::sysctl::Sysctl>("sysctl", None, &[]),
    spec::<ansible::assert::Assert>("assert", None, &["that"]),
    spec::<ansible::set_fact::SetFact>("set_fact", None, &[]),
    spec::<ansible::include_vars::IncludeVars>("include_vars", Some("file"), &[]),
    spec::<ansible::include_tasks::IncludeTasks>("include_tasks", Some("file"), &[]),
    spec::<ansible::include_role::IncludeRole>("include_role", None, &[]),
    spec::<ansible::meta::Meta>("meta", Some("free_form"), &[]),
    spec::<ansible::setup::Setup>("setup", None, &[]),
    spec::<ansible::debug::Debug>("debug", None, &["var"]),
    spec::<cluster::host_facts::HostFacts>("host_facts", None, &[]),
    spec::<cluster::vm_plan::VmPlanModule>("vm_plan", None, &[]),
    spec::<cluster::libvirt_domain::LibvirtDomain>("libvirt_domain", None, &[]),
    spec::<cluster::libvirt_verify::LibvirtVerify>("libvirt_verify", None, &[]),
    spec::<cluster::libvirt_disk::LibvirtDisk>("libvirt_disk", None, &[]),
    spec::<cluster::qemu_img::QemuImg>("qemu_img", None, &[]),
    spec::<cluster::sysfs::Sysfs>("sysfs", None, &[]),
    spec::<cluster::cloud_init_iso::CloudInitIso>("cloud_init_iso", None, &[]),
    spec::<cluster::base_image::BaseImage>("base_image", None, &[]),
    spec::<cluster::libvirt_address::LibvirtAddress>("libvirt_address", None, &[]),
    spec::<ansible::filesystem::Filesystem>("filesystem", None, &[]),
    spec::<ansible::mount::Mount>("mount", None, &[]),
    spec::<ansible::package::Package>("apt", None, &[]),
    spec::<ansible::package::Package>("package", None, &[]),
    spec::<ansible::service::Service>("service", None, &[]),
    spec::<ansible::service::Service>("systemd", None, &[]),
    spec::<ansible::service::Service>("systemd_service", None, &[]),
    spec::<ansible::cron::Cron>("cron", None, &[]),
    spec::<ansible::stat::Stat>("stat", None, &[]),
    spec::<ansible::find::Find>("find", None, &[]),
    spec::<ansible::fetch::Fetch>("fetch", None, &[]),
    spec::<ansible::pause::Pause>("pause", None, &[]),
    spec::<ansible::wait_for::WaitFor>("wait_for", None, &[]),
    spec::<ansible::wait_for_connection::WaitForConnection>("wait_for_connection", None, &[]),
    spec::<ansible::user::User>("user", None, &[]),
    spec::<ansible::get_url::GetUrl>("get_url", None, &[]),
    spec::<ansible::uri::Uri>("uri", None, &[]),
    spec::<ansible::known_hosts::KnownHosts>("known_hosts", None, &[]),
    spec::<ansible::unarchive::Unarchive>("unarchive", None, &[]),
    spec::<ansible::group::GroupModule>("group", None, &[]),
    spec::<ansible::fail::Fail>("fail", None, &[]),
    spec::<ansible::slurp::Slurp>("slurp", None, &[]),
    spec::<ansible::replace::Replace>("replace", None, &[]),
    spec::<ansible::tempfile::TempFile>("tempfile", None, &[]),
    spec::<ansible::hostname::Hostname>("hostname", None, &[]),
    spec::<ansible::reboot::Reboot>("reboot", None, &[]),
    spec::<ansible::apt_repository::AptRepository>("apt_repository", None, &[]),
    spec::<ansible::apt_key::AptKey>("apt_key", None, &[]),
    spec::<ansible::deb822_repository::Deb822Repository>("deb822_repository", None, &[]),
    spec::<cluster::numa_locality::NumaLocality>("numa_locality", None, &[]),
    spec::<cluster::perf_report::PerfReport>("perf_report", None, &[]),
];

/// Finds a module by its short or fully qualified Ansible name.
pub fn lookup(name: &str) -> Option<&'static ModuleSpec> {
    let short = crate::model::step::short_module_name(name);
    MODULES.iter().find(|m| m.name == short)
}

/// Every module's short name.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|m| m.name)
}
