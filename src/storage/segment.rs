//! Journal segments (vault format 2): the write-once, authenticated files in which each device
//! records its changes. This module is the byte codec only — what a segment says, not where it
//! lives or how it is merged (`docs/FORMAT.md`, "Segment").
//!
//! Plaintext layout (inside age; little-endian):
//! ```text
//! 0    8     magic "DSSEG\0\0\x02"
//! 8    16    vault id
//! 24   16    device id
//! 40   8     seq (from 1)
//! 48   8     HLC
//! 56   32    prev: id of this device's segment seq − 1 (zeros for seq 1)
//! 88   4     D, then D × (device 16, seq 8, id 32), sorted by device, no duplicates
//! …    4     B, then B bytes of body (UTF-8 JSON)
//! …    32    HMAC-SHA-256(K_mac, every byte above)
//! …          zeros up to Padmé(max(n, 4096))
//! ```
//! The segment id is SHA-256 over everything up to and including the tag.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::padding::padme;

pub const MAGIC: &[u8; 8] = b"DSSEG\0\0\x02";
/// Smallest padded segment: most edits fit, so most segments are one size class.
pub const FLOOR: u64 = 4096;
/// Refuse bodies above this before allocating (a genesis segment of a very large format-1
/// catalog is the biggest legitimate one).
pub const MAX_BODY: u32 = 1 << 30;
/// More devices than this in one vault is not a real vault.
pub const MAX_DEPS: u32 = 4096;

const TAG_LEN: usize = 32;
const FIXED: usize = 8 + 16 + 16 + 8 + 8 + 32 + 4;
const DEP_LEN: usize = 16 + 8 + 32;

/// A device's random 128-bit id; its hex form names its folders.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(pub [u8; 16]);

/// SHA-256 of a segment's authenticated bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SegmentId(pub [u8; 32]);

impl DeviceId {
    pub fn parse_hex(s: &str) -> Option<DeviceId> {
        parse_hex::<16>(s).map(DeviceId)
    }
}

impl SegmentId {
    pub const NONE: SegmentId = SegmentId([0; 32]);
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({self})")
    }
}
impl fmt::Display for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
impl fmt::Debug for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SegmentId({self})")
    }
}

fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || s.bytes().any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// The newest segment of another device that a segment's writer had applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dep {
    pub device: DeviceId,
    pub seq: u64,
    pub id: SegmentId,
}

/// One segment, decoded and authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vault: [u8; 16],
    pub device: DeviceId,
    pub seq: u64,
    pub hlc: u64,
    pub prev: SegmentId,
    pub deps: Vec<Dep>,
    pub body: Vec<u8>,
}

/// The key that authenticates segments, snapshots and the device state. Derived from the
/// vault identity's *secret*: the public key alone cannot make a segment that verifies.
pub struct MacKey(zeroize::Zeroizing<[u8; 32]>);

impl MacKey {
    /// HKDF-SHA-256(salt "dossier-journal-v2", IKM = the identity's `AGE-SECRET-KEY-1…` text,
    /// info = the vault id's 16 bytes).
    pub fn derive(identity_secret: &str, vault: &[u8; 16]) -> MacKey {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"dossier-journal-v2"), identity_secret.as_bytes());
        let mut okm = zeroize::Zeroizing::new([0u8; 32]);
        hk.expand(vault, okm.as_mut())
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        MacKey(okm)
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref()).expect("HMAC accepts any key length")
    }

    /// HMAC-SHA-256 of `data` (for other files that carry the same tag).
    pub fn tag(&self, data: &[u8]) -> [u8; 32] {
        let mut m = self.mac();
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Constant-time check of a tag made by [`MacKey::tag`].
    pub fn check(&self, data: &[u8], tag: &[u8]) -> bool {
        let mut m = self.mac();
        m.update(data);
        m.verify_slice(tag).is_ok()
    }
}

