//! The exact discrete moment recursion (spec §3.7): E P(θ_k) for any d, B and schedule,
//! O(d) per step.

use crate::curve::Curve;
use crate::moments::{coefficients, diverged};
use crate::schedule::Hyper;
use crate::spectrum::Spectrum;

/// Runs v_j(k+1) = (I + Ω_j(k))·v_j(k) + λ_j·P2(k)·Γ(k) from v_j(0) = (ρ_j, 0, 0) and
/// returns E P(θ_k) = ½P2(k) at each step of `log_steps` (increasing), stopping at
/// divergence. `progress` is called with the number of steps done since its last call.
pub fn moment_recursion(
    spectrum: &Spectrum,
    hyper: &Hyper,
    batch: usize,
    log_steps: &[u64],
    progress: &(dyn Fn(u64) + Sync),
) -> Curve {
    let mut state: Vec<[f64; 3]> = spectrum.rho.iter().map(|&r| [r, 0.0, 0.0]).collect();
    let p2 = |state: &[[f64; 3]]| {
        2.0 * spectrum.p_inf
            + spectrum
                .lambda
                .iter()
                .zip(state)
                .map(|(l, v)| l * v[0])
                .sum::<f64>()
    };
    let mut current = p2(&state);
    let initial = current;
    let mut curve = Curve {
        t: Vec::new(),
        risk: Vec::new(),
        diverged_at: None,
    };
    let (mut k, mut reported) = (0u64, 0u64);
    let bf = batch as f64;
    for &target in log_steps {
        while k < target {
            let c = hyper.at(k as f64);
            let mut next = 2.0 * spectrum.p_inf;
            for (v, &l) in state.iter_mut().zip(&spectrum.lambda) {
                let (om, ga) = coefficients(&c, l, bf, false);
                let new: [f64; 3] = std::array::from_fn(|r| {
                    v[r] + om[r][0] * v[0] + om[r][1] * v[1] + om[r][2] * v[2] + l * current * ga[r]
                });
                next += l * new[0];
                *v = new;
            }
            current = next;
            k += 1;
            if k - reported >= 4096 {
                progress(k - reported);
                reported = k;
            }
        }
        if diverged(current / 2.0, initial / 2.0) {
            curve.diverged_at = Some(k as f64);
            break;
        }
        curve.t.push(k as f64);
        curve.risk.push(current / 2.0);
    }
    progress(k - reported);
    curve
}
