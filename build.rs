//! Names the commit numarun is built from, for `--version`: `NUMARUN_COMMIT` when the builder
//! sets it (a package built from a tarball), else git's, else `unknown`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=NUMARUN_COMMIT");
    // A new commit moves HEAD or the branch it points at (loose or packed).
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = std::env::var("NUMARUN_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    });
    println!("cargo:rustc-env=NUMARUN_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}
