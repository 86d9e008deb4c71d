//! The facts `setup` reports, read in one round trip: a POSIX shell script that only reads
//! (files under /etc, /proc and /sys, and `uname`, `hostname`, `id`, `ip`, `stat -f`, `date`,
//! `env`), printing sections this file turns into Ansible's fact names and shapes. Files are read
//! with the shell's own `read` where a value is one line: a host with many block devices would
//! otherwise start a `cat` for each of their attributes.

use serde_json::{Map, Value, json};

use super::setup_storage;

/// The facts a script's output holds, by their names without the `ansible_` prefix.
pub fn parse(output: &str) -> Map<String, Value> {
    let sections = sections(output);
    let section = |name: &str| sections.iter().find(|(n, _)| *n == name).map_or("", |(_, t)| t);
    let mut facts = Map::new();
    distribution(section("os-release"), section("debian_version"), &mut facts);
    system(section("hostname"), section("fqdn"), section("uname"), &mut facts);
    memory_and_cpus(section("meminfo"), section("cpuinfo"), &mut facts);
    network(section("route"), section("addr"), section("link"), &mut facts);
    facts.insert("mounts".into(), setup_storage::mounts(section("mounts"), section("statvfs")));
    let devices = setup_storage::devices(section("devices"), section("models"));
    facts.insert("devices".into(), devices);
    managers(section("init"), section("pkg"), &mut facts);
    user(section("id"), &mut facts);
    facts.insert("date_time".into(), date_time(section("date")));
    facts.insert("env".into(), env(section("env")));
    facts
}

fn sections(output: &str) -> Vec<(&str, String)> {
    let mut sections: Vec<(&str, String)> = Vec::new();
    for line in output.lines() {
        match line.strip_prefix("@@") {
            Some(name) => sections.push((name, String::new())),
            None => {
                if let Some((_, text)) = sections.last_mut() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    sections
}

/// `KEY=value` lines (os-release), quotes taken off.
fn key_values(text: &str) -> Map<String, Value> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), Value::from(v.trim().trim_matches('"').trim_matches('\''))))
        .collect()
}

fn distribution(os_release: &str, debian_version: &str, facts: &mut Map<String, Value>) {
    let release = key_values(os_release);
    let get = |key: &str| release.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let id = get("ID");
    let (name, family) = match id.as_str() {
        "debian" => ("Debian", "Debian"),
        "ubuntu" => ("Ubuntu", "Debian"),
        "linuxmint" => ("Linux Mint", "Debian"),
        "centos" => ("CentOS", "RedHat"),
        "rhel" => ("RedHat", "RedHat"),
        "fedora" => ("Fedora", "RedHat"),
        "rocky" => ("Rocky", "RedHat"),
        "almalinux" => ("AlmaLinux", "RedHat"),
        "ol" => ("OracleLinux", "RedHat"),
        "amzn" => ("Amazon", "RedHat"),
        "alpine" => ("Alpine", "Alpine"),
        "arch" => ("Archlinux", "Archlinux"),
        "opensuse-leap" => ("openSUSE Leap", "Suse"),
        "sles" => ("SLES", "Suse"),
        _ => ("", ""),
    };
    let name = if name.is_empty() { get("NAME") } else { name.to_string() };
    let family = if family.is_empty() { name.clone() } else { family.to_string() };
    // Debian's point release is in /etc/debian_version (12.8); os-release has only the major.
    let debian_point = debian_version.trim();
    let version = if id == "debian" && debian_point.starts_with(|c: char| c.is_ascii_digit()) {
        debian_point.to_string()
    } else {
        get("VERSION_ID")
    };
    let major = version.split('.').next().unwrap_or("").to_string();
    facts.insert("distribution".into(), json!(name));
    facts.insert("os_family".into(), json!(family));
    facts.insert("distribution_version".into(), json!(version));
    facts.insert("distribution_major_version".into(), json!(major));
    facts.insert("distribution_release".into(), json!(get("VERSION_CODENAME")));
}

