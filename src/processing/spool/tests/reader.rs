//! The record reader on bytes: intact, corrupt, truncated, and arbitrary damage (proptest).

use proptest::prelude::*;

use super::super::payload::{decode, encode};
use super::super::record::{frame, scan, Damage, Scanned, HEADER_LEN, MAGIC};
use super::delivery;

/// Framed records of `payloads`, one after another, and where each starts.
fn segment(payloads: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let mut bytes = Vec::new();
    let mut starts = Vec::new();
    for payload in payloads {
        starts.push(bytes.len());
        bytes.extend(frame(payload).expect("a small payload"));
    }
    (bytes, starts)
}

fn payloads_read(bytes: &[u8]) -> Vec<Vec<u8>> {
    scan(bytes)
        .filter_map(|scanned| match scanned {
            Scanned::Record { payload, .. } => Some(payload.to_vec()),
            Scanned::Damaged { .. } => None,
        })
        .collect()
}

fn damage_read(bytes: &[u8]) -> Vec<Damage> {
    scan(bytes)
        .filter_map(|scanned| match scanned {
            Scanned::Damaged { kind, .. } => Some(kind),
            Scanned::Record { .. } => None,
        })
        .collect()
}

/// How many bytes the records and damage read from `bytes` account for.
fn covered(bytes: &[u8]) -> usize {
    scan(bytes)
        .map(|scanned| match scanned {
            Scanned::Record { payload, .. } => HEADER_LEN + payload.len(),
            Scanned::Damaged { len, .. } => len,
        })
        .sum()
}

fn three() -> Vec<Vec<u8>> {
    vec![b"first".to_vec(), b"second".to_vec(), b"third".to_vec()]
}

#[test]
fn intact_records_read_back_in_order() {
    let (bytes, starts) = segment(&three());

    let read: Vec<Scanned> = scan(&bytes).collect();

    assert_eq!(read.len(), 3);
    assert_eq!(
        read[1],
        Scanned::Record {
            offset: starts[1],
            payload: b"second"
        }
    );
    assert_eq!(payloads_read(&bytes), three());
}

#[test]
fn a_corrupt_record_in_the_middle_is_skipped_and_its_neighbours_kept() {
    let (mut bytes, starts) = segment(&three());
    bytes[starts[1] + HEADER_LEN + 2] ^= 0x40;

    let read: Vec<Scanned> = scan(&bytes).collect();

    assert_eq!(
        payloads_read(&bytes),
        [b"first".to_vec(), b"third".to_vec()]
    );
    assert_eq!(
        read[1],
        Scanned::Damaged {
            offset: starts[1],
            len: starts[2] - starts[1],
            kind: Damage::Corrupt
        }
    );
}

#[test]
fn a_damaged_length_is_not_trusted() {
    let (mut bytes, starts) = segment(&three());
    // A length far past the end, then one that swallows the next record.
    bytes[starts[0] + 7] = 0x7F;
    bytes[starts[1] + 4] += 20;

    assert_eq!(payloads_read(&bytes), [b"third".to_vec()]);
    assert_eq!(damage_read(&bytes), [Damage::Corrupt]);
}

#[test]
fn a_truncated_tail_is_reported_as_truncated_and_earlier_records_kept() {
    let (bytes, starts) = segment(&three());
    for cut in [starts[2] + 1, starts[2] + HEADER_LEN - 1, bytes.len() - 1] {
        let torn = &bytes[..cut];

        assert_eq!(payloads_read(torn), three()[..2], "cut at {cut}");
        assert_eq!(damage_read(torn), [Damage::Truncated], "cut at {cut}");
    }
}

#[test]
fn garbage_without_a_marker_is_corrupt_not_truncated() {
    let (mut bytes, _) = segment(&three());
    bytes.extend_from_slice(b"zz");

    assert_eq!(payloads_read(&bytes), three());
    assert_eq!(damage_read(&bytes), [Damage::Corrupt]);
}

#[test]
fn the_marker_cannot_occur_in_utf8_text() {
    let mut buffer = [0; 4];
    let in_some_char = (0..=u32::from(char::MAX))
        .filter_map(char::from_u32)
        .any(|c| c.encode_utf8(&mut buffer).as_bytes().contains(&MAGIC[0]));

    assert!(!in_some_char);
}

#[test]
fn a_delivery_payload_decodes_to_what_was_encoded() {
    let spooled = delivery(7);

    let payload = encode(spooled.source, &spooled.delivery, &spooled.body).unwrap();

    assert_eq!(decode(&payload), Ok(spooled));
}

#[test]
fn a_payload_of_an_unknown_version_or_cut_short_does_not_decode() {
    let spooled = delivery(1);
    let payload = encode(spooled.source, &spooled.delivery, &spooled.body).unwrap();
    let mut newer = payload.clone();
    newer[0] = 2;

    assert!(decode(&newer).is_err());
    assert!(decode(&payload[..15]).is_err());
    assert!(decode(&[]).is_err());
}

/// Bodies as Supabase sends them: JSON text, here any printable ASCII.
fn body() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0x20u8..0x7F, 0..200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn damage_never_panics_and_spares_every_untouched_record(
        payloads in proptest::collection::vec(body(), 1..12),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6),
    ) {
        let (original, starts) = segment(&payloads);
        let mut bytes = original.clone();
        for (index, mask) in &flips {
            let at = index.index(bytes.len());
            bytes[at] ^= mask;
        }
        // Touched: a byte of it differs in the end (two flips of one byte can cancel out).
        let mut touched = vec![false; payloads.len()];
        for at in (0..bytes.len()).filter(|&at| bytes[at] != original[at]) {
            touched[starts.iter().rposition(|&start| start <= at).unwrap()] = true;
        }
        let untouched: Vec<Vec<u8>> = payloads
            .iter()
            .zip(&touched)
            .filter(|(_, touched)| !**touched)
            .map(|(payload, _)| payload.clone())
            .collect();

        // A changed record fails its CRC-32 (up to 2^-32): what is read is exactly the rest.
        prop_assert_eq!(payloads_read(&bytes), untouched);
        prop_assert_eq!(covered(&bytes), bytes.len());
    }

    #[test]
    fn a_cut_anywhere_keeps_every_record_before_it(
        payloads in proptest::collection::vec(body(), 1..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let (bytes, starts) = segment(&payloads);
        let cut = cut.index(bytes.len() + 1);
        let whole = starts
            .iter()
            .zip(&payloads)
            .take_while(|(start, payload)| *start + HEADER_LEN + payload.len() <= cut)
            .count();

        let torn = &bytes[..cut];

        prop_assert_eq!(payloads_read(torn), payloads[..whole].to_vec());
        let tail_torn = whole < payloads.len() && cut > starts[whole];
        let expected = if tail_torn { vec![Damage::Truncated] } else { vec![] };
        prop_assert_eq!(damage_read(torn), expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        prop_assert_eq!(covered(&bytes), bytes.len());
        for payload in payloads_read(&bytes) {
            let _ = decode(&payload);
        }
    }
}
