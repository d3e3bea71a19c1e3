//! The one stable hash of theorylab: 64-bit FNV-1a.
//!
//! It names things that must not change across platforms, Rust versions or releases: the
//! random streams of [`crate::seed`], the point directories of [`crate::sweep`], and the
//! validation split of named documents. (`std`'s `DefaultHasher` may change between
//! releases, so it must not be used for these.)

/// 64-bit FNV-1a of `bytes` (Fowler, Noll and Vo; offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3).
///
/// ```
/// assert_eq!(lab::hash::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
/// ```
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn matches_the_reference_vectors() {
        // From the FNV reference test suite (fnv1a64 of "", "a", "foobar").
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
