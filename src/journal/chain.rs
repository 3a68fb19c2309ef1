//! The hash chain: each line's `prev` is the SHA-256 of the previous line's bytes (without the
//! newline), in lower-case hex; the first line's `prev` is [`GENESIS_PREV`].

use sha2::{Digest as _, Sha256};

/// The `prev` of the first line: 64 zeros.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A raw SHA-256 digest of one line.
pub(crate) type Digest = [u8; 32];

/// SHA-256 (lower-case hex) of one journal line, given without its trailing newline: the value
/// the next line's `prev` must hold.
#[must_use]
pub fn line_hash(line: &[u8]) -> String {
    to_hex(&digest(line))
}

/// SHA-256 of `line`.
pub(crate) fn digest(line: &[u8]) -> Digest {
    Sha256::digest(line).into()
}

/// Lower-case hex of a digest (sha2 0.11 digests no longer format with `{:x}`).
pub(crate) fn to_hex(d: &Digest) -> String {
    hex_bytes(d).iter().map(|&b| char::from(b)).collect()
}

/// Lower-case hex digits of a digest, on the stack.
fn hex_bytes(d: &Digest) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(d) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 0x0f)];
    }
    out
}

/// Whether `prev` (as written in a line) names `expected` (`None`: the line is the first).
/// Upper-case hex does not match: it is not what a writer writes. Replay does this once per
/// line, so it compares bytes instead of allocating a string.
pub(crate) fn prev_matches(prev: &str, expected: Option<&Digest>) -> bool {
    match expected {
        None => prev == GENESIS_PREV,
        Some(d) => prev.as_bytes() == hex_bytes(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_known_digest() {
        // SHA-256("abc") from FIPS 180-2.
        assert_eq!(
            line_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn prev_matching() {
        let d = digest(b"line");
        assert!(prev_matches(&to_hex(&d), Some(&d)));
        assert!(!prev_matches(&to_hex(&d).to_uppercase(), Some(&d)));
        assert!(!prev_matches(&to_hex(&digest(b"other")), Some(&d)));
        assert!(!prev_matches("", Some(&d)));
        assert!(prev_matches(GENESIS_PREV, None));
        assert!(!prev_matches(&to_hex(&d), None));
    }
}
