//! Arbitrary bytes as a message on the worker's pipe, read both ways: by the worker (a
//! request) and by the vault process (an answer from a worker a hostile file may have
//! subverted). Reading must refuse what is malformed, never allocate past its cap, never panic.
#![no_main]
use dossier::worker::protocol::{Request, Response, read};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let cap = 1 << 20;
    if let Ok((_, parts)) = read::<Request>(&mut &data[..], cap) {
        assert!(parts.iter().map(Vec::len).sum::<usize>() as u64 <= cap);
    }
    if let Ok((_, parts)) = read::<Response>(&mut &data[..], cap) {
        assert!(parts.iter().map(Vec::len).sum::<usize>() as u64 <= cap);
    }
});
