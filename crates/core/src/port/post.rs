//! Posting: the message port post message steps
//! (<https://html.spec.whatwg.org/multipage/web-messaging.html#message-port-post-message-steps>),
//! for dynamic values with a transfer list, for serde values (which may
//! hold ports and buffers), and for bytes already in the wire format.

use super::{Extras, MessagePort, Payload, Port};
use crate::sync::Arc;
use crate::typed::{self, Found};
use msgport_clone::{
    serialize_with_transfer, to_bytes, to_bytes_into, CloneError, Graph, ObjectId, Record,
    TransferItem,
};

thread_local! {
    /// [`MessagePort::post`]'s serialization buffer.
    static POST_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Why a post failed. Nothing was detached, except where a
/// [`PostError::Clone`] says a transferable was (as the standard's
/// StructuredSerializeWithTransfer never does before its last checks).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PostError {
    /// The posting port is in its own transfer list (a `DataCloneError`,
    /// step 2 of `#message-port-post-message-steps`).
    #[error("DataCloneError: a port cannot transfer itself")]
    SourcePort,
    /// Serialization failed: a `DataCloneError` of StructuredSerializeWithTransfer,
    /// or a value nested too deep.
    #[error(transparent)]
    Clone(#[from] CloneError),
}

impl PostError {
    /// Whether the standard reports this as a `DOMException` named
    /// `DataCloneError`.
    pub fn is_data_clone_error(&self) -> bool {
        match self {
            PostError::SourcePort => true,
            PostError::Clone(e) => e.is_data_clone_error(),
        }
    }
}

/// A transfer list as msgport-clone's serializer takes it.
fn transfer_items<'a>(transfer: &[Transfer<'a>]) -> Vec<TransferItem<'a, MessagePort>> {
    transfer
        .iter()
        .map(|t| match *t {
            Transfer::Port(p) => TransferItem::Host(p),
            Transfer::ArrayBuffer(id) => TransferItem::ArrayBuffer(id),
        })
        .collect()
}

/// A post error equals the serialization error it carries.
impl PartialEq<CloneError> for PostError {
    fn eq(&self, other: &CloneError) -> bool {
        matches!(self, PostError::Clone(e) if e == other)
    }
}

/// An entry of a transfer list (`postMessage(msg, transfer)`).
///
/// ```
/// use msgport::{Event, MessageChannel, Transfer};
/// use msgport::clone::{ArrayBuffer, Graph, Object, Value};
/// let ch = MessageChannel::new();
/// let mut msg = Graph::default();
/// let buf = msg.alloc(Object::ArrayBuffer(ArrayBuffer::new(vec![7; 1024])));
/// msg.root = Value::Object(buf);
/// ch.port1.post_message(&mut msg, &[Transfer::ArrayBuffer(buf)]).unwrap();
/// // Moved, not copied: the sender's buffer is detached.
/// assert!(matches!(msg.get(buf), Some(Object::ArrayBuffer(b)) if b.detached));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Transfer<'a> {
    /// A port, referred to in the message as
    /// [`HostObject::Transferred`](msgport_clone::HostObject::Transferred)`(n)`
    /// where `n` counts the ports of the list.
    Port(&'a MessagePort),
    /// An ArrayBuffer of the message graph; its bytes move, uncopied.
    ArrayBuffer(ObjectId),
}

