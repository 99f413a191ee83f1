//! Record framing, pure: how one record is written into a segment and how a segment's bytes
//! are read back, resynchronising past damage (see the format in `spool/mod.rs`).

/// Starts every record. `0xF5` never occurs in UTF-8, so the marker cannot appear inside a
/// JSON body: resynchronising after damage cannot stop inside one.
pub const MAGIC: [u8; 4] = [0xF5, b'S', b'P', b'L'];
/// Magic, payload length (u32 LE), CRC-32 (u32 LE).
pub const HEADER_LEN: usize = 12;
/// Longest payload a reader accepts: far above any body `MAX_BODY_BYTES` would let in, and
/// small enough that a damaged length field is recognised as damage rather than waited for.
pub const MAX_PAYLOAD_LEN: usize = 64 * 1024 * 1024;

/// One record, framed: header then `payload`. `None` when `payload` is longer than
/// [`MAX_PAYLOAD_LEN`].
pub fn frame(payload: &[u8]) -> Option<Vec<u8>> {
    if payload.len() > MAX_PAYLOAD_LEN {
        return None;
    }
    let length = (payload.len() as u32).to_le_bytes();
    let checksum = checksum(&length, payload).to_le_bytes();
    let mut framed = Vec::with_capacity(HEADER_LEN + payload.len());
    framed.extend_from_slice(&MAGIC);
    framed.extend_from_slice(&length);
    framed.extend_from_slice(&checksum);
    framed.extend_from_slice(payload);
    Some(framed)
}

/// CRC-32 over the magic, the length and the payload.
fn checksum(length: &[u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&MAGIC);
    hasher.update(length);
    hasher.update(payload);
    hasher.finalize()
}

/// What a reader finds at a position of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned<'a> {
    /// An intact record.
    Record { offset: usize, payload: &'a [u8] },
    /// Bytes that are not an intact record, skipped up to the next intact one (or the end).
    Damaged {
        offset: usize,
        len: usize,
        kind: Damage,
    },
}

/// Why bytes were skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// A bad marker, length or checksum (bit rot, a torn write followed by other records).
    Corrupt,
    /// The segment ends inside a record that started well: a write cut short (power loss).
    Truncated,
}

impl Damage {
    /// The metric label and log value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Corrupt => "corrupt",
            Self::Truncated => "truncated",
        }
    }
}

/// The records and damage of a segment's bytes, in order. Never panics, whatever the bytes.
pub fn scan(bytes: &[u8]) -> Scanner<'_> {
    Scanner { bytes, position: 0 }
}

/// Iterator of [`scan`].
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    bytes: &'a [u8],
    position: usize,
}

/// How the bytes at one position read.
enum Frame {
    /// An intact record with this payload length.
    Intact(usize),
    /// A record that starts well but runs past the end of the bytes.
    Incomplete,
    /// Not a record.
    Invalid,
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Scanned<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let offset = self.position;
        if offset >= self.bytes.len() {
            return None;
        }
        let damage = match frame_at(self.bytes, offset) {
            Frame::Intact(len) => {
                let start = offset + HEADER_LEN;
                self.position = start + len;
                return Some(Scanned::Record {
                    offset,
                    payload: &self.bytes[start..start + len],
                });
            }
            Frame::Incomplete => Damage::Truncated,
            Frame::Invalid => Damage::Corrupt,
        };
        // Never trust a damaged length: look for the next intact record byte by byte, so
        // that the records after the damage are kept.
        let next = next_intact(self.bytes, offset + 1);
        let kind = match next {
            Some(_) => Damage::Corrupt,
            None => damage,
        };
        let end = next.unwrap_or(self.bytes.len());
        self.position = end;
        Some(Scanned::Damaged {
            offset,
            len: end - offset,
            kind,
        })
    }
}

/// The first position at or after `from` where an intact record starts.
fn next_intact(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len())
        .filter(|&position| bytes[position] == MAGIC[0])
        .find(|&position| matches!(frame_at(bytes, position), Frame::Intact(_)))
}

fn frame_at(bytes: &[u8], offset: usize) -> Frame {
    let rest = &bytes[offset..];
    if rest.len() < MAGIC.len() {
        return match MAGIC.starts_with(rest) {
            true => Frame::Incomplete,
            false => Frame::Invalid,
        };
    }
    if rest[..MAGIC.len()] != MAGIC {
        return Frame::Invalid;
    }
    if rest.len() < HEADER_LEN {
        return Frame::Incomplete;
    }
    let length: [u8; 4] = rest[4..8].try_into().expect("four bytes");
    let stored: [u8; 4] = rest[8..12].try_into().expect("four bytes");
    let len = u32::from_le_bytes(length) as usize;
    if len > MAX_PAYLOAD_LEN {
        return Frame::Invalid;
    }
    let Some(payload) = rest.get(HEADER_LEN..HEADER_LEN + len) else {
        return Frame::Incomplete;
    };
    match checksum(&length, payload) == u32::from_le_bytes(stored) {
        true => Frame::Intact(len),
        false => Frame::Invalid,
    }
}
