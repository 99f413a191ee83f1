//! The console's session: a cookie holding an expiry and a random session id, signed with
//! HMAC-SHA256 under a key derived from the admin token (the token itself is never in it),
//! and the CSRF token of every form, an HMAC of the session id. A valid cookie is not enough:
//! its session must also be live in the database (`store::admin_sessions`), which sign-out
//! and the idle timeout end.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::admin_sessions::SessionDigest;

/// The session cookie's name.
pub const COOKIE: &str = "auth_mirror_console";
/// How long a session lasts.
pub const LIFETIME: chrono::Duration = chrono::Duration::hours(8);

/// A signed-in console session, read from a valid cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    id: String,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// A new session lasting `LIFETIME` from `now`.
    pub fn start(now: DateTime<Utc>) -> Self {
        Self {
            id: hex::encode(rand::random::<[u8; 16]>()),
            expires_at: now + LIFETIME,
        }
    }

    /// The cookie value: `v1.<expiry>.<id>.<signature>`.
    pub fn to_cookie(&self, key: &[u8; 32]) -> String {
        let body = format!("v1.{}.{}", self.expires_at.timestamp(), self.id);
        let signature = hex::encode(sign(key, b"session", &body));
        format!("{body}.{signature}")
    }

    /// The session of a cookie value signed with `key` and not expired at `now`.
    pub fn from_cookie(value: &str, key: &[u8; 32], now: DateTime<Utc>) -> Option<Self> {
        let (body, signature) = value.rsplit_once('.')?;
        let signature = hex::decode(signature).ok()?;
        if !bool::from(sign(key, b"session", body).as_slice().ct_eq(&signature)) {
            return None;
        }
        let mut parts = body.split('.');
        let (version, expiry, id) = (parts.next()?, parts.next()?, parts.next()?);
        let expires_at = DateTime::from_timestamp(expiry.parse().ok()?, 0)?;
        let fresh = version == "v1" && parts.next().is_none() && expires_at > now;
        fresh.then(|| Self {
            id: id.to_owned(),
            expires_at,
        })
    }

    /// The session's key in the database: a digest of its id, never the id itself.
    pub fn digest(&self) -> SessionDigest {
        Sha256::digest(self.id.as_bytes()).into()
    }

    /// The CSRF token of this session's forms.
    pub fn csrf_token(&self, key: &[u8; 32]) -> String {
        hex::encode(sign(key, b"csrf", &self.id))
    }

    /// Whether `given` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, key: &[u8; 32], given: &str) -> bool {
        bool::from(self.csrf_token(key).as_bytes().ct_eq(given.as_bytes()))
    }
}

/// HMAC-SHA256 of `purpose` and `text`, so a session signature never passes as a CSRF token.
fn sign(key: &[u8; 32], purpose: &[u8], text: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a 32-byte key");
    mac.update(purpose);
    mac.update(b":");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn a_cookie_reads_back_until_it_expires() {
        let session = Session::start(now());
        let cookie = session.to_cookie(&KEY);

        assert_eq!(Session::from_cookie(&cookie, &KEY, now()), Some(session));
        let later = now() + chrono::Duration::hours(8);
        assert_eq!(Session::from_cookie(&cookie, &KEY, later), None);
    }

    #[test]
    fn a_changed_expiry_or_another_key_is_refused() {
        let cookie = Session::start(now()).to_cookie(&KEY);
        let expiry = (now() + LIFETIME).timestamp();
        let extended = cookie.replace(&expiry.to_string(), &(expiry + 3600).to_string());

        assert_eq!(Session::from_cookie(&extended, &KEY, now()), None);
        assert_eq!(Session::from_cookie(&cookie, &[8; 32], now()), None);
        assert_eq!(Session::from_cookie("v1.1.2.zz", &KEY, now()), None);
    }

    #[test]
    fn the_csrf_token_belongs_to_one_session() {
        let (one, two) = (Session::start(now()), Session::start(now()));
        let token = one.csrf_token(&KEY);

        assert!(one.csrf_matches(&KEY, &token));
        assert!(!two.csrf_matches(&KEY, &token));
        assert!(!one.csrf_matches(&KEY, ""));
    }
}
