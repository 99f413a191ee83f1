//! Parsing the `webhook-signature` header into candidate `v1` MACs, leniently and boundedly.
//!
//! The spec separates entries with a space (`v1,AAA= v1,BBB=`); Supabase joins them with a
//! comma and a space (`v1,AAA=, v1,BBB=`). Both are read as whitespace-separated tokens, each
//! a run of comma-separated `version,base64` pairs, so a stray comma or an unpaired value
//! merely drops that entry. Nothing here is an error: what cannot match is skipped.

use base64::Engine as _;

use super::BASE64;

/// Length in bytes of an HMAC-SHA256 MAC.
pub(crate) const MAC_LEN: usize = 32;

/// The only signature version this verifier understands.
const VERSION: &str = "v1";

/// Iterates the decoded `v1` MACs of a signature header, looking at no more than
/// `max_entries` `version,value` pairs (of any version) so a huge header costs bounded work.
pub(crate) fn v1_macs(
    header: &str,
    max_entries: usize,
) -> impl Iterator<Item = [u8; MAC_LEN]> + '_ {
    header
        .split_whitespace()
        .flat_map(pairs)
        .take(max_entries)
        .filter(|(version, _)| *version == VERSION)
        .filter_map(|(_, value)| decode_mac(value))
}

/// Splits one token such as `v1,AAA=,` or `v1,AAA=,v1,BBB=` into `(version, value)` pairs.
fn pairs(token: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut parts = token.split(',');
    std::iter::from_fn(move || loop {
        let version = parts.next()?;
        if version.is_empty() {
            // A separator comma (`AAA=, v1`) or a doubled one: not the start of an entry.
            continue;
        }
        return Some((version, parts.next().unwrap_or("")));
    })
}

/// Decodes a standard-base64 MAC (padding optional); `None` unless it is exactly 32 bytes.
fn decode_mac(value: &str) -> Option<[u8; MAC_LEN]> {
    // 32 bytes are 43 base64 characters plus one `=`; reject anything else before decoding.
    if !(43..=44).contains(&value.len()) {
        return None;
    }
    let mut mac = [0u8; MAC_LEN];
    match BASE64.decode_slice(value, &mut mac) {
        Ok(MAC_LEN) => Some(mac),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const B: &str = "tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn macs(header: &str) -> Vec<[u8; MAC_LEN]> {
        v1_macs(header, 32).collect()
    }

    fn mac(value: &str) -> [u8; MAC_LEN] {
        decode_mac(value).unwrap()
    }

    #[test]
    fn space_and_comma_space_lists_give_the_same_macs() {
        let expected = vec![mac(A), mac(B)];
        for header in [
            format!("v1,{A} v1,{B}"),
            format!("v1,{A}, v1,{B}"),
            format!("\t v1,{A} ,  v1,{B},\n"),
            format!("v1,{A},v1,{B}"),
        ] {
            assert_eq!(macs(&header), expected, "{header}");
        }
    }

    #[test]
    fn other_versions_are_skipped() {
        let header = format!("v1a,{A} v2,{A}, V1,{A} v1,{B}");
        assert_eq!(macs(&header), vec![mac(B)]);
    }

    #[test]
    fn missing_padding_is_tolerated() {
        assert_eq!(
            macs(&format!("v1,{}", A.trim_end_matches('='))),
            vec![mac(A)]
        );
    }

    #[test]
    fn values_of_the_wrong_length_or_alphabet_are_skipped() {
        let thirty_three = BASE64.encode([1u8; 33]);
        let thirty_one = BASE64.encode([1u8; 31]);
        let url_safe = A.replace('+', "-").replace('/', "_");
        for value in ["", "g0hM9SsE", &thirty_three, &thirty_one, &url_safe, "é"] {
            assert!(macs(&format!("v1,{value}")).is_empty(), "{value}");
        }
    }

    #[test]
    fn unpaired_or_empty_entries_do_not_shift_later_ones() {
        let header = format!("v1 , v1, ,, v1,{A}");
        assert_eq!(macs(&header), vec![mac(A)]);
    }

    #[test]
    fn entries_beyond_the_cap_are_ignored() {
        let header = format!("{}v1,{A}", format!("v2,{B} ").repeat(4));
        assert!(v1_macs(&header, 4).next().is_none());
        assert_eq!(v1_macs(&header, 5).count(), 1);
    }
}
