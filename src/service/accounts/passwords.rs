//! Passwords: argon2id hashes, made and checked at most twice as many at once as there are
//! cores, with argon2's working memory (19 MiB a hash) kept for reuse. A flood of
//! sign-ins waits in line and costs the memory of the hashes running at once: memory
//! allocated afresh on each of the blocking pool's many threads would stay with that
//! thread's allocator arena (measured: 5.7 GiB for 300 sign-ins at once).

use std::sync::{Mutex, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::domain::password::Password;
use crate::service::{ServiceError, links};

/// How many hashes run at once.
fn permits() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Working memory not in use, at most `permits()` of them.
static SPARE_MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `f` with `blocks` blocks of working memory, taken from the spares and given back.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut memory = SPARE_MEMORY
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let out = f(&mut memory[..blocks]);
    let mut spare = SPARE_MEMORY.lock().unwrap_or_else(|e| e.into_inner());
    if spare.len() < permits() {
        spare.push(memory);
    }
    out
}

/// The argon2 output of `password` with `argon` and this salt, into `out`.
fn compute(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    with_memory(argon.params().block_count(), |memory| {
        argon.hash_password_into_with_memory(password, salt, out, memory)
    })
}

pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("hashing the password: {e}");
    let argon = Argon2::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon, password.expose().as_bytes(), salt_bytes, &mut out).map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(hash.to_string())
}

/// False for a wrong password and for a hash that cannot be read. Reads the algorithm,
/// version and costs from the hash, as argon2's own check does.
pub fn verify_password(hash: &str, password: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let Ok(version) = h.version.map_or(Ok(Version::default()), Version::try_from) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    // `Output` compares in constant time.
    compute(&argon, password.as_bytes(), salt_bytes, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|o| o == expected)
}

/// A hash of a password nobody has, verified when the address is unknown so that a
/// wrong address takes as long as a wrong password.
pub(super) fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        // A random token may lack the digits the rule asks for: it gets some.
        let p = Password::parse(&format!("{}2026", links::new_token()))
            .unwrap_or_else(|_| unreachable!("43 characters and four digits"));
        hash_password(&p).unwrap_or_default()
    })
}

/// Runs password work on a blocking thread, at most `permits` at once.
pub struct HashGate {
    permits: tokio::sync::Semaphore,
}

impl HashGate {
    pub const fn new(permits: usize) -> Self {
        HashGate {
            permits: tokio::sync::Semaphore::const_new(permits),
        }
    }

    /// Runs `f` once a permit is free; the permit is held until `f` returns, even when
    /// the caller stops waiting.
    pub async fn run<T: Send + 'static>(
        &'static self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))
    }
}

/// Runs `f` under the process's one gate: twice the cores.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    static GATE: OnceLock<HashGate> = OnceLock::new();
    GATE.get_or_init(|| HashGate::new(permits())).run(f).await
}

/// Hashes a password under the gate.
pub async fn hash_gated(password: Password) -> Result<String, ServiceError> {
    blocking(move || hash_password(&password))
        .await?
        .map_err(ServiceError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let p = Password::parse("Parola2025ok").unwrap();
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "Parola2025ok"));
        assert!(!verify_password(&h, "Parola2025oK"));
        assert!(!verify_password("not a hash", "Parola2025ok"));
        assert!(!verify_password(decoy_hash(), "Parola2025ok"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_lets_only_so_many_hashes_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static GATE: HashGate = HashGate::new(3);
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let tasks: Vec<_> = (0..24)
            .map(|_| {
                tokio::spawn(GATE.run(|| {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    PEAK.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(
            PEAK.load(Ordering::SeqCst),
            3,
            "24 waited in line, 3 at a time"
        );
    }

    #[test]
    fn hashes_made_by_argon2_itself_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default()
            .hash_password(b"Parola2025ok", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password(&theirs, "Parola2025ok"));
        assert!(!verify_password(&theirs, "Parola2025oK"));
        let ours = hash_password(&Password::parse("Parola2025ok").unwrap()).unwrap();
        use argon2::password_hash::PasswordVerifier;
        assert!(
            Argon2::default()
                .verify_password(b"Parola2025ok", &PasswordHash::new(&ours).unwrap())
                .is_ok()
        );
        // Other costs (an older configuration) are read from the hash.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let old = cheap
            .hash_password(b"Parola2025ok", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password(&old, "Parola2025ok"));
    }
}
