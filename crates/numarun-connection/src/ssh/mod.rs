//! Hosts over SSH (russh): one connection per host, opened once and reused by
//! every step (and by later runs, through the keeper, under `ControlPersist`);
//! commands run in a long-lived shell per privilege on it.

mod auth;
mod connection;
mod direct_ssh;
mod host_keys;
pub mod keeper;
mod prefetch;
mod process_event;
mod remote_agent;
mod remote_process;
mod remote_shell;
mod remote_streams;
mod session;
mod settings;
mod transport;

pub use connection::SshConnection;
pub use host_keys::Policy;
pub use session::SshSession;
pub use settings::SshSettings;
