//! The connection keeper a run starts under `ControlPersist` (see the `numarun-connection`
//! crate's `ssh::keeper`): a program of its own, built from that crate alone, so that it loads
//! none of what only the runner needs (libvirt, the templates, the modules).

fn main() {
    let mut args = std::env::args_os().skip(1);
    let socket = match (args.next(), args.next(), args.next()) {
        (Some(flag), Some(socket), None) if flag == "--socket" => std::path::PathBuf::from(socket),
        _ => {
            eprintln!("usage: numarun-keeper --socket PATH (a run starts it; see docs/ssh.md)");
            std::process::exit(2);
        }
    };
    std::process::exit(numarun_connection::keeper_main(&socket));
}