/// Why a segment's plaintext was refused. Each names the first thing that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Truncated,
    BadMagic,
    TooLarge(&'static str),
    /// The tag does not verify: altered, or not made with this vault's secret.
    Forged,
    UnsortedDeps,
    BadPadding,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("the segment is cut short"),
            DecodeError::BadMagic => f.write_str("not a Dossier journal segment (bad magic)"),
            DecodeError::TooLarge(what) => write!(f, "the segment's {what} is out of range"),
            DecodeError::Forged => f.write_str(
                "the segment's authentication tag does not verify (altered, or not written with this vault's key)",
            ),
            DecodeError::UnsortedDeps => f.write_str("the segment's dependencies are not in order"),
            DecodeError::BadPadding => f.write_str("unexpected bytes after the segment"),
        }
    }
}

impl Segment {
    /// The padded plaintext to encrypt, and the segment's id.
    pub fn encode(&self, key: &MacKey) -> (Vec<u8>, SegmentId) {
        debug_assert!(self.deps.windows(2).all(|w| w[0].device < w[1].device));
        let mut out =
            Vec::with_capacity(FIXED + DEP_LEN * self.deps.len() + 4 + self.body.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.vault);
        out.extend_from_slice(&self.device.0);
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.hlc.to_le_bytes());
        out.extend_from_slice(&self.prev.0);
        out.extend_from_slice(&(self.deps.len() as u32).to_le_bytes());
        for d in &self.deps {
            out.extend_from_slice(&d.device.0);
            out.extend_from_slice(&d.seq.to_le_bytes());
            out.extend_from_slice(&d.id.0);
        }
        out.extend_from_slice(&(self.body.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.body);
        let tag = key.tag(&out);
        out.extend_from_slice(&tag);
        let id = SegmentId(Sha256::digest(&out).into());
        let padded = padme((out.len() as u64).max(FLOOR)) as usize;
        out.resize(padded, 0);
        (out, id)
    }

    /// Parses and authenticates a decrypted segment. Nothing in it is trusted before the tag
    /// verified; lengths are checked against what is there before anything is allocated.
    pub fn decode(plain: &[u8], key: &MacKey) -> Result<(Segment, SegmentId), DecodeError> {
        let mut r = Reader { buf: plain, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let vault: [u8; 16] = r.array()?;
        let device = DeviceId(r.array()?);
        let seq = u64::from_le_bytes(r.array()?);
        let hlc = u64::from_le_bytes(r.array()?);
        let prev = SegmentId(r.array()?);
        let n = u32::from_le_bytes(r.array()?);
        if n > MAX_DEPS {
            return Err(DecodeError::TooLarge("dependency count"));
        }
        let mut deps = Vec::with_capacity(n as usize);
        for _ in 0..n {
            deps.push(Dep {
                device: DeviceId(r.array()?),
                seq: u64::from_le_bytes(r.array()?),
                id: SegmentId(r.array()?),
            });
        }
        let b = u32::from_le_bytes(r.array()?);
        if b > MAX_BODY {
            return Err(DecodeError::TooLarge("body length"));
        }
        let body = r.take(b as usize)?.to_vec();
        let signed = r.at;
        let tag = r.take(TAG_LEN)?;
        if !key.check(&plain[..signed], tag) {
            return Err(DecodeError::Forged);
        }
        if !deps.windows(2).all(|w| w[0].device < w[1].device) {
            return Err(DecodeError::UnsortedDeps);
        }
        let end = r.at;
        if plain.len() as u64 != padme((end as u64).max(FLOOR))
            || plain[end..].iter().any(|&x| x != 0)
        {
            return Err(DecodeError::BadPadding);
        }
        let id = SegmentId(Sha256::digest(&plain[..end]).into());
        Ok((
            Segment {
                vault,
                device,
                seq,
                hlc,
                prev,
                deps,
                body,
            },
            id,
        ))
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(DecodeError::Truncated)?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }
}

/// The file name of segment `seq`: 16 hex digits, so names sort by seq.
pub fn file_name(seq: u64) -> String {
    format!("{seq:016x}.age")
}

/// The newest segment of each device a state holds: files at or below it may be gone from
/// the journal (compaction) without anything missing.
pub type Applied = std::collections::BTreeMap<DeviceId, u64>;

/// The seq a segment file name stands for, if it is one.
pub fn parse_file_name(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".age")?;
    if stem.len() != 16
        || stem
            .bytes()
            .any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    u64::from_str_radix(stem, 16).ok().filter(|&s| s > 0)
}

