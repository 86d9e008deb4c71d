//! Debian packages of the tests' own, built here with `dpkg-deb`: the apt module's tests
//! install them with no network and no repository.

use super::Test;

/// A package `name` at `version`, with a configuration file `/etc/NAME.conf` (so a purge has
/// something to take) and `/usr/share/NAME/README`; the `.deb`'s path.
pub fn package(t: &Test, name: &str, version: &str) -> String {
    let root = t.path().join(format!("{name}-{version}"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join(format!("usr/share/{name}"))).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: numarun tests <tests@numarun.invalid>\nDescription: a package numarun's tests make\n"
        ),
    )
    .unwrap();
    std::fs::write(root.join("DEBIAN/conffiles"), format!("/etc/{name}.conf\n")).unwrap();
    std::fs::write(root.join(format!("etc/{name}.conf")), "greeting = hello\n").unwrap();
    std::fs::write(root.join(format!("usr/share/{name}/README")), format!("version {version}\n"))
        .unwrap();
    let deb = t.path().join(format!("{name}_{version}_all.deb"));
    let built = std::process::Command::new("dpkg-deb")
        .args(["--root-owner-group", "-b"])
        .arg(&root)
        .arg(&deb)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    // Readable by the SSH tests' user, whose sudo reads it.
    std::fs::set_permissions(t.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap();
    deb.display().to_string()
}

/// Takes the package off this machine, whatever a run left.
pub fn purge(name: &str) {
    let _ = std::process::Command::new("dpkg").args(["--purge", name]).output();
}
