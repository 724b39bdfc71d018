//! Secrets: random tokens, their digests, and password hashing with argon2id.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// OWASP's argon2id recommendation: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    #[expect(
        clippy::unwrap_used,
        reason = "constant parameters that argon2 accepts"
    )]
    let params = Params::new(19 * 1024, 2, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most this many argon2 computations at once, whatever the traffic: each takes 19 MiB,
/// so a burst of sign-ins waits its turn instead of taking gigabytes. Twice the cores keeps
/// every core busy while one computation's thread is being scheduled.
fn argon2_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(argon2_permit_count()))
}

/// How many argon2 computations may run at once on this machine.
fn argon2_permit_count() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    (cores * 2).clamp(2, 32)
}

/// Runs one argon2 computation on the blocking pool once a permit is free.
async fn with_argon2<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = argon2_permits().acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// A new random token (256 bits, hex) for sessions, e-mail links, invitations and API tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a token: its SHA-256, so a database leak does not leak usable tokens.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password off the async runtime (argon2 takes tens of milliseconds of CPU).
///
/// # Errors
/// The blocking task failed or argon2 refused the input.
pub async fn hash_password(password: SecretString) -> anyhow::Result<String> {
    with_argon2(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await?
}

/// A hash of a password nobody knows, checked when an e-mail is unknown so that the answer
/// takes as long as for a real account.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(random_token().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks a password against a stored hash (or against a dummy when there is none).
///
/// # Errors
/// The blocking task failed.
pub async fn verify_password(password: SecretString, hash: Option<String>) -> anyhow::Result<bool> {
    with_argon2(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                argon2()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2_work_never_exceeds_its_permits() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        // The permits are the process's: other tests hashing at the same time share them,
        // so the bound is the total, and this test alone may see fewer at once.
        let permits = argon2_permit_count();
        let tasks: Vec<_> = (0..permits * 3)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(with_argon2(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("argon2 slot");
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= permits, "{most} ran at once with {permits} permits");
        assert!(
            most > 1,
            "the work ran one at a time: the permits were not used"
        );
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password(SecretString::from("correct horse battery"))
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(
            SecretString::from("correct horse battery"),
            Some(hash.clone())
        )
        .await
        .expect("verify"));
        assert!(
            !verify_password(SecretString::from("wrong horse battery"), Some(hash))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(
            !verify_password(SecretString::from("anything at all"), None)
                .await
                .expect("verify")
        );
    }

    #[test]
    fn tokens_are_long_random_and_digests_are_stable() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(digest("abc"), digest("abc"));
        assert_ne!(digest("abc"), "abc");
    }
}