/// A hybrid logical clock reading: Unix milliseconds in the high 48 bits, a counter below.
/// Ordering by it orders by time where clocks agree, and never goes back on one device.
pub fn next_hlc(previous: u64, wall_ms: i64) -> u64 {
    let wall = (wall_ms.max(0) as u64) << 16;
    if wall > previous { wall } else { previous + 1 }
}

/// The Unix milliseconds an HLC stands for.
pub fn hlc_millis(hlc: u64) -> i64 {
    (hlc >> 16) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MacKey {
        MacKey::derive("AGE-SECRET-KEY-1TEST", &[7; 16])
    }

    fn sample() -> Segment {
        Segment {
            vault: [7; 16],
            device: DeviceId([1; 16]),
            seq: 3,
            hlc: next_hlc(0, 1_700_000_000_000),
            prev: SegmentId([9; 32]),
            deps: vec![
                Dep {
                    device: DeviceId([0; 16]),
                    seq: 5,
                    id: SegmentId([2; 32]),
                },
                Dep {
                    device: DeviceId([4; 16]),
                    seq: 1,
                    id: SegmentId([3; 32]),
                },
            ],
            body: br#"{"ops":[]}"#.to_vec(),
        }
    }

    #[test]
    fn a_segment_round_trips_and_is_padded_to_its_class() {
        let (plain, id) = sample().encode(&key());
        assert_eq!(
            plain.len(),
            4096,
            "a small segment is padded to the 4 KiB floor"
        );
        let (back, id2) = Segment::decode(&plain, &key()).expect("decodes");
        assert_eq!(back, sample());
        assert_eq!(id, id2, "the id is the same on both sides");
    }

    #[test]
    fn any_flipped_byte_or_another_key_is_refused() {
        let (plain, _) = sample().encode(&key());
        let other = MacKey::derive("AGE-SECRET-KEY-1OTHER", &[7; 16]);
        assert_eq!(Segment::decode(&plain, &other), Err(DecodeError::Forged));
        let signed_len = FIXED + 2 * DEP_LEN + 4 + sample().body.len() + TAG_LEN;
        for i in 8..signed_len {
            let mut bad = plain.clone();
            bad[i] ^= 0x01;
            assert!(
                Segment::decode(&bad, &key()).is_err(),
                "a change at byte {i} must not verify"
            );
        }
        let mut padded = plain.clone();
        *padded.last_mut().unwrap() = 1;
        assert_eq!(
            Segment::decode(&padded, &key()),
            Err(DecodeError::BadPadding)
        );
        assert_eq!(
            Segment::decode(&plain[..100], &key()),
            Err(DecodeError::Truncated)
        );
    }

    #[test]
    fn huge_lengths_are_refused_before_allocating() {
        let (mut plain, _) = sample().encode(&key());
        plain[88..92].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            Segment::decode(&plain, &key()),
            Err(DecodeError::TooLarge("dependency count"))
        );
    }

    #[test]
    fn file_names_sort_by_seq_and_only_exact_names_parse() {
        assert_eq!(file_name(1), "0000000000000001.age");
        assert_eq!(parse_file_name(&file_name(0xabc)), Some(0xabc));
        for bad in [
            "0000000000000000.age",
            "000000000000001.age",
            "0000000000000001 (1).age",
            "0000000000000001.age.sync-conflict-20260101-120000-ABC",
            "000000000000000A.age",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_clock_never_goes_back() {
        let a = next_hlc(0, 1000);
        let b = next_hlc(a, 999); // wall clock stepped back
        let c = next_hlc(b, 1000);
        let d = next_hlc(c, 1001);
        assert!(a < b && b < c && c < d);
        assert_eq!(hlc_millis(d), 1001);
    }
}
