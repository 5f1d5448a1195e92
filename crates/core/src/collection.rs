//! `PortCollection`: msgport's extension for broadcasting to many ports
//! without keeping them alive (the 2012 HTML draft's `PortCollection`).

use crate::port::{MessagePort, Payload, Port};
use crate::sync::{lock, Arc, Rank, Ranked, Weak};
use msgport_clone::{to_bytes, to_record, CloneError, Graph, SharedArrayBuffer};

/// An ordered, weak list of ports.
///
/// It holds no strong reference: a port that is closed, dropped or
/// transferred away leaves the collection by itself.
///
/// ```
/// use msgport::{Event, MessageChannel, PortCollection};
/// let (a, b) = (MessageChannel::new(), MessageChannel::new());
/// let all = PortCollection::new();
/// all.add(&a.port1);
/// all.add(&b.port1);
/// all.add(&a.port1); // already there: no-op
/// assert_eq!(all.broadcast(&"hi").unwrap(), 2);
/// drop(b.port1);     // leaves the collection by itself
/// assert_eq!(all.len(), 1);
/// assert!(matches!(a.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data == "hi"));
/// ```
pub struct PortCollection {
    /// Ports by state and epoch: weak, so the collection keeps none alive.
    ports: Ranked<Vec<(Weak<Port>, u64)>>,
}

impl Default for PortCollection {
    fn default() -> Self {
        PortCollection {
            ports: Ranked::new(Rank::Collection, Vec::new()),
        }
    }
}

impl PortCollection {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn alive(p: &Weak<Port>, epoch: u64) -> Option<MessagePort> {
        let port = p.upgrade()?;
        let handle = MessagePort::from_parts(port, epoch, false);
        (handle.is_live_handle() && !handle.is_detached()).then_some(handle)
    }

    fn is(entry: &(Weak<Port>, u64), port: &MessagePort) -> bool {
        entry.1 == port.epoch() && std::ptr::eq(entry.0.as_ptr(), Arc::as_ptr(&port.port))
    }

    /// Adds `port` at the end, unless it is already present (then its place is kept).
    pub fn add(&self, port: &MessagePort) {
        let mut v = lock(&self.ports);
        if !v.iter().any(|e| Self::is(e, port)) {
            v.push((Arc::downgrade(&port.port), port.epoch()));
        }
    }

    /// Removes `port` if present.
    pub fn remove(&self, port: &MessagePort) {
        lock(&self.ports).retain(|e| !Self::is(e, port));
    }

    /// Removes every port.
    pub fn clear(&self) {
        lock(&self.ports).clear();
    }

    /// Live ports, in order (dead entries are pruned).
    fn live(&self) -> Vec<MessagePort> {
        let mut v = lock(&self.ports);
        let mut out = Vec::with_capacity(v.len());
        v.retain(|(p, e)| match Self::alive(p, *e) {
            Some(h) => {
                out.push(h);
                true
            }
            None => false,
        });
        out
    }

    /// Number of live ports.
    pub fn len(&self) -> usize {
        self.live().len()
    }

    /// Whether no live port is left.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` once per live port, in order. The callback may add or
    /// remove ports; it sees the list as it was when iteration began.
    pub fn iterate(&self, mut f: impl FnMut(&MessagePort)) {
        for p in self.live() {
            f(&p);
        }
    }

    /// [`broadcast`](Self::broadcast) for a dynamic value (a JS runtime's
    /// messages): serialized once, the same bytes posted to every live port.
    /// Nothing can be transferred in a broadcast; a SharedArrayBuffer's
    /// memory is shared with every receiver.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel, PortCollection};
    /// use msgport::clone::{Graph, Value};
    /// let (a, b) = (MessageChannel::new(), MessageChannel::new());
    /// let all = PortCollection::new();
    /// all.add(&a.port1);
    /// all.add(&b.port1);
    /// assert_eq!(all.broadcast_graph(&Graph::new(Value::from(7))).unwrap(), 2);
    /// for port in [&a.port2, &b.port2] {
    ///     assert!(matches!(port.try_recv_as::<i32>().unwrap(), Some(Event::Message(m)) if m.data == 7));
    /// }
    /// ```
    pub fn broadcast_graph(&self, value: &Graph) -> Result<usize, CloneError> {
        // A record: SharedArrayBuffers' memory travels beside the bytes.
        let record = to_record(value)?;
        Ok(self.share(record.bytes, record.shared))
    }

    /// Serializes `value` once and posts the same bytes to every live port.
    /// Returns how many ports it was posted to.
    pub fn broadcast<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<usize, CloneError> {
        Ok(self.share(to_bytes(value)?, Vec::new()))
    }

    /// Posts one serialized payload, shared, to every live port (with the
    /// SharedArrayBuffers it refers to).
    fn share(&self, bytes: Vec<u8>, shared: Vec<SharedArrayBuffer>) -> usize {
        let bytes: Arc<[u8]> = bytes.into();
        let ports = self.live();
        for p in &ports {
            p.post_payload_sharing(Payload::Shared(bytes.clone()), shared.clone());
        }
        ports.len()
    }
}
