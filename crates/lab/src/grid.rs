//! Log-spaced grids of integer steps, for logging long runs.

/// The logging grid unique(⌊ratio^k⌋, k ≥ 0) ∪ {0, n}, restricted to 0..=n and sorted.
///
/// With `ratio = 1.1` this is the official PLRF grid (131 points for n = 10^6).
pub fn log_steps(n: u64, ratio: f64) -> Vec<u64> {
    assert!(ratio > 1.0, "log_steps needs ratio > 1");
    let mut steps = vec![0];
    let mut k = 0;
    loop {
        let t = ratio.powi(k).floor();
        if t > n as f64 {
            break;
        }
        let t = t as u64;
        if steps.last() != Some(&t) {
            steps.push(t);
        }
        k += 1;
    }
    if steps.last() != Some(&n) {
        steps.push(n);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_matches_a_direct_construction() {
        let n = 1_000_000;
        let grid = log_steps(n, 1.1);
        // Independent construction: collect, sort, dedup.
        let mut expected: Vec<u64> = (0..200)
            .map(|k| 1.1f64.powi(k).floor())
            .filter(|&t| t <= n as f64)
            .map(|t| t as u64)
            .chain([0, n])
            .collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(grid, expected);
        // 129 distinct floors up to 10^6, plus 0 and N. (Spec §3.5 says 130 points; its own
        // formula gives 131, which is what theorylab logs.)
        assert_eq!(grid.len(), 131);
    }

    #[test]
    fn small_grids_include_both_ends() {
        assert_eq!(log_steps(0, 1.1), vec![0]);
        assert_eq!(log_steps(1, 1.1), vec![0, 1]);
        assert_eq!(log_steps(3, 1.1), vec![0, 1, 2, 3]);
    }
}
