//! An `EventLoop` with many ports: tasks come out in global posting order
//! among the releasable ones, whatever the interleaving, however many
//! ports have work, and with ports started late, closed, or moved away.

use msgport::{Event, EventLoop, MessageChannel, PortName};

/// A small deterministic generator (xorshift), for reproducible orders.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Every task the loop releases now: (index of its port in `names`, the
/// number it carries).
fn drain(lp: &EventLoop, names: &[PortName]) -> Vec<(usize, u64)> {
    std::iter::from_fn(|| {
        lp.next_task_with(|bytes, _, _, _| msgport::clone::from_bytes::<u64>(bytes))
    })
    .filter_map(|(name, ev)| {
        let i = names.iter().position(|n| *n == name)?;
        match ev {
            Event::Message(m) => Some((i, m.data)),
            _ => None,
        }
    })
    .collect()
}

#[test]
fn many_ports_release_their_tasks_in_global_posting_order() {
    for seed in 1..=5u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let lp = EventLoop::new(|| {});
        let channels: Vec<_> = (0..300)
            .map(|_| MessageChannel::new().into_ports())
            .collect();
        let receivers: Vec<_> = channels.iter().map(|(_, r)| r).collect();
        let names: Vec<PortName> = receivers.iter().map(|r| r.name()).collect();
        for r in &receivers {
            lp.bind(r);
        }
        // A third of the ports are started only after the posts: their
        // (earlier) tasks then come before later ones of other ports.
        let late: Vec<bool> = (0..receivers.len()).map(|_| rng.next() % 3 == 0).collect();
        for (r, &l) in receivers.iter().zip(&late) {
            if !l {
                r.start();
            }
        }
        let mut posted = Vec::new();
        for n in 0..3000u64 {
            let i = (rng.next() % channels.len() as u64) as usize;
            channels[i].0.post(&n).unwrap();
            posted.push((i, n));
        }
        let early = drain(&lp, &names);
        let expected: Vec<_> = posted.iter().copied().filter(|(i, _)| !late[*i]).collect();
        assert_eq!(
            early, expected,
            "seed {seed}: started ports, in posting order"
        );
        for (r, &l) in receivers.iter().zip(&late) {
            if l {
                r.start();
            }
        }
        let rest = drain(&lp, &names);
        let expected: Vec<_> = posted.iter().copied().filter(|(i, _)| late[*i]).collect();
        assert_eq!(rest, expected, "seed {seed}: late ports, in posting order");
    }
}

#[test]
fn a_port_moved_away_or_closed_leaves_the_loop_without_stalling_it() {
    let lp = EventLoop::new(|| {});
    let a = MessageChannel::new();
    let b = MessageChannel::new();
    for p in [&a.port2, &b.port2] {
        lp.bind(p);
        p.start();
    }
    a.port1.post(&1u64).unwrap();
    b.port1.post(&2u64).unwrap();
    a.port1.post(&3u64).unwrap();
    let names = [a.port2.name(), b.port2.name()];
    // a.port2 moves to another owner with its queue: this loop skips it.
    let carrier = MessageChannel::new();
    carrier.port1.post(&a.port2).unwrap();
    let got = drain(&lp, &names);
    assert_eq!(got, vec![(1, 2)]);
    // A close is a task too: it comes out, then nothing.
    b.port1.close();
    let close = lp.next_task().expect("the close event");
    assert!(matches!(close.1, Event::Close));
    assert!(lp.next_task().is_none());
}