impl MessagePort {
    /// The message port post message steps
    /// (`#message-port-post-message-steps`) for a dynamic value.
    ///
    /// Ports in `transfer` are detached here and re-appear, in order, in the
    /// receiver's `Message::ports`; ArrayBuffers in `transfer` move into the
    /// message without a copy and are detached in `value`.
    ///
    /// Errors: this port in its own transfer list
    /// ([`PostError::SourcePort`], nothing detached), or any
    /// DataCloneError of serialization. Posting never blocks and never fails
    /// because of the peer: with no peer, or with the peer in the transfer
    /// list, the message is serialized (transferables detached) and dropped.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel, Transfer};
    /// use msgport_clone::{Graph, HostObject, Object, Value};
    /// let a = MessageChannel::new();
    /// let b = MessageChannel::new();
    /// // Send b.port2 through a, as event.ports[0].
    /// let mut msg = Graph::default();
    /// let h = msg.alloc(Object::Host(HostObject::Transferred(0)));
    /// msg.root = Value::Object(msg.object(vec![("port".into(), Value::Object(h))]));
    /// a.port1.post_message(&mut msg, &[Transfer::Port(&b.port2)]).unwrap();
    /// assert!(b.port2.is_detached());
    /// let Event::Message(m) = a.port2.recv_blocking(None).unwrap() else { panic!() };
    /// let moved = m.ports.into_iter().next().unwrap();
    /// b.port1.post(&42).unwrap();
    /// assert!(matches!(moved.recv_blocking_as::<i32>(None).unwrap(), Event::Message(m) if m.data == 42));
    /// ```
    pub fn post_message(
        &self,
        value: &mut Graph,
        transfer: &[Transfer<'_>],
    ) -> Result<(), PostError> {
        self.check_transfer(transfer)?;
        let target = self.transfer_target();
        // Step 4: the target port in the transfer list dooms the message.
        let doomed = target.as_ref().is_some_and(|t| {
            transfer
                .iter()
                .any(|x| matches!(x, Transfer::Port(p) if Arc::ptr_eq(&p.port, t)))
        });
        let items = transfer_items(transfer);
        let record = serialize_with_transfer(value, &items)?;
        match target {
            Some(t) if !doomed => {
                self.deliver(&t, record);
                Ok(())
            }
            // Step 6: no target, or doomed: drop silently (shipped ports close).
            _ => Ok(()),
        }
    }

    /// The message port post message steps for a port whose messages reach
    /// nobody (it was shipped, or its handle is otherwise gone): the value
    /// is still serialized with its transfer list — errors are still
    /// thrown, transferables still detached, transferred ports close with
    /// the dropped message — and then dropped (steps 5–6,
    /// `#message-port-post-message-steps`). An embedder whose script holds
    /// a port object that no longer has a live port calls this.
    ///
    /// ```
    /// use msgport::{MessagePort, Transfer, Event};
    /// use msgport::clone::{Graph, HostObject, Object, Value};
    /// let c = msgport::MessageChannel::new();
    /// let mut g = Graph::default();
    /// let h = g.alloc(Object::Host(HostObject::Transferred(0)));
    /// g.root = Value::Object(h);
    /// MessagePort::post_message_to_nobody(&mut g, &[Transfer::Port(&c.port1)]).unwrap();
    /// assert!(c.port1.is_detached());
    /// // The shipped port closed with the dropped message.
    /// assert!(matches!(c.port2.try_recv().unwrap(), Some(Event::Close)));
    /// ```
    pub fn post_message_to_nobody(
        value: &mut Graph,
        transfer: &[Transfer<'_>],
    ) -> Result<(), PostError> {
        let items = transfer_items(transfer);
        drop(serialize_with_transfer(value, &items)?);
        Ok(())
    }

    /// The check [`MessagePort::post_message`] makes before anything else
    /// (`#message-port-post-message-steps`, step 2): this port in its own
    /// transfer list is a DataCloneError. An embedder that must detach
    /// transferables itself before posting (a JS engine moving an
    /// ArrayBuffer's memory) calls it first, so that posting cannot then fail
    /// on a message whose transferables are already detached.
    ///
    /// ```
    /// use msgport::{MessageChannel, Transfer};
    /// let c = MessageChannel::new();
    /// assert!(c.port1.check_transfer(&[Transfer::Port(&c.port1)]).is_err());
    /// assert!(c.port1.check_transfer(&[Transfer::Port(&c.port2)]).is_ok());
    /// ```
    pub fn check_transfer(&self, transfer: &[Transfer<'_>]) -> Result<(), PostError> {
        if transfer
            .iter()
            .any(|t| matches!(t, Transfer::Port(p) if Arc::ptr_eq(&p.port, &self.port)))
        {
            return Err(PostError::SourcePort);
        }
        Ok(())
    }

    /// Posts any serde value.
    ///
    /// [`MessagePort`]s and [`Buffer`](crate::Buffer)s inside `value` are
    /// transferred, in the order serialization meets them (that order is
    /// the transfer list): each port is detached here and arrives as a live
    /// port, each buffer's bytes move without a copy and the buffer here is
    /// left detached. Nothing is detached if serialization fails.
    ///
    /// Errors: a DataCloneError of serialization, nesting deeper than
    /// [`DEFAULT_MAX_DEPTH`](msgport_clone::DEFAULT_MAX_DEPTH) levels
    /// ([`CloneError::TooDeep`]: the receiver could not read it), this port
    /// inside its own message ([`PostError::SourcePort`]), a closed port or
    /// a detached buffer inside it.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel, MessagePort};
    /// use serde::{Deserialize, Serialize};
    /// #[derive(Serialize, Deserialize)]
    /// struct Hello { reply_to: MessagePort, text: String }
    ///
    /// let (client, server) = MessageChannel::new().into_ports();
    /// let reply = MessageChannel::new();
    /// client.post(&Hello { reply_to: reply.port2, text: "ping".into() }).unwrap();
    ///
    /// let Event::Message(m) = server.recv_blocking_as::<Hello>(None).unwrap() else { panic!() };
    /// m.data.reply_to.post(&format!("{}: pong", m.data.text)).unwrap();
    /// let Event::Message(r) = reply.port1.recv_blocking_as::<String>(None).unwrap() else { panic!() };
    /// assert_eq!(r.data, "ping: pong");
    /// ```
    pub fn post<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<(), PostError> {
        let scope = typed::PostScope::enter();
        // Serialized into a reused per-thread buffer: a small message is
        // then copied into its task and allocates nothing.
        let payload = POST_BUFFER.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                to_bytes_into(value, &mut buf)?;
                Ok::<_, CloneError>(Payload::out_of(&mut buf))
            }
            // A `Serialize` impl that posts from inside `post`.
            Err(_) => Ok(Payload::from_vec(to_bytes(value)?)),
        });
        let found = scope.finish();
        let payload = payload?;
        match found {
            None => self.post_payload(payload),
            Some(found) => self.post_found(payload, found)?,
        }
        Ok(())
    }

