//! libvirt through the `virt` crate. Its calls block, so each runs on tokio's blocking pool;
//! one connection per URI serves the whole run (the `test:///` driver keeps its state only as
//! long as its connection lives).

pub mod domain_xml;
pub mod leases;
pub mod pins;
pub mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Once, OnceLock};

use virt::connect::Connect;

/// A libvirt call that failed.
#[derive(Debug, thiserror::Error)]
pub enum LibvirtError {
    /// libvirt said no.
    #[error("libvirt ({uri}): {message}")]
    Call {
        /// The hypervisor it was asked of.
        uri: String,
        /// What libvirt said.
        message: String,
    },
}

/// An open connection to one hypervisor URI.
#[derive(Clone)]
pub struct Hypervisor {
    uri: String,
    conn: Arc<Connect>,
}

impl std::fmt::Debug for Hypervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hypervisor({})", self.uri)
    }
}

impl Hypervisor {
    /// The run's connection to `uri`, opened on first use.
    pub async fn connect(uri: &str) -> Result<Hypervisor, LibvirtError> {
        static OPEN: OnceLock<Mutex<HashMap<String, Hypervisor>>> = OnceLock::new();
        static QUIET: Once = Once::new();
        // libvirt prints every error to stderr by default; ours are reported as step results.
        QUIET.call_once(virt::error::clear_error_callback);
        let open = OPEN.get_or_init(Default::default);
        if let Some(hypervisor) = open.lock().unwrap_or_else(|e| e.into_inner()).get(uri) {
            return Ok(hypervisor.clone());
        }
        let owned = uri.to_string();
        let conn = blocking(uri, move || Connect::open(Some(&owned))).await?;
        let hypervisor = Hypervisor { uri: uri.to_string(), conn: Arc::new(conn) };
        open.lock().unwrap_or_else(|e| e.into_inner()).insert(uri.to_string(), hypervisor.clone());
        Ok(hypervisor)
    }

    /// The hypervisor's URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Runs a libvirt call off the async workers.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connect) -> Result<T, virt::error::Error> + Send + 'static,
    ) -> Result<T, LibvirtError> {
        let conn = Arc::clone(&self.conn);
        blocking(&self.uri, move || f(&conn)).await
    }
}

async fn blocking<T: Send + 'static>(
    uri: &str,
    f: impl FnOnce() -> Result<T, virt::error::Error> + Send + 'static,
) -> Result<T, LibvirtError> {
    let result = tokio::task::spawn_blocking(f).await;
    let fail = |message: String| LibvirtError::Call { uri: uri.to_string(), message };
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(fail(e.message().to_string())),
        Err(e) => Err(fail(format!("the libvirt call did not finish: {e}"))),
    }
}

/// The domain called `name`, if there is one.
pub fn find_domain(
    conn: &Connect,
    name: &str,
) -> Result<Option<virt::domain::Domain>, virt::error::Error> {
    match conn.lookup_domain_by_name(name) {
        Ok(domain) => Ok(Some(domain)),
        Err(e) if e.code().to_raw() == virt::sys::VIR_ERR_NO_DOMAIN => Ok(None),
        Err(e) => Err(e),
    }
}

/// A domain as numarun reads it: its persistent definition and whether it runs.
#[derive(Debug, Clone)]
pub struct DomainView {
    /// The definition (`--inactive`): what the next start uses.
    pub xml: String,
    /// It is running.
    pub active: bool,
    /// It starts with the host.
    pub autostart: bool,
}

/// A domain as the definition and state show it, `None` when there is none of that name.
pub fn view(conn: &Connect, name: &str) -> Result<Option<DomainView>, virt::error::Error> {
    let Some(domain) = find_domain(conn, name)? else { return Ok(None) };
    Ok(Some(DomainView {
        xml: domain.xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)?,
        active: domain.is_active()?,
        autostart: domain.autostart()?,
    }))
}
