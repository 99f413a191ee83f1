//! A spooled delivery and its payload encoding, pure (see the format in `spool/mod.rs`).

use super::record::{scan, Damage, Scanned, HEADER_LEN};
use crate::domain::Source;
use crate::webhook::VerifiedDelivery;

/// The payload format written by this version.
const VERSION: u8 = 1;
/// Version, source, timestamp, id length.
const FIXED_LEN: usize = 1 + 1 + 8 + 2;

/// A verified delivery as the spool keeps it: enough to store it later exactly as the intake
/// would have (same event key, same payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpooledDelivery {
    pub source: Source,
    pub delivery: VerifiedDelivery,
    /// The body exactly as signed.
    pub body: Vec<u8>,
}

/// A payload with a valid checksum that this version cannot decode (a newer format, or a
/// `webhook-id` that is not UTF-8): skipped like a corrupt record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecodable;

/// The payload of one delivery: `None` when its `webhook-id` is longer than 65,535 bytes (the
/// verifier admits far shorter ones).
pub fn encode(source: Source, delivery: &VerifiedDelivery, body: &[u8]) -> Option<Vec<u8>> {
    let id = delivery.webhook_id.as_bytes();
    let id_len = u16::try_from(id.len()).ok()?;
    let mut payload = Vec::with_capacity(FIXED_LEN + id.len() + body.len());
    payload.push(VERSION);
    payload.push(source_code(source));
    payload.extend_from_slice(&delivery.timestamp.to_le_bytes());
    payload.extend_from_slice(&id_len.to_le_bytes());
    payload.extend_from_slice(id);
    payload.extend_from_slice(body);
    Some(payload)
}

/// The delivery a payload holds.
pub fn decode(payload: &[u8]) -> Result<SpooledDelivery, Undecodable> {
    let fixed = payload.get(..FIXED_LEN).ok_or(Undecodable)?;
    if fixed[0] != VERSION {
        return Err(Undecodable);
    }
    let source = source_of(fixed[1]).ok_or(Undecodable)?;
    let timestamp = i64::from_le_bytes(fixed[2..10].try_into().expect("eight bytes"));
    let id_len = usize::from(u16::from_le_bytes([fixed[10], fixed[11]]));
    let rest = &payload[FIXED_LEN..];
    let id = rest.get(..id_len).ok_or(Undecodable)?;
    let webhook_id = std::str::from_utf8(id).map_err(|_| Undecodable)?.to_owned();
    Ok(SpooledDelivery {
        source,
        delivery: VerifiedDelivery {
            webhook_id,
            timestamp,
        },
        body: rest[id_len..].to_vec(),
    })
}

/// One entry of a segment as the drainer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Entry {
    Delivery {
        offset: usize,
        spooled: SpooledDelivery,
    },
    Damaged {
        offset: usize,
        len: usize,
        kind: Damage,
    },
}

/// The deliveries and damage of a segment's bytes, in order; an intact record that does not
/// decode counts as corrupt.
pub(super) fn entries(bytes: &[u8]) -> impl Iterator<Item = Entry> + '_ {
    scan(bytes).map(|scanned| match scanned {
        Scanned::Record { offset, payload } => match decode(payload) {
            Ok(spooled) => Entry::Delivery { offset, spooled },
            Err(Undecodable) => Entry::Damaged {
                offset,
                len: HEADER_LEN + payload.len(),
                kind: Damage::Corrupt,
            },
        },
        Scanned::Damaged { offset, len, kind } => Entry::Damaged { offset, len, kind },
    })
}

fn source_code(source: Source) -> u8 {
    match source {
        Source::AuthHook => 1,
        Source::DbWebhook => 2,
    }
}

fn source_of(code: u8) -> Option<Source> {
    match code {
        1 => Some(Source::AuthHook),
        2 => Some(Source::DbWebhook),
        _ => None,
    }
}
