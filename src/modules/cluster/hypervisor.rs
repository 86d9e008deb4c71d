//! Which libvirt a cluster module talks to: the one on the machine its step runs on. The same
//! modules write images and seeds through the step's host; a domain defined through another
//! machine's libvirt would point at files that are not there.

use crate::libvirt::Hypervisor;
use crate::libvirt::view::HypervisorView;
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;

/// The system libvirt of the machine numarun runs on.
pub fn default_uri() -> String {
    "qemu:///system".into()
}

/// A URI that names this machine's libvirt: no remote transport and no host
/// (`qemu:///system`, `qemu+unix:///system`, `test:///default`).
fn is_local(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else { return true };
    let transport_is_local =
        scheme.split_once('+').is_none_or(|(_, transport)| transport == "unix");
    let host = rest.split('/').next().unwrap_or_default();
    transport_is_local && host.is_empty()
}

/// The libvirt at `uri` as a check sees it, read only (see `connect_to_change`).
pub async fn connect(host: &HostReader<'_>, uri: &str) -> Result<HypervisorView, ModuleError> {
    open(host, uri).await.map(HypervisorView::of)
}

/// The libvirt at `uri` for an apply, which may change it: only an apply has a `HostWriter`.
pub async fn connect_to_change(
    host: &HostWriter<'_>,
    uri: &str,
) -> Result<Hypervisor, ModuleError> {
    open(host, uri).await
}

/// Connects to the libvirt at `uri` for a step on `host`. A local URI is accepted only when the
/// step runs on this machine (`ansible_connection: local`); a remote one (`qemu+ssh://…`) is
/// the user's statement of where the hypervisor is.
async fn open(host: &HostReader<'_>, uri: &str) -> Result<Hypervisor, ModuleError> {
    if is_local(uri) && !host.is_local() {
        return Err(ModuleError::failed(format!(
            "`{uri}` is the libvirt of the machine numarun runs on, but this step runs on another host: \
             run numarun on the hypervisor itself (ansible_connection: local), or name its libvirt (`uri: qemu+ssh://…`)"
        )));
    }
    Hypervisor::connect(uri).await.map_err(ModuleError::failed)
}

#[cfg(test)]
mod tests {
    use super::is_local;

    #[test]
    fn local_uris_name_no_host_and_no_remote_transport() {
        for uri in ["qemu:///system", "qemu:///session", "qemu+unix:///system", "test:///default"] {
            assert!(is_local(uri), "{uri}");
        }
        for uri in
            ["qemu+ssh://root@server/system", "qemu://server/system", "qemu+tls://server/system"]
        {
            assert!(!is_local(uri), "{uri}");
        }
    }
}
