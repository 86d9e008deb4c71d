//! The runner's own behaviour on this machine, in one test binary (as cargo's own testsuite is
//! one): the structure, error messages, the engine, the NUMA domain, the reference pages and
//! schema, shell help, the report page, hostile input, the read-only check, prompts, quoting,
//! secrets and durable writes. The suites that need the lab or ansible-core, or that change the
//! machine's accounts and packages, stay binaries of their own: their tests must not run side by
//! side with these.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod docs;
mod durable_writes;
mod engine;
mod errors;
mod hostile_input;
mod numa;
mod prompts;
mod quoting;
mod read_only_check;
mod reference;
mod report_page;
mod secrets;
mod shell_help;
