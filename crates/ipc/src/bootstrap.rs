//! Getting the first port between two processes: invitations (a socket
//! path and an unguessable token, as in Mojo), `listen`/`connect`, and
//! `spawn`/`parent_port` built on them.

use crate::frame::{self, Frame, RouteId, Splitter, TOKEN_LEN};
use crate::link::{Bounds, Link};
use crate::node::Node;
use crate::transport::unix::UnixTransport;
use crate::transport::Transport;
use msgport::MessagePort;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The environment variable through which [`spawn`] hands the child its
/// invitation.
pub const INVITATION_ENV: &str = "MSGPORT_IPC_INVITATION";

/// How long a handshake may take before the connection is dropped.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Why a process could not be joined.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IpcError {
    /// The socket could not be made, reached, read or written.
    #[error("ipc i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The connecting process did not present the invitation's token.
    #[error("the connecting process did not present the invitation's token")]
    BadToken,
    /// The other side's handshake was malformed or never came.
    #[error("handshake failed: {0}")]
    Handshake(String),
    /// The text is not an invitation (`unix:PATH#TOKEN`).
    #[error("not an invitation: {0}")]
    BadInvitation(String),
    /// This process was not started by [`spawn`] (no invitation in its
    /// environment), or [`parent_port`] was already called.
    #[error("no parent invitation: {0}")]
    NoParent(&'static str),
    /// The child exited before it connected.
    #[error("the child exited before connecting ({0})")]
    ChildExited(std::process::ExitStatus),
    /// The child did not connect in time.
    #[error("the child did not connect within {0:?}")]
    Timeout(Duration),
}

