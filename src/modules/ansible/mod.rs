//! Modules that take Ansible's arguments (and aliases) and return its results.

pub(crate) mod assert;
pub(crate) mod blockinfile;
pub(crate) mod command;
pub(crate) mod copy;
pub(crate) mod cron;
pub(crate) mod debug;
pub(crate) mod file;
pub(crate) mod filesystem;
pub(crate) mod include_role;
pub(crate) mod include_tasks;
pub(crate) mod include_vars;
pub(crate) mod lineinfile;
pub(crate) mod meta;
pub(crate) mod mount;
pub(crate) mod package;
pub(crate) mod service;
pub(crate) mod set_fact;
pub(crate) mod setup;
pub(crate) mod setup_facts;
pub(crate) mod setup_storage;
pub(crate) mod sysctl;
pub(crate) mod template;
