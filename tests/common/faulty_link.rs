//! A TCP relay on loopback between numarun and a real sshd that cuts or stalls each connection at
//! a chosen byte. The early moments of a connection (the banner, the key exchange, the login, the
//! first shell) become places a test names by their offset, instead of times it hopes to hit.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Which way the bytes that trigger a fault travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// From numarun to the host.
    ToHost,
    /// From the host to numarun.
    FromHost,
}

/// What happens to a connection once its bytes reach the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Both ends are closed, as when the host's sshd is killed.
    Close,
    /// Nothing more passes either way and nothing is closed, as when the host hangs or a link
    /// drops every packet from then on.
    Stall,
}

/// Where each connection is cut: after `after` bytes went `way`.
#[derive(Debug, Clone, Copy)]
pub struct Cut {
    pub way: Way,
    pub after: usize,
    pub fault: Fault,
}

/// A relay listening on a loopback port of its own; it lives as long as the test.
pub struct FaultyLink {
    pub port: u16,
    relayed: Arc<[AtomicUsize; 2]>,
    /// The cut the next connections get.
    cut: Arc<Mutex<Option<Cut>>>,
}

/// One relayed connection's state, shared by its two pumps.
struct Connection {
    cut: Option<Cut>,
    counted: [AtomicUsize; 2],
    stalled: AtomicBool,
    /// Both sockets, kept open by a stall until the test ends.
    held: Mutex<Vec<TcpStream>>,
}

impl FaultyLink {
    /// Relays every connection to `127.0.0.1:target`, uncut until `cut` says otherwise.
    pub fn start(target: u16) -> FaultyLink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let relayed: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let totals = Arc::clone(&relayed);
        let cut = Arc::new(Mutex::new(None));
        let next_cut = Arc::clone(&cut);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(host) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                let _ = (client.set_nodelay(true), host.set_nodelay(true));
                let connection = Arc::new(Connection {
                    cut: *next_cut.lock().unwrap(),
                    counted: [AtomicUsize::new(0), AtomicUsize::new(0)],
                    stalled: AtomicBool::new(false),
                    held: Mutex::new(vec![client.try_clone().unwrap(), host.try_clone().unwrap()]),
                });
                for (way, from, to) in
                    [(Way::ToHost, &client, &host), (Way::FromHost, &host, &client)]
                {
                    let (from, to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    let (connection, totals) = (Arc::clone(&connection), Arc::clone(&totals));
                    std::thread::spawn(move || pump(way, from, to, &connection, &totals));
                }
            }
        });
        FaultyLink { port, relayed, cut }
    }

    /// How connections made from now on are cut (never, if `None`); counts start again.
    pub fn cut(&self, cut: Option<Cut>) {
        *self.cut.lock().unwrap() = cut;
        self.relayed.iter().for_each(|count| count.store(0, Ordering::SeqCst));
    }

    /// Inventory variables that reach `sshd` through this relay, with the settings `extra`
    /// (`, key: value` pairs); the known_hosts file in `dir` knows the daemon by the relay's port.
    pub fn host_vars(&self, sshd: &super::Sshd, dir: &std::path::Path, extra: &str) -> String {
        let known_hosts = dir.join("known_hosts");
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{} {}\n", self.port, sshd.host_key))
            .unwrap();
        sshd.vars(&known_hosts).replace(
            &format!("ansible_port: {}", sshd.port),
            &format!("ansible_port: {}{extra}", self.port),
        )
    }

    /// Bytes relayed each way over every connection so far: (to the host, from the host).
    pub fn relayed(&self) -> (usize, usize) {
        (self.relayed[0].load(Ordering::SeqCst), self.relayed[1].load(Ordering::SeqCst))
    }
}

fn pump(
    way: Way,
    mut from: TcpStream,
    mut to: TcpStream,
    c: &Connection,
    totals: &[AtomicUsize; 2],
) {
    let index = way as usize;
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if c.stalled.load(Ordering::SeqCst) {
            return park();
        }
        let before = c.counted[index].fetch_add(read, Ordering::SeqCst);
        let pass = match c.cut.filter(|cut| cut.way == way) {
            Some(cut) => read.min(cut.after.saturating_sub(before)),
            None => read,
        };
        if to.write_all(&buffer[..pass]).is_err() {
            break;
        }
        totals[index].fetch_add(pass, Ordering::SeqCst);
        if pass < read {
            let cut = c.cut.expect("a cut");
            match cut.fault {
                Fault::Close => {
                    for stream in c.held.lock().unwrap().drain(..) {
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                    return;
                }
                Fault::Stall => {
                    c.stalled.store(true, Ordering::SeqCst);
                    return park();
                }
            }
        }
    }
    // An end closed on its own: pass that on, as a real connection would.
    let _ = to.shutdown(Shutdown::Write);
}

/// A stalled pump reads no more, so the sender's buffers fill and its writes block.
fn park() {
    loop {
        std::thread::park();
    }
}
