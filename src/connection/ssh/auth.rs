//! Client authentication: the inventory's key file, else the ssh-agent,
//! else the user's default keys, as OpenSSH tries them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::client::{AuthResult, Handle, Handler};
use russh::keys::agent::AgentIdentity;
use russh::keys::{PrivateKeyWithHashAlg, load_secret_key};

/// `agent`: the ssh-agent's socket.
pub async fn authenticate<H: Handler>(
    session: &mut Handle<H>,
    user: &str,
    key_file: Option<&Path>,
    agent: Option<&Path>,
) -> Result<(), String> {
    let rsa_hash = session.best_supported_rsa_hash().await.ok().flatten().flatten();
    if let Some(file) = key_file {
        let key = load_secret_key(file, None).map_err(|e| format!("cannot load key {}: {e}", file.display()))?;
        return match session.authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash)).await {
            Ok(AuthResult::Success) => Ok(()),
            Ok(AuthResult::Failure { .. }) => Err(format!("authentication as {user} with {} refused", file.display())),
            Err(e) => Err(format!("authentication failed: {e}")),
        };
    }
    let mut tried = Vec::new();
    if let Some(socket) = agent
        && let Ok(mut agent) = russh::keys::agent::client::AgentClient::connect_uds(socket).await
    {
        let identities = agent.request_identities().await.unwrap_or_default();
        for identity in identities {
            let AgentIdentity::PublicKey { key, .. } = identity else { continue };
            if let Ok(AuthResult::Success) = session.authenticate_publickey_with(user, key, rsa_hash, &mut agent).await {
                return Ok(());
            }
        }
        tried.push("the ssh-agent's keys".to_string());
    }
    let home = std::env::var("HOME").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("/root"));
    for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
        let file = home.join(".ssh").join(name);
        let Ok(key) = load_secret_key(&file, None) else { continue };
        tried.push(file.display().to_string());
        if let Ok(AuthResult::Success) = session.authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash)).await {
            return Ok(());
        }
    }
    if tried.is_empty() {
        return Err("no key to authenticate with: set ansible_ssh_private_key_file or start an ssh-agent".into());
    }
    Err(format!("authentication as {user} refused (tried {})", tried.join(", ")))
}
