//! Client authentication: the inventory's key file, else the ssh-agent,
//! else the user's default keys, as OpenSSH tries them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::client::{AuthResult, Handle, Handler};
use russh::keys::agent::AgentIdentity;
use russh::keys::{PrivateKeyWithHashAlg, load_secret_key};

/// Why the host did not let us in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot load key {}: {reason}", file.display())]
    KeyUnreadable { file: PathBuf, reason: String },
    #[error("authentication as {user} with {} refused", file.display())]
    KeyRefused { user: String, file: PathBuf },
    #[error("authentication failed: {0}")]
    Ssh(#[from] russh::Error),
    #[error("no key to authenticate with: set ansible_ssh_private_key_file or start an ssh-agent")]
    NoKey,
    #[error("authentication as {user} refused (tried {})", tried.join(", "))]
    AllRefused { user: String, tried: Vec<String> },
}

/// Authenticates as `user` with the key file, else `agent` (the ssh-agent's socket), else the
/// user's default keys.
pub async fn authenticate<H: Handler>(
    session: &mut Handle<H>,
    user: &str,
    key_file: Option<&Path>,
    agent: Option<&Path>,
) -> Result<(), AuthError> {
    let rsa_hash = session.best_supported_rsa_hash().await.ok().flatten().flatten();
    if let Some(file) = key_file {
        let key = load_secret_key(file, None).map_err(|e| AuthError::KeyUnreadable {
            file: file.to_path_buf(),
            reason: e.to_string(),
        })?;
        return match session
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash))
            .await?
        {
            AuthResult::Success => Ok(()),
            AuthResult::Failure { .. } => {
                Err(AuthError::KeyRefused { user: user.to_string(), file: file.to_path_buf() })
            }
        };
    }
    let mut tried = Vec::new();
    if let Some(socket) = agent
        && let Ok(mut agent) = russh::keys::agent::client::AgentClient::connect_uds(socket).await
    {
        let identities = agent.request_identities().await.unwrap_or_default();
        for identity in identities {
            let AgentIdentity::PublicKey { key, .. } = identity else { continue };
            if let Ok(AuthResult::Success) =
                session.authenticate_publickey_with(user, key, rsa_hash, &mut agent).await
            {
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
        if let Ok(AuthResult::Success) = session
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash))
            .await
        {
            return Ok(());
        }
    }
    if tried.is_empty() {
        return Err(AuthError::NoKey);
    }
    Err(AuthError::AllRefused { user: user.to_string(), tried })
}