fn system(hostname: &str, fqdn: &str, uname: &str, facts: &mut Map<String, Value>) {
    let node = hostname.trim();
    // As Python's `socket.getfqdn`, which Ansible uses: the host's address looked up again, and
    // of the names it has, the first with a dot, else the first.
    let names: Vec<&str> = fqdn.split_whitespace().skip(1).collect();
    let fqdn = names.iter().find(|n| n.contains('.')).or(names.first()).copied().unwrap_or(node);
    let short = node.split('.').next().unwrap_or(node);
    let mut uname = uname.lines();
    let mut next = || uname.next().unwrap_or("").to_string();
    let (system, kernel, machine, kernel_version) = (next(), next(), next(), next());
    facts.insert("hostname".into(), json!(short));
    facts.insert("nodename".into(), json!(node));
    facts.insert("fqdn".into(), json!(fqdn));
    facts.insert("domain".into(), json!(fqdn.split_once('.').map_or("", |(_, d)| d)));
    facts.insert("system".into(), json!(system));
    facts.insert("kernel".into(), json!(kernel));
    facts.insert("kernel_version".into(), json!(kernel_version));
    facts.insert("architecture".into(), json!(machine));
    facts.insert("machine".into(), json!(machine));
}

fn memory_and_cpus(meminfo: &str, cpuinfo: &str, facts: &mut Map<String, Value>) {
    let kib = |key: &str| {
        meminfo
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    facts.insert("memtotal_mb".into(), json!(kib("MemTotal") / 1024));
    facts.insert("memfree_mb".into(), json!(kib("MemFree") / 1024));
    facts.insert("swaptotal_mb".into(), json!(kib("SwapTotal") / 1024));
    facts.insert("swapfree_mb".into(), json!(kib("SwapFree") / 1024));
    let field = |line: &str| line.split_once(':').map(|(_, v)| v.trim().to_string());
    let vcpus = cpuinfo.lines().filter(|l| l.starts_with("processor")).count().max(1);
    let mut sockets: Vec<String> =
        cpuinfo.lines().filter(|l| l.starts_with("physical id")).filter_map(field).collect();
    sockets.sort();
    sockets.dedup();
    let count = sockets.len().max(1);
    let cores = cpuinfo
        .lines()
        .find(|l| l.starts_with("cpu cores"))
        .and_then(field)
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(vcpus / count);
    facts.insert("processor_vcpus".into(), json!(vcpus));
    facts.insert("processor_count".into(), json!(count));
    facts.insert("processor_cores".into(), json!(cores));
    facts.insert("processor_threads_per_core".into(), json!(vcpus / (count * cores.max(1)).max(1)));
}

fn network(route: &str, addr: &str, link: &str, facts: &mut Map<String, Value>) {
    // `2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0 ...`
    let addresses: Vec<(String, String, u32, Option<String>)> = addr
        .lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let iface = words.get(1)?.trim_end_matches(':').to_string();
            let at = words.iter().position(|w| *w == "inet")?;
            let (ip, prefix) = words.get(at + 1)?.split_once('/')?;
            let brd = words.iter().position(|w| *w == "brd").and_then(|i| words.get(i + 1));
            Some((iface, ip.to_string(), prefix.parse().ok()?, brd.map(|b| b.to_string())))
        })
        .collect();
    let all: Vec<&str> = addresses
        .iter()
        .filter(|(_, ip, ..)| !ip.starts_with("127."))
        .map(|(_, ip, ..)| ip.as_str())
        .collect();
    facts.insert("all_ipv4_addresses".into(), json!(all));
    let interfaces: Vec<String> = link
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|i| i.trim_end_matches(':').split('@').next().unwrap_or(i).to_string())
        .collect();
    facts.insert("interfaces".into(), json!(interfaces));
    // `default via 10.0.0.1 dev eth0 ...`
    let words: Vec<&str> = route.lines().next().unwrap_or("").split_whitespace().collect();
    let after = |key: &str| words.iter().position(|w| *w == key).and_then(|i| words.get(i + 1));
    let mut default = Map::new();
    if let Some(iface) = after("dev")
        && let Some((_, ip, prefix, brd)) = addresses.iter().find(|(i, ..)| i == iface)
    {
        let mask = if *prefix == 0 { 0 } else { u32::MAX << (32 - prefix.min(&32)) };
        let octets: Vec<u8> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
        let ip_bits = octets.iter().fold(0u32, |a, o| (a << 8) | u32::from(*o));
        let dotted = |bits: u32| std::net::Ipv4Addr::from(bits).to_string();
        let mac = link_field(link, iface, "link/ether");
        let mtu = link_field(link, iface, "mtu");
        default.insert("interface".into(), json!(iface));
        default.insert("alias".into(), json!(iface));
        default.insert("address".into(), json!(ip));
        default.insert("prefix".into(), json!(prefix.to_string()));
        default.insert("netmask".into(), json!(dotted(mask)));
        default.insert("network".into(), json!(dotted(ip_bits & mask)));
        default.insert("broadcast".into(), json!(brd.clone().unwrap_or_default()));
        default.insert("gateway".into(), json!(after("via").copied().unwrap_or("")));
        default.insert("macaddress".into(), json!(mac.unwrap_or_default()));
        default.insert("mtu".into(), json!(mtu.and_then(|m| m.parse::<u64>().ok())));
        default.insert("type".into(), json!("ether"));
    }
    facts.insert("default_ipv4".into(), Value::Object(default));
}

