//! `numarun validate`: a VM plan held against a host's NUMA topology before anything changes,
//! and its placement drawn.

use std::path::PathBuf;

use clap::Args;

use crate::diag::{Diag, DiagKind};
use crate::exit::ExitCode;
use crate::file_error::FileError;

#[derive(Args, Debug)]
pub(super) struct ValidateArgs {
    /// The plan: the homonculus JSON (`virtual_machines: [...]`) or the same in YAML.
    plan: PathBuf,
    /// The host as `virsh capabilities` printed it (default: this machine's sysfs).
    #[arg(long, conflicts_with = "connect")]
    capabilities: Option<PathBuf>,
    /// Ask this libvirt URI for its capabilities.
    #[arg(long)]
    connect: Option<String>,
    /// Memory each NUMA node keeps for the host, in MB.
    #[arg(long, default_value_t = crate::numa::DEFAULT_HOST_RESERVE_MB)]
    host_reserve_mb: u64,
    /// Also write the placement map as SVG.
    #[arg(long)]
    svg: Option<PathBuf>,
}

/// Draws and judges a VM plan; a plan with errors ends as a failed step does.
pub(super) fn validate(args: ValidateArgs) -> Result<ExitCode, Diag> {
    use crate::numa::{Level, Topology, VmPlan, map};
    let plan = VmPlan::load(&args.plan)?;
    let invalid = |message: String| Diag::new(DiagKind::Invalid(message), None);
    let topology = match (&args.capabilities, &args.connect) {
        (Some(path), _) => {
            let xml = std::fs::read_to_string(path).map_err(|e| FileError::read(path, e))?;
            Topology::from_capabilities(&xml)
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?
        }
        (None, Some(uri)) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .map_err(|e| invalid(e.to_string()))?;
            let xml = runtime
                .block_on(async {
                    crate::libvirt::Hypervisor::connect(uri)
                        .await?
                        .call(|conn| conn.capabilities())
                        .await
                })
                .map_err(|e| invalid(e.to_string()))?;
            Topology::from_capabilities(&xml).map_err(|e| invalid(format!("{uri}: {e}")))?
        }
        (None, None) => {
            let dump = std::process::Command::new("/bin/sh")
                .args(["-c", crate::modules::probe::scripts::SYSFS_TOPOLOGY.text(), "sh", "/sys"])
                .output()
                .map_err(|e| invalid(format!("cannot read sysfs: {e}")))?;
            Topology::from_sysfs_dump(&String::from_utf8_lossy(&dump.stdout))
                .map_err(|e| invalid(e.to_string()))?
        }
    };
    let findings = crate::numa::validate(&plan, &topology, args.host_reserve_mb);
    print!("{}", map::text(&plan, &topology));
    for finding in &findings {
        println!("{finding}");
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    println!(
        "{}: {} VM(s), {errors} error(s), {} warning(s)",
        args.plan.display(),
        plan.virtual_machines.len(),
        findings.len() - errors
    );
    if let Some(path) = &args.svg {
        std::fs::write(path, map::svg(&plan, &topology)).map_err(|e| FileError::write(path, e))?;
    }
    Ok(if errors > 0 { ExitCode::Failed } else { ExitCode::Ok })
}
