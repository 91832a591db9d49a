//! The preview's connections: at most [`MAX`] at once, each on a thread of its own. When all
//! are taken, the one that has waited longest for its request head gives way to the newcomer:
//! clients that trickle their requests a byte at a time, however many, cannot keep a reader's
//! page from being answered (a browser sends its request at once). Only when every connection
//! is being answered is a newcomer turned away, with a 503.

use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Connections served at once (a preview has one reader, whose browser opens a few).
pub const MAX: usize = 64;

#[derive(Default)]
pub struct Connections {
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    connections: Vec<Connection>,
}

struct Connection {
    id: u64,
    /// A handle on the same socket, to close it when it has to give way.
    stream: TcpStream,
    opened: Instant,
    /// Still reading its request head (the only state in which it may be closed for another).
    reading: bool,
}

/// A connection's place; given up when dropped, also when its thread panics.
pub struct Slot {
    id: u64,
    connections: Arc<Connections>,
}

impl Connections {
    /// A place for `stream`, made if need be by closing the connection that has waited longest
    /// for its request head. `None` when every connection is being answered.
    pub fn admit(self: &Arc<Self>, stream: &TcpStream) -> Option<Slot> {
        let handle = stream.try_clone().ok()?;
        let mut open = self.lock();
        if open.connections.len() >= MAX {
            let slowest = open
                .connections
                .iter()
                .enumerate()
                .filter(|(_, c)| c.reading)
                .min_by_key(|(_, c)| c.opened)
                .map(|(i, _)| i)?;
            let gone = open.connections.swap_remove(slowest);
            // Its thread's read ends at once, and the thread with it.
            let _ = gone.stream.shutdown(Shutdown::Both);
        }
        open.next_id += 1;
        let id = open.next_id;
        open.connections.push(Connection {
            id,
            stream: handle,
            opened: Instant::now(),
            reading: true,
        });
        Some(Slot {
            id,
            connections: self.clone(),
        })
    }

    /// How many connections are open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().connections.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Slot {
    /// The request head is in: from now on the connection is not closed for another.
    pub fn answering(&self) {
        let mut open = self.connections.lock();
        if let Some(c) = open.connections.iter_mut().find(|c| c.id == self.id) {
            c.reading = false;
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.connections.lock();
        if let Some(i) = open.connections.iter().position(|c| c.id == self.id) {
            open.connections.swap_remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn the_longest_waiting_reader_gives_way() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(Connections::default());
        let mut clients = Vec::new();
        let mut slots = Vec::new();
        for _ in 0..MAX {
            clients.push(TcpStream::connect(addr).unwrap());
            let (server_side, _) = listener.accept().unwrap();
            slots.push((connections.admit(&server_side).unwrap(), server_side));
        }
        assert_eq!(connections.len(), MAX);
        // The first is being answered: the second, the oldest still reading, gives way.
        slots[0].0.answering();
        clients.push(TcpStream::connect(addr).unwrap());
        let (newcomer, _) = listener.accept().unwrap();
        let slot = connections.admit(&newcomer).expect("room is made");
        assert_eq!(connections.len(), MAX);
        let mut buf = [0; 1];
        assert_eq!(slots[1].1.try_clone().unwrap().read(&mut buf).unwrap(), 0);
        // When every connection is being answered, none is closed.
        for (s, _) in &slots {
            s.answering();
        }
        slot.answering();
        clients.push(TcpStream::connect(addr).unwrap());
        let (refused, _) = listener.accept().unwrap();
        assert!(connections.admit(&refused).is_none());
        // A slot given up (its thread ended, even by a panic) is free again.
        drop(slots.pop());
        assert!(connections.admit(&refused).is_some());
    }
}