    /// The transfer steps for the ports and buffers a serde value held.
    fn post_found(&self, payload: Payload, found: Found) -> Result<(), PostError> {
        found.check(&self.port)?;
        let target = self.transfer_target();
        let doomed = target.as_ref().is_some_and(|t| found.holds(t));
        let (buffers, ports) = found.transfer()?;
        match target {
            Some(t) if !doomed => {
                let extras = Some(Box::new(Extras {
                    buffers,
                    shared: Vec::new(),
                    ports,
                }));
                t.queue_from(&self.port, Port::message(payload, extras));
            }
            // No target, or the target inside its own message: dropped, and
            // the shipped ports close with it.
            _ => {}
        }
        Ok(())
    }

    /// Posts a message that is already in the wire format (V8 version 15
    /// bytes with no transferred objects), e.g. bytes that came from another
    /// process. Nothing is checked here: the receiver decodes them, and bytes
    /// it cannot read become a `messageerror` task (later messages still
    /// flow).
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// ch.port1.post_serialized(msgport::clone::to_bytes(&"ok").unwrap());
    /// ch.port1.post_serialized(vec![0xFF, 0x0F, 0xEE]); // an unknown tag
    /// ch.port2.start();
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data == "ok"));
    /// assert!(matches!(ch.port2.try_recv().unwrap(), Some(Event::MessageError(_))));
    /// ```
    pub fn post_serialized(&self, bytes: Vec<u8>) {
        self.post_payload(Payload::from_vec(bytes));
    }

    /// [`MessagePort::post_serialized`] for an embedder that serializes
    /// into one reused buffer: the bytes are taken out of `buf`, which is
    /// left empty. A message of up to 64 KiB is copied out (inside its task
    /// if it is small enough), and `buf` keeps its allocation for the next
    /// one; a larger one takes the allocation with it.
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// let ch = MessageChannel::new();
    /// let mut buf = msgport::clone::to_bytes(&7).unwrap();
    /// ch.port1.post_serialized_from(&mut buf);
    /// assert!(buf.is_empty() && buf.capacity() > 0);
    /// // A middling message is copied out: the buffer keeps its capacity.
    /// let mut buf = msgport::clone::to_bytes(&"m".repeat(1000)).unwrap();
    /// ch.port1.post_serialized_from(&mut buf);
    /// assert!(buf.is_empty() && buf.capacity() >= 1000);
    /// // A large one is taken: no thread keeps a large buffer.
    /// let mut buf = msgport::clone::to_bytes(&"L".repeat(100_000)).unwrap();
    /// ch.port1.post_serialized_from(&mut buf);
    /// assert_eq!(buf.capacity(), 0);
    /// ch.port2.start();
    /// assert!(matches!(ch.port2.try_recv_as::<i32>().unwrap(), Some(Event::Message(m)) if m.data == 7));
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data == "m".repeat(1000)));
    /// assert!(matches!(ch.port2.try_recv_as::<String>().unwrap(), Some(Event::Message(m)) if m.data.len() == 100_000));
    /// ```
    pub fn post_serialized_from(&self, buf: &mut Vec<u8>) {
        let payload = Payload::out_of(buf);
        self.post_payload(payload);
    }

    /// Posts already-serialized wire bytes.
    pub(crate) fn post_payload(&self, payload: Payload) {
        if let Some(t) = self.target() {
            t.queue_from(&self.port, Port::message(payload, None));
        }
    }

    /// Posts wire bytes that refer to the SharedArrayBuffers `shared`.
    pub(crate) fn post_payload_sharing(
        &self,
        payload: Payload,
        shared: Vec<msgport_clone::SharedArrayBuffer>,
    ) {
        if shared.is_empty() {
            return self.post_payload(payload);
        }
        let extras = Box::new(Extras {
            buffers: Vec::new(),
            shared,
            ports: Vec::new(),
        });
        if let Some(t) = self.target() {
            t.queue_from(&self.port, Port::message(payload, Some(extras)));
        }
    }

    fn deliver(&self, target: &Arc<Port>, record: Record<super::ShippedPort>) {
        let extras =
            if record.buffers.is_empty() && record.hosts.is_empty() && record.shared.is_empty() {
                None
            } else {
                Some(Box::new(Extras {
                    buffers: record.buffers,
                    shared: record.shared,
                    ports: record.hosts,
                }))
            };
        target.queue_from(
            &self.port,
            Port::message(Payload::from_vec(record.bytes), extras),
        );
    }
}

