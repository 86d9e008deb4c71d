//! Hosts over SSH (russh): one connection per host, opened once and reused by
//! every step (and by later runs, through the keeper, under `ControlPersist`);
//! commands run in a long-lived shell per privilege on it.

mod auth;
mod connection;
mod host_keys;
pub mod keeper;
mod link;
mod pipe;
mod prefetch;
mod process_event;
mod remote_agent;
mod remote_process;
mod remote_shell;
mod session;
mod settings;
mod via;

pub use connection::SshConnection;
pub use host_keys::Policy;
pub use session::SshSession;
pub use settings::SshSettings;
