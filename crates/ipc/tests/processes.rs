//! Ports between processes: each test spawns children of this very test
//! binary (see `common`), and checks one behaviour of the list.

mod common;

use common::{child, reply, Cmd, Reply};
use msgport::{Buffer, Event, MessageChannel};
use std::time::{Duration, Instant};

#[test]
fn child_entry() {
    common::run_role(&[("serve", common::serve)]);
}

#[test]
fn spawn_gives_a_port_entangled_with_the_childs_parent_port() {
    let (mut kid, port) = msgport_ipc::spawn(&mut child("serve")).unwrap();
    assert!(msgport_ipc::is_remote(&port));
    port.post(&Cmd::Echo("hello".into())).unwrap();
    assert_eq!(reply(&port), Reply::Echo("hello".into()));
    port.post(&Cmd::Exit).unwrap();
    // The child flushed, exited: its end closed, so ours gets `close`.
    assert!(matches!(port.recv_timeout(Duration::from_secs(10)), Ok(Event::Close)));
    assert!(kid.wait().unwrap().success());
}
