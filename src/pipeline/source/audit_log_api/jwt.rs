//! Admin API authentication: a short-lived JWT signed with the project's Admin API private key
//! (RS256; the key as PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY` PEM), header
//! `{"alg":"RS256","typ":"JWT","kid":<key id>}`, claims `aud: [project id]`, `iat`, `exp`. The
//! token is cached and signed again shortly before it expires.
//!
//! The key never leaves this module: errors describe what is wrong with it, never its content,
//! and [`TokenSigner`]'s `Debug` leaves it out.

use std::sync::Mutex;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// How long a token is valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// How long before its expiry a token is replaced.
pub const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// Token lifetime and renewal margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTiming {
    /// `exp - iat`.
    pub lifetime: Duration,
    /// A cached token is replaced when it has less than this left.
    pub renew_before: Duration,
}

impl Default for TokenTiming {
    fn default() -> Self {
        TokenTiming {
            lifetime: TOKEN_LIFETIME,
            renew_before: RENEW_BEFORE,
        }
    }
}

/// Per-project overrides of [`TokenTiming`], for tests that watch renewal.
static TIMING_OVERRIDES: Mutex<Vec<(String, TokenTiming)>> = Mutex::new(Vec::new());

/// Test hook: sources of `project_id` started after this call sign tokens with this timing
/// instead of the default (300 s, renewed 60 s before expiry). Not a configuration setting.
#[doc(hidden)]
pub fn set_token_timing_for_tests(project_id: &str, timing: TokenTiming) {
    let mut o = TIMING_OVERRIDES.lock().unwrap_or_else(|p| p.into_inner());
    o.retain(|(p, _)| p != project_id);
    o.push((project_id.to_owned(), timing));
}

/// The timing for a project: an override, else the default.
pub fn timing_for(project_id: &str) -> TokenTiming {
    TIMING_OVERRIDES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(p, _)| p == project_id)
        .map(|(_, t)| *t)
        .unwrap_or_default()
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: [&'a str; 1],
    iat: i64,
    exp: i64,
}

