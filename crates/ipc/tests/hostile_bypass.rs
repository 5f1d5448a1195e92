//! The ends' side of a bypass, driven by hand: a raw peer plays the proxy
//! (it introduces this node to a second raw peer and moves our end of a
//! route there), and misbehaves in each way the protocol forbids. Every
//! misstep closes that link only, with a typed error.

use msgport_ipc::frame::{Frame, RouteId};
use msgport_ipc::{LinkError, Listener};
use std::io::Write;
use std::time::Duration;

mod raw;
use raw::*;

fn post_text(port: &msgport::MessagePort, text: &str) {
    port.post(&text.to_string()).unwrap();
}

/// The text a `Message` frame carries.
fn text_of(f: &Frame) -> String {
    let Frame::Message { bytes, .. } = f else {
        panic!("{f:?}")
    };
    match msgport::clone::from_bytes::<String>(bytes) {
        Ok(s) => s,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn an_end_moves_to_the_introduced_link_and_keeps_every_message_in_order() {
    let (_l, _name, mut p, port, route) = named_raw_peer();
    let mut k2 = introduce(&p, 5, 0xBEEF);
    let new = RouteId(77);
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 5,
            new,
        },
    );
    assert_eq!(
        read_until(&mut p, |f| matches!(f, Frame::BypassAck { .. })),
        Frame::BypassAck { route }
    );
    // Posted now, it waits (parked) until the other end says go.
    post_text(&port, "to k2, first");
    // What the proxy still forwards comes first, then the end.
    send(&mut p, message(route, 0, "via the proxy"));
    send(&mut p, Frame::BypassEnd { route, sent: 1 });
    expect_text(&port, "via the proxy");
    assert_eq!(read_frame(&mut k2), Frame::BypassGo { route: new });
    // The other end's messages come on the new route; ours go there once
    // it says go.
    send(&mut k2, message(new, 0, "from k2"));
    expect_text(&port, "from k2");
    send(&mut k2, Frame::BypassGo { route: new });
    let f = read_frame(&mut k2);
    assert!(
        matches!(f, Frame::Message { route: r, seq: 0, .. } if r == new),
        "{f:?}"
    );
    assert_eq!(text_of(&f), "to k2, first");
    // Nothing of it is left on the proxy's link; the introduced link is
    // reported as such.
    let links = msgport_ipc::links();
    assert!(
        links
            .iter()
            .any(|l| l.peer == 0xBEEF && l.introduced && l.routes == 1),
        "{links:?}"
    );
    // A close travels on the new route too.
    drop(port);
    assert_eq!(
        read_frame(&mut k2),
        Frame::Close {
            route: new,
            sent: 1
        }
    );
}

#[test]
fn a_cancelled_bypass_sends_on_the_old_route_again() {
    let (_l, _name, mut p, port, route) = named_raw_peer();
    let _k2 = introduce(&p, 9, 0xCAFE);
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 9,
            new: RouteId(3),
        },
    );
    read_until(&mut p, |f| matches!(f, Frame::BypassAck { .. }));
    post_text(&port, "parked");
    send(&mut p, Frame::BypassCancel { route });
    let f = read_until(&mut p, |f| matches!(f, Frame::Message { .. }));
    assert!(matches!(f, Frame::Message { route: r, .. } if r == route));
    assert_eq!(text_of(&f), "parked");
    send(&mut p, message(route, 0, "still the old route"));
    expect_text(&port, "still the old route");
}

#[test]
fn a_bypass_naming_no_introduction_is_refused_as_stale() {
    let (_l, _name, mut p, port, route) = named_raw_peer();
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 123,
            new: RouteId(4),
        },
    );
    assert_eq!(
        read_until(&mut p, |f| matches!(f, Frame::BypassNo { .. })),
        Frame::BypassNo { route, stale: true }
    );
    send(&mut p, message(route, 0, "unmoved"));
    expect_text(&port, "unmoved");
    // A route that does not exist: refused, not stale.
    let _k2 = introduce(&p, 8, 0xD00D);
    let gone = RouteId(999);
    send(
        &mut p,
        Frame::Bypass {
            route: gone,
            intro: 8,
            new: RouteId(5),
        },
    );
    assert_eq!(
        read_until(&mut p, |f| matches!(f, Frame::BypassNo { .. })),
        Frame::BypassNo {
            route: gone,
            stale: false
        }
    );
}

