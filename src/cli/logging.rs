//! numarun's internal diagnostics (`tracing`): spans per run, phase, host and step; connection,
//! keeper and agent events at debug and trace level. Off unless asked for, so a run pays nothing
//! for them: `-vvvv` sends debug to stderr (`-vvvvv` trace), `NUMARUN_LOG` sets the filter
//! (`NUMARUN_LOG=numarun::connection=trace`), `--log-file FILE` writes them to a file. What people
//! read of a run is the events and reporters (`report`), not this.

use std::fs::OpenOptions;
use std::path::Path;

use tracing_subscriber::EnvFilter;

use crate::diag::{Diag, DiagKind};
use crate::file_error::FileError;

/// The variable that sets the filter, as `RUST_LOG` does for other programs.
pub const FILTER_VARIABLE: &str = "NUMARUN_LOG";

/// Starts the diagnostics the command line and environment ask for, if any, for the rest of the
/// process.
pub fn start(verbosity: u8, log_file: Option<&Path>) -> Result<(), Diag> {
    let from_env = std::env::var(FILTER_VARIABLE).ok().filter(|f| !f.trim().is_empty());
    let default = match verbosity {
        _ if from_env.is_some() => None,
        0..=3 if log_file.is_none() => return Ok(()),
        0..=4 => Some("numarun=debug"),
        _ => Some("numarun=trace"),
    };
    let filter = match (&from_env, default) {
        (Some(filter), _) => EnvFilter::try_new(filter).map_err(|e| {
            Diag::new(DiagKind::Invalid(format!("{FILTER_VARIABLE}=`{filter}`: {e}")), None)
        })?,
        (None, Some(default)) => EnvFilter::new(default),
        (None, None) => return Ok(()),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(true);
    let installed = match log_file {
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| FileError::create(path, e))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    // A second start in one process (tests call `main` more than once) keeps the first.
    drop(installed);
    Ok(())
}
