//! `ADMIN_TOKEN`, held only once it is strong enough to face the internet: long, and not an
//! obvious pattern. Guessing is also throttled (`crate::throttle`), but a throttle only slows
//! a guesser down; the token's own entropy is what makes guessing hopeless.

use std::collections::{HashMap, HashSet};

use secrecy::{ExposeSecret, SecretString};

/// Fewest characters of `ADMIN_TOKEN`: 32 hex digits are 128 bits.
pub const MIN_LENGTH: usize = 32;

/// Fewest different characters: a random token of 32 hex digits has about 14.
const MIN_DISTINCT: usize = 8;

/// Longest repeated text looked for (`password` is 8): bounds the work on a long token.
const MAX_PERIOD: usize = 64;

/// The admin API's bearer token, checked for strength. Never printed: its `Debug` is
/// redacted, and no error quotes it.
#[derive(Debug, Clone)]
pub struct AdminToken(SecretString);

/// Why a token was refused; the messages name the variable, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakToken {
    #[error("ADMIN_TOKEN must be at least {MIN_LENGTH} characters (e.g. `openssl rand -hex 32`)")]
    TooShort,
    #[error(
        "ADMIN_TOKEN is too easy to guess (a repeated or sequential pattern, or fewer than \
         {MIN_DISTINCT} different characters): use a random one, e.g. `openssl rand -hex 32`"
    )]
    Predictable,
}

impl AdminToken {
    /// The token, if it is long enough and not an obvious pattern.
    pub fn new(token: SecretString) -> Result<Self, WeakToken> {
        let characters: Vec<char> = token.expose_secret().trim().chars().collect();
        if characters.len() < MIN_LENGTH {
            return Err(WeakToken::TooShort);
        }
        if predictable(&characters) {
            return Err(WeakToken::Predictable);
        }
        Ok(Self(token))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// Few different characters (`aaaa...`), a short text repeated (`password` four times), or
/// mostly one step between neighbours (`abcdef...`, `0123...`, `9876...`).
fn predictable(characters: &[char]) -> bool {
    let distinct: HashSet<char> = characters.iter().copied().collect();
    if distinct.len() < MIN_DISTINCT {
        return true;
    }
    let repeats_a_shorter_text = (1..=MAX_PERIOD.min(characters.len() / 2))
        .any(|period| (period..characters.len()).all(|i| characters[i] == characters[i - period]));
    let mut steps: HashMap<i64, usize> = HashMap::new();
    for pair in characters.windows(2) {
        let step = i64::from(u32::from(pair[1])) - i64::from(u32::from(pair[0]));
        *steps.entry(step).or_default() += 1;
    }
    let most_common_step = steps.values().copied().max().unwrap_or(0);
    repeats_a_shorter_text || most_common_step * 2 > characters.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(token: &str) -> Result<(), WeakToken> {
        AdminToken::new(SecretString::from(token)).map(|_| ())
    }

    #[test]
    fn short_tokens_are_refused() {
        assert_eq!(check(&"a".repeat(16)), Err(WeakToken::TooShort));
        assert_eq!(check("test-admin-token-3f9a"), Err(WeakToken::TooShort));
        assert_eq!(
            check(&format!("  {}  ", "k3".repeat(15))),
            Err(WeakToken::TooShort)
        );
    }

    #[test]
    fn long_but_obvious_tokens_are_refused() {
        for weak in [
            "a".repeat(40),
            "password".repeat(4),
            "0123456789".repeat(4),
            "abcdefghijklmnopqrstuvwxyz012345".to_owned(),
            "zyxwvutsrqponmlkjihgfedcbaZYXWVU".to_owned(),
            "abababababababababababababababab1".to_owned(),
        ] {
            assert_eq!(check(&weak), Err(WeakToken::Predictable), "{weak}");
        }
    }

    #[test]
    fn random_tokens_are_accepted() {
        for strong in [
            // `openssl rand -hex 16`, `-hex 32` and `-base64 24`.
            "9f86d081884c7d659a2feaa0c55ad015",
            "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
            "q8Z0m1kQ2yV+e5bH7n/4tLwR9sXcJ3aD",
        ] {
            assert_eq!(check(strong), Ok(()), "{strong}");
        }
    }

    #[test]
    fn the_messages_name_the_variable() {
        for error in [WeakToken::TooShort, WeakToken::Predictable] {
            assert!(error.to_string().starts_with("ADMIN_TOKEN "), "{error}");
        }
    }
}
