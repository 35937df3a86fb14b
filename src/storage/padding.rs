//! Size padding applied *inside* the encryption, so a file's size on disk does not reveal the
//! exact size of what it holds (age alone leaks it to the byte).
//!
//! Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with
//! PURBs", PoPETs 2019(4)) rounds a length so that only O(log log L) bits of it remain: at most
//! 12 % overhead, and fewer than 32 size classes per doubling. Below [`FLOOR`] everything is one
//! size class, so small letters and notes are indistinguishable from each other.

/// Every padded plaintext is at least this long (64 KiB, one age STREAM chunk).
pub const FLOOR: u64 = 64 * 1024;

/// Padmé length of `len` (no floor).
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = u64::from(63 - len.leading_zeros()); // floor(log2 len)
    let s = u64::from(64 - e.leading_zeros()); // floor(log2 e) + 1
    let step = 1u64 << (e - s);
    len.div_ceil(step) * step
}

/// A coarser class for files whose size tracks what the whole vault holds (the text index,
/// state snapshots): the next power of two, from 64 KiB. Such a file's size then says only
/// within a factor of two how much text or how many records the vault holds.
pub fn coarse_len(len: u64) -> u64 {
    len.max(FLOOR).next_power_of_two()
}

/// The padded length Dossier uses for a plaintext of `len` bytes.
pub fn padded_len(len: u64) -> u64 {
    padme(len.max(FLOOR))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_from_the_padme_paper() {
        // 300,000 → 303,104 is the worked example in the Padmé write-up.
        assert_eq!(padme(300_000), 303_104);
        assert_eq!(padme(1 << 20), 1 << 20, "powers of two are their own class");
        assert_eq!(padme(9), 10);
    }

    #[test]
    fn never_shrinks_and_overhead_is_bounded() {
        let mut len = 1u64;
        while len < (1 << 40) {
            for l in [len, len + 1, len * 3 / 2 + 7] {
                let p = padded_len(l);
                assert!(p >= l, "padding must not truncate {l}");
                if l > FLOOR {
                    assert!(p - l <= l / 8, "Padmé overhead above 12.5% for {l}: {p}");
                }
            }
            len *= 2;
        }
    }

    #[test]
    fn small_plaintexts_share_one_class() {
        assert_eq!(padded_len(0), FLOOR);
        assert_eq!(padded_len(FLOOR), FLOOR);
        assert_eq!(padded_len(1234), padded_len(60_000));
    }

    #[test]
    fn at_most_32_classes_per_doubling() {
        for e in 17..30u32 {
            let lo = 1u64 << e;
            let mut classes = std::collections::BTreeSet::new();
            // Lengths in (lo, 2lo] pad to multiples of a step ≥ lo/64, so a stride of lo/64
            // visits every class.
            let stride = lo >> 6;
            let mut l = lo + 1;
            while l <= 2 * lo {
                let p = padme(l);
                assert!(
                    p > lo && p <= 2 * lo,
                    "padding leaves the doubling: {l} -> {p}"
                );
                classes.insert(p);
                l += stride;
            }
            assert!(classes.len() <= 32, "2^{e}: {} classes", classes.len());
        }
    }
}
