//! The shell scripts a check may run, each a file beside this one: read as text by a reviewer
//! (each only reads) and by shellcheck in CI. Only this file makes a `ProbeScript`.

/// A script of the repository's that only reads.
#[derive(Debug)]
pub struct ProbeScript {
    name: &'static str,
    text: &'static str,
}

impl ProbeScript {
    /// Its name, which the script sees as `$0`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its text.
    pub fn text(&self) -> &'static str {
        self.text
    }
}

macro_rules! probe_scripts {
    ($($(#[$doc:meta])* $constant:ident = $file:literal;)*) => {
        $($(#[$doc])* pub const $constant: ProbeScript =
            ProbeScript { name: $file, text: include_str!(concat!("scripts/", $file, ".sh")) };)*
        /// Every probe script.
        pub const ALL: &[&ProbeScript] = &[$(&$constant),*];
    };
}

probe_scripts! {
    /// `find`'s listing of folders.
    FIND = "find";
    /// `stat`'s fields of one path.
    STAT = "stat";
    /// `setup`'s facts.
    SETUP_FACTS = "setup_facts";
    /// Whether apt's package lists are fresh.
    APT_CACHE_FRESH = "apt_cache_fresh";
    /// The one-line APT sources files.
    APT_LIST_FILES = "apt_list_files";
    /// The block devices, their sizes and whether they spin.
    BLOCK_DEVICES = "block_devices";
    /// A sysfs pattern expanded.
    SYSFS_EXPAND = "sysfs_expand";
    /// The NUMA topology from sysfs.
    SYSFS_TOPOLOGY = "sysfs_topology";
    /// What is inside a folder, for `file`'s `recurse`.
    LIST_INSIDE = "list_inside";
    /// A folder on the host, for `copy`'s `remote_src`.
    FOLDER_LISTING = "folder_listing";
    /// Whether a path is a hard link to another.
    HARD_LINK = "hard_link";
    /// A file's times, and the times asked for.
    FILE_TIMES = "file_times";
    /// The connection user's home.
    HOME = "home";
    /// The SHA-1 of what a URL serves.
    FETCH_SHA1 = "fetch_sha1";
    /// `wait_for`'s polling.
    WAIT_FOR = "wait_for";
}