#[test]
fn a_message_on_the_new_route_before_go_closes_the_introduced_link() {
    let (_l, _name, mut p, port, route) = named_raw_peer();
    let mut k2 = introduce(&p, 6, 0xF00D);
    let new = RouteId(8);
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 6,
            new,
        },
    );
    read_until(&mut p, |f| matches!(f, Frame::BypassAck { .. }));
    // The other end jumps the gun: only the introduced link closes.
    send(&mut k2, message(new, 0, "too soon"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let links = msgport_ipc::links();
        if let Some(why) = links
            .iter()
            .find(|l| l.peer == 0xF00D)
            .and_then(|l| l.closed.clone())
        {
            assert!(
                matches!(*why, LinkError::Protocol(m) if m.contains("before BypassGo")),
                "{why:?}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{links:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
    // The route's new half went with that link; the proxy's `BypassEnd`
    // then lets the port close after what was forwarded.
    send(&mut p, message(route, 0, "forwarded"));
    send(&mut p, Frame::BypassEnd { route, sent: 1 });
    expect_text(&port, "forwarded");
    expect_close(&port);
}

#[test]
fn bypass_frames_out_of_turn_close_the_link() {
    closes_only_its_link(
        |s, route| send(s, Frame::BypassEnd { route, sent: 0 }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("BypassEnd for no Bypass")),
    );
    closes_only_its_link(
        |s, route| send(s, Frame::BypassGo { route }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("BypassGo for no bypass")),
    );
    closes_only_its_link(
        |s, route| send(s, Frame::BypassCancel { route }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("BypassCancel for no Bypass")),
    );
    closes_only_its_link(
        |s, route| send(s, Frame::BypassAck { route }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("answer for no Bypass")),
    );
    // An introduction whose socket did not come with it.
    closes_only_its_link(
        |s, _| send(s, Frame::Introduce { intro: 1, node: 2 }),
        |e| matches!(e, LinkError::Protocol(m) if m.contains("socket is missing")),
    );
}

#[test]
fn introductions_are_bounded() {
    closes_only_its_link(
        |s, _| {
            for i in 1..=65u128 {
                // Kept open: each is a live link.
                std::mem::forget(introduce(s, i, 1000 + i));
            }
        },
        |e| matches!(e, LinkError::Protocol(m) if m.contains("too many introductions")),
    );
}

#[test]
fn a_message_sent_with_the_invitations_answer_is_not_lost() {
    // A raw inviter answers `Hello` with `Welcome` and a message on the
    // new route in one write: the link must have its route before it
    // reads on.
    let dir = std::env::temp_dir().join(format!("msgport-raw-{}", std::process::id()));
    let _ = std::fs::create_dir(&dir);
    let path = dir.join("inviter");
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let invitation: msgport_ipc::Invitation =
        format!("unix:{}#{}", path.display(), "ab".repeat(32))
            .parse()
            .unwrap();
    let inviter = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let Frame::Hello { .. } = read_frame(&mut s) else {
            panic!()
        };
        let route = RouteId(42);
        let mut out = Vec::new();
        Frame::Welcome { node: 7, route }.encode(&mut out);
        message(route, 0, "at once").encode(&mut out);
        s.write_all(&out).unwrap();
        s
    });
    let port = msgport_ipc::connect(&invitation).unwrap();
    expect_text(&port, "at once");
    drop(inviter.join().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_link_that_refuses_introductions_takes_no_socket() {
    let mut l = Listener::bind_private().unwrap();
    l.set_bounds(msgport_ipc::Bounds {
        introductions: false,
        ..Default::default()
    });
    let name: u128 = rand::random();
    let (mut p, port, route) = raw_peer_named(&l, name);
    let _k2 = introduce(&p, 11, 0xABCD);
    send(
        &mut p,
        Frame::Bypass {
            route,
            intro: 11,
            new: RouteId(12),
        },
    );
    assert_eq!(
        read_until(&mut p, |f| matches!(f, Frame::BypassNo { .. })),
        Frame::BypassNo { route, stale: true }
    );
    assert!(!msgport_ipc::links().iter().any(|l| l.peer == 0xABCD));
    send(&mut p, message(route, 0, "unmoved"));
    expect_text(&port, "unmoved");
}

/// This node as the proxy, driven by hand: raw peers X and Y; a port X
/// sent us goes on to Y, so this node forwards between them and asks to
/// be bypassed. Y, meanwhile a proxy itself, asks to splice the route this
/// node is bypassing and is refused; then Y refuses the bypass. Y has the
/// greater name, but it may have given up its splice already: this node,
/// which refused it, asks again.
#[test]
fn a_proxy_that_refused_a_splice_during_its_bypass_asks_again() {
    let l = Listener::bind_private().unwrap();
    let (mut x, x_port, x_route) = raw_peer_named(&l, 0x1234);
    let (mut y, y_port, y_route) = raw_peer_named(&l, u128::MAX);
    // X sends us a port (route a), which we pass on to Y (route b).
    let (a, pa) = routes_from(&mut x, &x_port, x_route, 1).remove(0);
    y_port
        .post_message(
            &mut msgport::Graph::default(),
            &[msgport::Transfer::Port(&pa)],
        )
        .unwrap();
    let Frame::Message { ports, .. } = read_until(&mut y, |f| matches!(f, Frame::Message { .. }))
    else {
        unreachable!()
    };
    let b = ports[0];
    let first = read_until(&mut y, |f| matches!(f, Frame::Bypass { .. }));
    assert!(
        matches!(first, Frame::Bypass { route, .. } if route == b),
        "{first:?}"
    );
    let Frame::Bypass { intro, new, .. } = first else {
        unreachable!()
    };
    // Y asks to splice b with its bootstrap route: refused, b is busy.
    send(&mut y, Frame::Splice { a: b, b: y_route });
    assert_eq!(
        read_until(&mut y, |f| matches!(f, Frame::SpliceNo { .. })),
        Frame::SpliceNo { a: b, b: y_route }
    );
    // X accepts, Y refuses (busy with its splice, as far as we know).
    assert!(matches!(
        read_until(&mut x, |f| matches!(f, Frame::Bypass { .. })),
        Frame::Bypass { route, intro: i, new: n } if route == a && i == intro && n == new
    ));
    send(&mut x, Frame::BypassAck { route: a });
    send(
        &mut y,
        Frame::BypassNo {
            route: b,
            stale: false,
        },
    );
    // X gets its cancel, and both get the bypass again.
    assert_eq!(
        read_until(&mut x, |f| matches!(f, Frame::BypassCancel { .. })),
        Frame::BypassCancel { route: a }
    );
    assert!(matches!(
        read_until(&mut x, |f| matches!(f, Frame::Bypass { .. })),
        Frame::Bypass { route, .. } if route == a
    ));
    assert!(matches!(
        read_until(&mut y, |f| matches!(f, Frame::Bypass { .. })),
        Frame::Bypass { route, .. } if route == b
    ));
}