/// The word after `key` on an interface's line of `ip -o link`.
fn link_field(link: &str, iface: &str, key: &str) -> Option<String> {
    let line = link.lines().find(|l| {
        l.split_whitespace()
            .nth(1)
            .is_some_and(|n| n.trim_end_matches(':').split('@').next() == Some(iface))
    })?;
    let words: Vec<&str> = line.split_whitespace().collect();
    words.iter().position(|w| *w == key).and_then(|i| words.get(i + 1)).map(|w| w.to_string())
}

fn managers(init: &str, pkg: &str, facts: &mut Map<String, Value>) {
    let service_mgr = if init.lines().any(|l| l == "systemd") {
        "systemd".to_string()
    } else {
        match init.lines().next().unwrap_or("").trim() {
            "init" | "" => "sysvinit".to_string(),
            other => other.to_string(),
        }
    };
    facts.insert("service_mgr".into(), json!(service_mgr));
    let pkg_mgr = match pkg.lines().next().unwrap_or("") {
        "apt-get" => "apt",
        "" => "unknown",
        other => other,
    };
    facts.insert("pkg_mgr".into(), json!(pkg_mgr));
}

fn user(id: &str, facts: &mut Map<String, Value>) {
    let lines: Vec<&str> = id.lines().collect();
    let number = |i: usize| lines.get(i).and_then(|v| v.trim().parse::<u64>().ok());
    let passwd: Vec<&str> = lines.get(3).map(|l| l.split(':').collect()).unwrap_or_default();
    facts.insert("user_id".into(), json!(lines.first().copied().unwrap_or("")));
    facts.insert("user_uid".into(), json!(number(1)));
    facts.insert("user_gid".into(), json!(number(2)));
    facts.insert("user_gecos".into(), json!(passwd.get(4).copied().unwrap_or("")));
    facts.insert("user_dir".into(), json!(passwd.get(5).copied().unwrap_or("")));
    facts.insert("user_shell".into(), json!(passwd.get(6).copied().unwrap_or("")));
}

fn date_time(date: &str) -> Value {
    let mut lines = date.lines();
    let w: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let iso8601_micro = lines.next().unwrap_or("").trim();
    let iso8601 = format!("{}Z", iso8601_micro.split('.').next().unwrap_or(""));
    let [
        year,
        month,
        day,
        hour,
        minute,
        second,
        epoch,
        tz,
        offset,
        weekday,
        weekday_number,
        weeknumber,
        _yday,
        micro,
    ] = w[..]
    else {
        return json!({});
    };
    json!({
        "year": year, "month": month, "day": day, "hour": hour, "minute": minute,
        "second": second, "epoch": epoch, "epoch_int": epoch, "tz": tz, "tz_offset": offset,
        "weekday": weekday, "weekday_number": weekday_number, "weeknumber": weeknumber,
        "date": format!("{year}-{month}-{day}"), "time": format!("{hour}:{minute}:{second}"),
        "iso8601_basic_short": format!("{year}{month}{day}T{hour}{minute}{second}"),
        "iso8601": iso8601, "iso8601_micro": iso8601_micro,
        "iso8601_basic": format!("{year}{month}{day}T{hour}{minute}{second}{micro}"),
        "tz_dst": tz,
    })
}

/// `env`'s `NAME=value` lines; a line without `=` continues the value before it.
fn env(text: &str) -> Value {
    let mut env = Map::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        match line.split_once('=') {
            // numarun's own channel for the sudo password is not the host's to report.
            Some(("NUMARUN_BECOME_PASSWORD", _)) => last = None,
            Some((name, value)) if !name.is_empty() && !name.contains(' ') => {
                env.insert(name.to_string(), json!(value));
                last = Some(name.to_string());
            }
            _ => {
                if let Some(Value::String(value)) = last.as_ref().and_then(|n| env.get_mut(n)) {
                    value.push('\n');
                    value.push_str(line);
                }
            }
        }
    }
    Value::Object(env)
}