/// An invitation: where to connect and the secret to present. It prints
/// as (and parses from) `unix:PATH#TOKEN`, TOKEN in hex; pass it to the
/// other process by any private means.
///
/// ```
/// let inv: msgport_ipc::Invitation = format!("unix:/tmp/x.sock#{}", "ab".repeat(32)).parse().unwrap();
/// assert_eq!(inv.path(), std::path::Path::new("/tmp/x.sock"));
/// assert_eq!(inv.to_string().parse::<msgport_ipc::Invitation>().unwrap(), inv);
/// assert!("unix:/tmp/x.sock#00".parse::<msgport_ipc::Invitation>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    path: PathBuf,
    token: [u8; TOKEN_LEN],
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: not printed in logs.
        f.debug_struct("Invitation")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unix:{}#", self.path.display())?;
        self.token.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl std::str::FromStr for Invitation {
    type Err = IpcError;
    fn from_str(s: &str) -> Result<Self, IpcError> {
        let bad = || IpcError::BadInvitation("expected unix:PATH#TOKEN (64 hex digits)".into());
        let rest = s.strip_prefix("unix:").ok_or_else(bad)?;
        let (path, hex) = rest.rsplit_once('#').ok_or_else(bad)?;
        if hex.len() != TOKEN_LEN * 2 || path.is_empty() {
            return Err(bad());
        }
        let mut token = [0u8; TOKEN_LEN];
        for (i, t) in token.iter_mut().enumerate() {
            *t = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(Invitation {
            path: PathBuf::from(path),
            token,
        })
    }
}

impl Invitation {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A listening socket that admits processes presenting its invitation's
/// token; each admitted connection is a new link with one port.
pub struct Listener {
    socket: UnixListener,
    invitation: Invitation,
    /// A directory made for the socket (removed with the listener).
    own_dir: Option<PathBuf>,
    /// What the links it admits keep to.
    bounds: Bounds,
}

impl Listener {
    /// Listens at `path` (which must not exist) with a fresh random token.
    pub fn bind(path: impl AsRef<Path>) -> Result<Listener, IpcError> {
        let path = path.as_ref().to_path_buf();
        let socket = UnixListener::bind(&path)?;
        Ok(Listener {
            socket,
            invitation: Invitation {
                path,
                token: rand::random(),
            },
            own_dir: None,
            bounds: Bounds::default(),
        })
    }

    /// Listens in a new private directory (mode 0700) under the system's
    /// temporary directory.
    pub fn bind_private() -> Result<Listener, IpcError> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = std::env::temp_dir().join(format!("msgport-ipc-{:032x}", rand::random::<u128>()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let mut l = Listener::bind(dir.join("s"))?;
        l.own_dir = Some(dir);
        Ok(l)
    }

    /// Sets the bounds of the links this listener admits from now on.
    pub fn set_bounds(&mut self, bounds: Bounds) {
        self.bounds = bounds;
    }

    /// The invitation to hand to the process that should connect.
    pub fn invitation(&self) -> &Invitation {
        &self.invitation
    }

    /// Waits for one connection and admits it if it presents the token:
    /// the port returned is entangled with the one [`connect`] returns
    /// there. A connection without the token gets nothing (it is closed)
    /// and this returns [`IpcError::BadToken`]; the listener still works.
    pub fn accept(&self) -> Result<MessagePort, IpcError> {
        let (stream, _) = self.socket.accept()?;
        admit(stream, &self.invitation.token, self.bounds)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.invitation.path);
        if let Some(d) = &self.own_dir {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// Reads one handshake frame (with a deadline).
fn read_frame(stream: &mut UnixStream, split: &mut Splitter) -> Result<Frame, IpcError> {
    let limits = frame::Limits {
        max_frame: 64,
        ..Default::default()
    };
    stream.set_read_timeout(Some(HANDSHAKE))?;
    loop {
        match split.next_frame(&limits) {
            Ok(Some(b)) => {
                let f = frame::decode(b, &limits).map_err(|e| IpcError::Handshake(e.to_string()));
                stream.set_read_timeout(None)?;
                return f;
            }
            Ok(None) => {}
            Err(e) => return Err(IpcError::Handshake(e.to_string())),
        }
        let space = split.space(64);
        let n = match stream.read(space) {
            Ok(n) => n,
            Err(e) => {
                split.filled(0, 64);
                return Err(IpcError::Handshake(format!("no handshake: {e}")));
            }
        };
        split.filled(n, 64);
        if n == 0 {
            return Err(IpcError::Handshake(
                "the peer closed during the handshake".into(),
            ));
        }
    }
}

/// Constant-time comparison: how long it takes says nothing of the token.
fn same_token(a: &[u8; TOKEN_LEN], b: &[u8; TOKEN_LEN]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The inviting side of a handshake.
fn admit(
    mut stream: UnixStream,
    token: &[u8; TOKEN_LEN],
    bounds: Bounds,
) -> Result<MessagePort, IpcError> {
    let mut split = Splitter::new();
    let (peer, presented) = match read_frame(&mut stream, &mut split)? {
        Frame::Hello { node, token } => (node, token),
        _ => return Err(IpcError::Handshake("expected Hello".into())),
    };
    if !same_token(&presented, token) {
        return Err(IpcError::BadToken);
    }
    let route = RouteId(rand::random());
    let mut out = Vec::new();
    Frame::Welcome {
        node: Node::get().name,
        route,
    }
    .encode(&mut out);
    stream.write_all(&out)?;
    join(stream, peer, split, route, bounds)
}

/// Connects to the process that listens with `invitation`: the port
/// returned is entangled with the one its [`Listener::accept`] returns.
pub fn connect(invitation: &Invitation) -> Result<MessagePort, IpcError> {
    connect_with_bounds(invitation, Bounds::default())
}

/// [`connect`], the link keeping `bounds` (and the links this one's peer
/// introduces this process to, which inherit them).
pub fn connect_with_bounds(
    invitation: &Invitation,
    bounds: Bounds,
) -> Result<MessagePort, IpcError> {
    let mut stream = UnixStream::connect(&invitation.path)?;
    let mut out = Vec::new();
    Frame::Hello {
        node: Node::get().name,
        token: invitation.token,
    }
    .encode(&mut out);
    stream.write_all(&out)?;
    let mut split = Splitter::new();
    match read_frame(&mut stream, &mut split)? {
        Frame::Welcome { node, route } => join(stream, node, split, route, bounds),
        _ => Err(IpcError::Handshake("expected Welcome".into())),
    }
}

/// Starts the link and opens the bootstrap route on it.
fn join(
    stream: UnixStream,
    peer: u128,
    split: Splitter,
    route: RouteId,
    bounds: Bounds,
) -> Result<MessagePort, IpcError> {
    let transport: Arc<dyn Transport> = Arc::new(UnixTransport::new(stream));
    let (link, port) = Link::start(peer, transport, split, bounds, false, Some(route))?;
    Node::get().add(link);
    port.ok_or(IpcError::Handshake("no bootstrap port".into()))
}

/// Starts `command` as a child process joined to this one: the port
/// returned is entangled with the one the child gets from
/// [`parent_port`], which it must call at start-up (this waits, at most
/// 30 s, for it to connect).
///
/// The child finds its invitation in the environment variable
/// [`INVITATION_ENV`]; the socket lives in a private directory, removed
/// once the child is connected.
pub fn spawn(
    command: &mut std::process::Command,
) -> Result<(std::process::Child, MessagePort), IpcError> {
    spawn_within(command, Duration::from_secs(30))
}

/// [`spawn`], waiting at most `timeout` for the child to connect.
pub fn spawn_within(
    command: &mut std::process::Command,
    timeout: Duration,
) -> Result<(std::process::Child, MessagePort), IpcError> {
    spawn_with_bounds(command, timeout, Bounds::default())
}

/// [`spawn_within`], the link to the child keeping `bounds`: for a child
/// that must talk to this process only, say, `Bounds { introductions:
/// false, ..Default::default() }`.
///
/// ```no_run
/// let bounds = msgport_ipc::Bounds { introductions: false, ..Default::default() };
/// let (child, port) = msgport_ipc::spawn_with_bounds(
///     &mut std::process::Command::new("sandboxed-worker"),
///     std::time::Duration::from_secs(30),
///     bounds,
/// ).unwrap();
/// # drop((child, port));
/// ```
pub fn spawn_with_bounds(
    command: &mut std::process::Command,
    timeout: Duration,
    bounds: Bounds,
) -> Result<(std::process::Child, MessagePort), IpcError> {
    let mut listener = Listener::bind_private()?;
    listener.set_bounds(bounds);
    command.env(INVITATION_ENV, listener.invitation().to_string());
    let mut child = command.spawn()?;
    listener.socket.set_nonblocking(true)?;
    let deadline = Instant::now() + timeout;
    loop {
        match listener.socket.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                match admit(stream, &listener.invitation.token, listener.bounds) {
                    Ok(port) => return Ok((child, port)),
                    // Someone else reached the socket without the token:
                    // ignored; the child may still come.
                    Err(IpcError::BadToken | IpcError::Handshake(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(status) = child.try_wait()? {
            return Err(IpcError::ChildExited(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(IpcError::Timeout(timeout));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// In a process started by [`spawn`]: the port entangled with the one
/// [`spawn`] returned to the parent. It can be taken once.
pub fn parent_port() -> Result<MessagePort, IpcError> {
    parent_port_with_bounds(Bounds::default())
}

/// [`parent_port`], the link to the parent keeping `bounds` (and the
/// links the parent introduces this process to, which inherit them).
///
/// ```no_run
/// // Close links to siblings after 200 ms without a route.
/// let bounds = msgport_ipc::Bounds {
///     idle_close: Some(std::time::Duration::from_millis(200)),
///     ..Default::default()
/// };
/// let parent = msgport_ipc::parent_port_with_bounds(bounds).unwrap();
/// # drop(parent);
/// ```
pub fn parent_port_with_bounds(bounds: Bounds) -> Result<MessagePort, IpcError> {
    static TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let text = std::env::var(INVITATION_ENV)
        .map_err(|_| IpcError::NoParent("not started by msgport_ipc::spawn"))?;
    if TAKEN.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return Err(IpcError::NoParent("parent_port was already taken"));
    }
    connect_with_bounds(&text.parse()?, bounds)
}
