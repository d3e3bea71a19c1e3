//! A5: the fixed point of the mixed loop at K = ∞ \[D\]
//!
//! p_∞(x) = α p_data(x) / (1 − (1 − α) ŵ(x)/Z),   ŵ = e^{r − r_top} (r_top = max r on supp p_data),
//!
//! with Z the root of Σ_x p_∞(x) = 1 on ((1 − α), 1]: the sum decreases in Z from +∞ (the top
//! atom's term has a pole at Z = 1 − α) to at most 1 at Z = 1, so the root is unique, and then
//! Z = E_{p_∞}\[ŵ\]. Found by bisection to the last bit (hand-written: sixty lines of a
//! dependency-free root finder are not worth a crate).

use crate::error::Error;
use crate::numeric::sum_iter;
use crate::support::top_reward;

/// The fixed point of p ← α p_data + (1 − α) p ŵ/E_p\[ŵ\].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FixedPoint {
    /// Z = E_{p_∞}\[ŵ\], ŵ normalised to 1 at the top of supp p_data.
    pub z_normalised: f64,
    /// E_{p_∞}[e^r] = e^{r_top} Z (the spec's Z).
    pub expected_weight: f64,
    /// p_∞ per atom.
    pub p: Vec<f64>,
}

/// The A5 fixed point for rewards `reward`, real-data law `p_data` and real share α ∈ (0, 1).
pub fn fixed_point(reward: &[f64], p_data: &[f64], alpha: f64) -> Result<FixedPoint, Error> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::FixedPointAlpha { alpha });
    }
    if reward.len() != p_data.len() {
        return Err(Error::LengthMismatch {
            what: "p_data",
            expected: reward.len(),
            found: p_data.len(),
        });
    }
    let r_top = top_reward(reward, p_data);
    let w: Vec<f64> = reward.iter().map(|r| (r - r_top).exp()).collect();
    let law = |z: f64| -> Vec<f64> {
        p_data
            .iter()
            .zip(&w)
            .map(|(&d, &x)| {
                if d > 0.0 {
                    alpha * d / (1.0 - (1.0 - alpha) * x / z)
                } else {
                    0.0
                }
            })
            .collect()
    };
    let excess = |z: f64| sum_iter(law(z)) - 1.0;
    let (mut lo, mut hi) = (1.0 - alpha, 1.0);
    // Bisection until the bracket stops shrinking (≤ ~60 halvings in f64).
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if excess(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let z = hi;
    let p = law(z);
    let total = sum_iter(p.iter().copied());
    let p: Vec<f64> = p.iter().map(|x| x / total).collect();
    Ok(FixedPoint {
        z_normalised: z,
        expected_weight: r_top.exp() * z,
        p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_fixed_point_matches_the_spec() {
        // Spec §4: K = ∞, λ = 1, p_data = p_0: Z = 4.60297643, p_∞ = (0.28046569, 0.21284879,
        // 0.50668552).
        let fp = fixed_point(&[0.0, 1.0, 2.0], &[0.5, 0.3, 0.2], 0.5).unwrap();
        assert!((fp.expected_weight - 4.60297643).abs() < 1e-8, "{fp:?}");
        for (x, y) in fp.p.iter().zip([0.28046569, 0.21284879, 0.50668552]) {
            assert!((x - y).abs() < 1e-8, "{fp:?}");
        }
        assert!(matches!(
            fixed_point(&[0.0], &[1.0], 0.0),
            Err(Error::FixedPointAlpha { .. })
        ));
    }
}