/// Signs and caches Admin API tokens.
pub struct TokenSigner {
    key: EncodingKey,
    header: Header,
    audience: String,
    timing: TokenTiming,
    cached: Option<(String, i64)>,
    signed: u64,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("kid", &self.header.kid)
            .field("audience", &self.audience)
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// A signer for `key_id` and `project_id`, from a PEM private key. The key is tried once
    /// (a token is signed), so a key that parses but cannot sign is reported here. The error
    /// says what is wrong and how to fix it, without any of the key.
    pub fn new(
        pem: &[u8],
        key_id: &str,
        project_id: &str,
        timing: TokenTiming,
    ) -> Result<TokenSigner, String> {
        const FIX: &str = "use the PEM file of the project's Admin API key as downloaded from the portal (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`, RSA of at least 2048 bits)";
        let text = String::from_utf8_lossy(pem);
        if !text.contains("-----BEGIN") {
            return Err(format!("not a PEM file; {FIX}"));
        }
        if text.contains("-----BEGIN PUBLIC KEY") || text.contains("-----BEGIN CERTIFICATE") {
            return Err(format!(
                "this is a public key or certificate, not the private key; {FIX}"
            ));
        }
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY") {
            return Err(format!(
                "the key is encrypted with a passphrase; decrypt it (e.g. `openssl pkey -in key.pem -out plain.pem`) or {FIX}"
            ));
        }
        let key = EncodingKey::from_rsa_pem(pem)
            .map_err(|_| format!("not an RSA private key in PEM; {FIX}"))?;
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(key_id.to_owned());
        let mut signer = TokenSigner {
            key,
            header,
            audience: project_id.to_owned(),
            timing,
            cached: None,
            signed: 0,
        };
        signer.sign(chrono::Utc::now().timestamp()).map_err(|_| {
            format!("the key cannot sign RS256 tokens (malformed, or RSA under 2048 bits); {FIX}")
        })?;
        Ok(signer)
    }

    fn sign(&mut self, now: i64) -> Result<(), jsonwebtoken::errors::Error> {
        let exp = now.saturating_add(i64::try_from(self.timing.lifetime.as_secs()).unwrap_or(300));
        let claims = Claims {
            aud: [&self.audience],
            iat: now,
            exp,
        };
        let token = jsonwebtoken::encode(&self.header, &claims, &self.key)?;
        self.cached = Some((token, exp));
        self.signed += 1;
        Ok(())
    }

    /// A valid token: the cached one, or a new one when it has less than the renewal margin
    /// left.
    pub fn token(&mut self) -> Result<&str, String> {
        self.token_at(chrono::Utc::now().timestamp())
    }

    fn token_at(&mut self, now: i64) -> Result<&str, String> {
        let margin = i64::try_from(self.timing.renew_before.as_secs()).unwrap_or(60);
        let fresh = matches!(&self.cached, Some((_, exp)) if now < exp.saturating_sub(margin));
        if !fresh {
            self.sign(now)
                .map_err(|e| format!("cannot sign the Admin API token: {:?}", e.kind()))?;
        }
        match &self.cached {
            Some((t, _)) => Ok(t),
            None => Err("no token".into()),
        }
    }

    /// Forgets the cached token (the server refused it), so the next request signs a new one.
    pub fn invalidate(&mut self) {
        self.cached = None;
    }

    /// How many tokens were signed (including the one signed to check the key).
    pub fn signed(&self) -> u64 {
        self.signed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/audit_log_api")
            .join(name);
        std::fs::read(p).unwrap()
    }

    #[derive(serde::Deserialize)]
    struct Decoded {
        aud: Vec<String>,
        iat: i64,
        exp: i64,
    }

    fn verify(token: &str, public: &str) -> Decoded {
        let key = DecodingKey::from_rsa_pem(&fixture(public)).unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&["proj"]);
        decode::<Decoded>(token, &key, &v).unwrap().claims
    }

    #[test]
    fn signs_rs256_with_kid_audience_and_five_minutes() {
        for (key, public) in [
            ("test_key_pkcs8.pem", "test_key_pkcs8.pub.pem"),
            ("other_key_pkcs1.pem", "other_key_pkcs1.pub.pem"),
        ] {
            let mut s =
                TokenSigner::new(&fixture(key), "kid-1", "proj", TokenTiming::default()).unwrap();
            let token = s.token().unwrap().to_owned();
            let h = decode_header(&token).unwrap();
            assert_eq!(h.alg, Algorithm::RS256);
            assert_eq!(h.kid.as_deref(), Some("kid-1"));
            assert_eq!(h.typ.as_deref(), Some("JWT"));
            let c = verify(&token, public);
            assert_eq!(c.aud, vec!["proj".to_owned()]);
            assert_eq!(c.exp - c.iat, 300);
        }
    }

    #[test]
    fn caches_and_renews_before_expiry() {
        let mut s = TokenSigner::new(
            &fixture("test_key_pkcs8.pem"),
            "k",
            "proj",
            TokenTiming::default(),
        )
        .unwrap();
        let now = 1_800_000_000;
        s.invalidate();
        let first = s.token_at(now).unwrap().to_owned();
        assert_eq!(
            s.token_at(now + 239).unwrap(),
            first,
            "cached until 60 s before expiry"
        );
        let second = s.token_at(now + 240).unwrap().to_owned();
        assert_ne!(second, first, "renewed at 60 s before expiry");
        s.invalidate();
        assert_eq!(
            s.token_at(now + 240).unwrap(),
            second,
            "same claims, same token"
        );
        assert_eq!(s.signed(), 4);
    }

    #[test]
    fn bad_keys_are_described_without_their_content() {
        let public = fixture("test_key_pkcs8.pub.pem");
        let e = TokenSigner::new(&public, "k", "p", TokenTiming::default()).unwrap_err();
        assert!(e.contains("public key"), "{e}");
        let e =
            TokenSigner::new(b"hunter2-not-a-key", "k", "p", TokenTiming::default()).unwrap_err();
        assert!(
            e.contains("not a PEM file") && !e.contains("hunter2"),
            "{e}"
        );
        let mangled = b"-----BEGIN PRIVATE KEY-----\nTUlJQ2VnSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NBbVF3Z2dKZ0FnRUFBb0dCQU1t\n-----END PRIVATE KEY-----\n";
        let e = TokenSigner::new(mangled, "k", "p", TokenTiming::default()).unwrap_err();
        assert!(!e.contains("TUlJ"), "{e}");
        assert!(e.contains("PEM file of the project's Admin API key"), "{e}");
    }
}
