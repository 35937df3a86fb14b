//! Helpers shared by the benches: timing, medians, incompressible files, scratch vaults.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use dossier::{CreateOptions, SecretString, Vault};

pub const PASS: &str = "benchmark passphrase";

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub fn mib_s(bytes: u64, d: Duration) -> String {
    format!(
        "{:.0} MiB/s",
        bytes as f64 / (1 << 20) as f64 / d.as_secs_f64()
    )
}

pub fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

pub fn sh(script: &str) -> Duration {
    timed(|| {
        let st = Command::new("bash").arg("-c").arg(script).status().unwrap();
        assert!(st.success(), "{script}");
    })
}

/// A file of pseudo-random (incompressible) bytes.
pub fn make_file(path: &Path, len: u64, seed: u64) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        let k = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..k]).unwrap();
        left -= k as u64;
    }
    f.flush().unwrap();
}

pub fn new_vault(dir: &Path) -> Vault {
    let _ = std::fs::remove_dir_all(dir);
    Vault::create(
        dir,
        &SecretString::from(PASS.to_string()),
        &CreateOptions { work_factor: 10 },
    )
    .unwrap()
}

/// A fresh age identity in `dir/identity.txt` (by `age-keygen`): its path and public key.
pub fn age_identity(dir: &Path) -> (std::path::PathBuf, String) {
    let id_file = dir.join("identity.txt");
    assert!(
        Command::new("age-keygen")
            .arg("-o")
            .arg(&id_file)
            .output()
            .expect("age-keygen is needed (apt install age)")
            .status
            .success()
    );
    let identity = std::fs::read_to_string(&id_file).unwrap();
    let recipient = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    (id_file, recipient)
}