impl MessagePort {
    /// Posts a message whose transferables were already taken out of its
    /// value: wire bytes that refer to `buffers` and `ports` by index (as
    /// a received message's do), e.g. a message that arrived from another
    /// process. The ports, live handles, are transferred here (each now
    /// [`has_been_shipped`](MessagePort::has_been_shipped), its handle
    /// detached) and come back live in the receiver's `Message::ports`;
    /// the buffers move without a copy. Like every post, it never blocks
    /// and reaches nobody if this port has no peer (the ports then close).
    ///
    /// This is the narrow interface a link between processes uses: it
    /// posts what its peer process sent, and reads what local ports sent
    /// with [`EventLoop::next_task_with`](crate::EventLoop::next_task_with).
    ///
    /// ```
    /// use msgport::{Event, MessageChannel};
    /// use msgport::clone::{DataBlock, TransferredBuffer};
    /// let ch = MessageChannel::new();
    /// let inner = MessageChannel::new();
    /// // Bytes from elsewhere, with a buffer and a port beside them.
    /// let bytes = msgport::clone::to_bytes(&"hi").unwrap();
    /// let buffer = TransferredBuffer { data: DataBlock::from(vec![1, 2, 3]), max_byte_length: None };
    /// ch.port1.post_transferred(bytes, vec![buffer], vec![inner.port2]);
    /// let Event::Message(m) = ch.port2.recv_blocking(None).unwrap() else { panic!() };
    /// assert_eq!(m.ports.len(), 1);
    /// inner.port1.post(&5).unwrap();
    /// assert!(matches!(m.ports[0].recv_blocking_as::<i32>(None).unwrap(), Event::Message(m) if m.data == 5));
    /// ```
    pub fn post_transferred(
        &self,
        bytes: Vec<u8>,
        buffers: Vec<msgport_clone::TransferredBuffer>,
        ports: Vec<MessagePort>,
    ) {
        use msgport_clone::Transferable;
        let shipped: Vec<super::ShippedPort> = ports
            .iter()
            .filter(|p| p.is_live_handle())
            .map(Transferable::transfer)
            .collect();
        // The old handles are dead now (their epoch moved on): dropping
        // them closes nothing.
        drop(ports);
        let extras = if buffers.is_empty() && shipped.is_empty() {
            None
        } else {
            Some(Box::new(Extras {
                buffers,
                shared: Vec::new(),
                ports: shipped,
            }))
        };
        if let Some(t) = self.target() {
            t.queue_from(&self.port, Port::message(Payload::from_vec(bytes), extras));
        }
    }
}
