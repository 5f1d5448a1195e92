//! The transfer steps and transfer-receiving steps of a port
//! (<https://html.spec.whatwg.org/multipage/web-messaging.html#message-ports>,
//! "transfer steps" and "transfer-receiving steps").

use super::{Binding, MessagePort, Wake};
use crate::sync::{lock, Arc, Ordering};
use msgport_clone::Transferable;
use std::fmt;

/// A port in flight: the data holder of the transfer steps
/// (`#transferMessagePort`). Users never build one: it is what
/// `MessagePort`'s [`Transferable`] impl hands to the serializer, and it
/// becomes a live `MessagePort` in the receiver's `Message::ports`. If the
/// message carrying it is dropped without being received, the port is
/// closed (as if collected), which fires `close` at its peer.
pub struct ShippedPort(MessagePort);

impl fmt::Debug for ShippedPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShippedPort({:?})", self.0.port.name)
    }
}

impl ShippedPort {
    /// The transfer-receiving steps: a live handle for the new owner.
    pub(crate) fn receive(mut self) -> MessagePort {
        let mut s = lock(&self.0.port.state);
        s.in_flight = false;
        // The peer may have changed in flight (a merge of routes).
        let peer = s.peer().cloned();
        drop(s);
        self.0.peer = peer;
        self.0
    }
}

impl Transferable for MessagePort {
    type Shipped = ShippedPort;

    fn is_detached(&self) -> bool {
        MessagePort::is_detached(self)
    }

    fn is_same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.port, &other.port)
    }

    /// The transfer steps: mark this port and its peer shipped, disable the
    /// queue for its next owner, unbind it, and kill this handle.
    fn transfer(&self) -> ShippedPort {
        let (epoch, peer, waiters) = {
            let _tk = lock(&self.port.taken);
            let mut s = lock(&self.port.state);
            s.shipped = true;
            s.enabled = false;
            s.in_flight = true;
            self.port.started.store(false, Ordering::Release);
            let epoch = self.port.epoch.fetch_add(1, Ordering::AcqRel) + 1;
            // Whoever waits on the old handle (a blocked `recv`) must learn
            // it is dead. An event loop waits on no handle: it is not woken,
            // and the port leaves its ready list the next time the loop looks
            // (the binding is reset here, so the new owner's loop can list it).
            let waiters = match s.binding {
                Binding::Handles => self.port.wake(&mut s, true),
                Binding::Loop(_) => Wake::Nothing,
            };
            s.binding = Binding::Handles;
            s.in_ready = false;
            (epoch, s.peer().cloned(), waiters)
        };
        waiters.run();
        if let Some(p) = &peer {
            lock(&p.state).shipped = true;
        }
        ShippedPort(MessagePort {
            port: self.port.clone(),
            peer,
            epoch,
            owning: true,
        })
    }
}
