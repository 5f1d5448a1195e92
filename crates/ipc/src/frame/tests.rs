//! The frames' encoder, decoder and splitter, tested together.

use super::codec::{IN_REGION, MESSAGE, RESIZABLE};
use super::*;

fn roundtrip(f: Frame) {
    let mut out = Vec::new();
    f.encode(&mut out);
    let mut s = Splitter::new();
    s.push(&out);
    let bytes = s.next_frame(&Limits::default()).unwrap().unwrap();
    assert_eq!(decode(bytes, &Limits::default()).unwrap(), f);
    assert!(s.next_frame(&Limits::default()).unwrap().is_none());
}

#[test]
fn every_kind_round_trips() {
    roundtrip(Frame::Hello {
        node: 7,
        token: [9; 32],
    });
    roundtrip(Frame::Welcome {
        node: 1 << 100,
        route: RouteId(3),
    });
    roundtrip(Frame::Close {
        route: RouteId(u128::MAX),
        sent: 12,
    });
    roundtrip(Frame::Splice {
        a: RouteId(1),
        b: RouteId(u128::MAX),
    });
    roundtrip(Frame::SpliceAck {
        a: RouteId(2),
        b: RouteId(3),
    });
    roundtrip(Frame::SpliceEnd {
        a: RouteId(4),
        b: RouteId(5),
        sent_a: 6,
        sent_b: u64::MAX,
    });
    roundtrip(Frame::SpliceNo {
        a: RouteId(7),
        b: RouteId(8),
    });
    roundtrip(Frame::Introduce {
        intro: 9,
        node: u128::MAX - 1,
    });
    roundtrip(Frame::Bypass {
        route: RouteId(10),
        intro: 11,
        new: RouteId(12),
    });
    roundtrip(Frame::BypassAck { route: RouteId(13) });
    roundtrip(Frame::BypassNo {
        route: RouteId(14),
        stale: true,
    });
    roundtrip(Frame::BypassEnd {
        route: RouteId(15),
        sent: 16,
    });
    roundtrip(Frame::BypassCancel { route: RouteId(17) });
    roundtrip(Frame::BypassGo { route: RouteId(18) });
    roundtrip(Frame::Idle);
    roundtrip(Frame::IdleNo);
    roundtrip(Frame::Message {
        route: RouteId(5),
        seq: 99,
        bytes: vec![0xFF, 0x0F, 0x22, 0x01, b'a'],
        ports: vec![RouteId(1), RouteId(2)],
        buffers: vec![
            BufferDesc {
                len: 3,
                max: None,
                inline: Some(vec![1, 2, 3]),
            },
            BufferDesc {
                len: 1 << 20,
                max: Some(1 << 21),
                inline: None,
            },
        ],
    });
}

#[test]
fn frames_split_at_any_byte() {
    let mut out = Vec::new();
    Frame::Close {
        route: RouteId(1),
        sent: 0,
    }
    .encode(&mut out);
    Frame::Hello {
        node: 2,
        token: [1; 32],
    }
    .encode(&mut out);
    let mut s = Splitter::new();
    let mut got = Vec::new();
    for b in &out {
        s.push(std::slice::from_ref(b));
        while let Some(f) = s.next_frame(&Limits::default()).unwrap() {
            got.push(decode(f, &Limits::default()).unwrap());
        }
    }
    assert_eq!(got.len(), 2);
}

#[test]
fn bad_frames_are_typed_errors() {
    let l = Limits::default();
    assert_eq!(decode(&[], &l), Err(FrameError::Truncated));
    assert_eq!(decode(&[77], &l), Err(FrameError::UnknownKind(77)));
    let mut out = Vec::new();
    Frame::Close {
        route: RouteId(1),
        sent: 0,
    }
    .encode(&mut out);
    out.push(0);
    assert_eq!(decode(&out[4..], &l), Err(FrameError::Trailing(1)));
    // A huge declared length is refused before its bytes arrive.
    let mut s = Splitter::new();
    s.push(&u32::MAX.to_le_bytes());
    assert_eq!(
        s.next_frame(&l),
        Err(FrameError::TooLarge(u32::MAX as usize))
    );
    // Counts beyond the limits, and counts the frame cannot hold.
    let mut m = vec![MESSAGE];
    m.extend_from_slice(&[0; 16 + 8]);
    m.extend_from_slice(&0u32.to_le_bytes());
    let mut many = m.clone();
    many.extend_from_slice(&5000u16.to_le_bytes());
    assert_eq!(decode(&many, &l), Err(FrameError::TooManyPorts(5000)));
    let mut short = m.clone();
    short.extend_from_slice(&100u16.to_le_bytes());
    assert_eq!(decode(&short, &l), Err(FrameError::Truncated));
    // An inline buffer over the inline limit, a max below the length.
    let mut big = m.clone();
    big.extend_from_slice(&0u16.to_le_bytes());
    big.extend_from_slice(&1u16.to_le_bytes());
    let mut b1 = big.clone();
    b1.push(0);
    b1.extend_from_slice(&(1u64 << 20).to_le_bytes());
    assert_eq!(decode(&b1, &l), Err(FrameError::BadBuffer));
    let mut b2 = big.clone();
    b2.push(RESIZABLE | IN_REGION);
    b2.extend_from_slice(&10u64.to_le_bytes());
    b2.extend_from_slice(&5u64.to_le_bytes());
    assert_eq!(decode(&b2, &l), Err(FrameError::BadBuffer));
    // A flag that is neither 0 nor 1.
    let mut no = vec![14u8];
    no.extend_from_slice(&[0; 16]);
    no.push(2);
    assert_eq!(decode(&no, &l), Err(FrameError::BadField("stale")));
    let mut b3 = big;
    b3.push(0x80);
    b3.extend_from_slice(&[0; 8]);
    assert_eq!(decode(&b3, &l), Err(FrameError::BadBuffer));
}

#[test]
fn reads_into_offered_space_of_any_size_give_the_same_frames() {
    // Frames of several sizes, one large, read as a socket would: each
    // read offered more space than it fills, the space reused (never
    // cleared) between reads.
    let mut out = Vec::new();
    let sizes = [0usize, 3, 70_000, 1, 5_000_000, 12];
    for (i, n) in sizes.iter().enumerate() {
        message_frame(i as u64, *n).encode(&mut out);
    }
    for chunk in [1usize, 7, 4096, 300_000] {
        let mut s = Splitter::new();
        let mut got = Vec::new();
        let mut rest = &out[..];
        while !rest.is_empty() {
            let offered = chunk * 2 + 5;
            let space = s.space(offered);
            // What a read leaves beyond what it filled is garbage.
            space.fill(0xAA);
            let n = chunk.min(rest.len());
            space[..n].copy_from_slice(&rest[..n]);
            s.filled(n, offered);
            rest = &rest[n..];
            while let Some(f) = s.next_frame(&Limits::default()).unwrap() {
                got.push(decode(f, &Limits::default()).unwrap());
            }
        }
        let want: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, n)| message_frame(i as u64, *n))
            .collect();
        assert_eq!(got, want, "chunks of {chunk}");
    }
}

fn message_frame(seq: u64, n: usize) -> Frame {
    Frame::Message {
        route: RouteId(9),
        seq,
        bytes: (0..n).map(|i| i as u8).collect(),
        ports: vec![],
        buffers: vec![],
    }
}
