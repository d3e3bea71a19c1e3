//! Refusing runs that cannot fit in memory, before anything is allocated.

/// A run whose estimated memory exceeds what the machine has available.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error(
    "the run needs about {:.1} GiB and {:.1} GiB of memory are available; reduce the sizes, or force it to try anyway",
    *.needed as f64 / GIB,
    *.available as f64 / GIB
)]
pub struct TooLarge {
    /// Estimated bytes the run needs.
    pub needed: u64,
    /// Bytes available (MemAvailable).
    pub available: u64,
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes of memory available to a new process (Linux `MemAvailable`), or `None` where it cannot
/// be read.
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_meminfo(&text)
}

/// `MemAvailable` of a /proc/meminfo text, in bytes.
fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses `needed` bytes when more than 90% of `available` (unless `force`); passes when the
/// available memory cannot be read.
pub fn check(needed: u64, available: Option<u64>, force: bool) -> Result<(), TooLarge> {
    match available {
        Some(available) if !force && needed as f64 > 0.9 * available as f64 => {
            Err(TooLarge { needed, available })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_beyond_ninety_percent_unless_forced() {
        let gib = 1u64 << 30;
        assert!(check(9 * gib, Some(10 * gib), false).is_ok());
        let err = check(10 * gib, Some(10 * gib), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the run needs about 10.0 GiB and 10.0 GiB of memory are available; reduce the sizes, or force it to try anyway"
        );
        assert!(check(10 * gib, Some(10 * gib), true).is_ok());
        assert!(check(u64::MAX, None, false).is_ok());
    }

    #[test]
    fn reads_mem_available() {
        let text = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(parse_meminfo(text), Some(20_000_000 * 1024));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
        assert!(available().is_some_and(|b| b > 0));
    }
}
