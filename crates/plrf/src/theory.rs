//! Theory inputs: the trace tr, the cheap theory spectrum (λ, ρ) and the theoretical
//! limit loss P∞ (spec §2.3(2) and §2.4).

use serde::Serialize;

/// How the theoretical limit loss P∞ is computed (spec §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum LimitLossMode {
    /// As the official code: sums stop at V−1 and the fixed point stops at a relative
    /// change below 10⁻³. Needed to match official results.
    Official,
    /// Sums to V and the fixed point solved to f64 precision.
    Exact,
}

/// tr = Σ_{j=1}^{v} j^{-2α} (= E‖x‖²); every PLRF learning rate is a multiple of 1/tr.
pub fn trace(alpha: f64, v: usize) -> f64 {
    (1..=v).map(|j| (j as f64).powf(-2.0 * alpha)).sum()
}

/// The cheap theory spectrum: λ_j = j^{-2α} and ρ_j = j^{-2β} + c_β/d for j = 1..d, with
/// c_β = Σ_{j≤d} j^{-2β} when both α > ½ and β > ½, else 0.
pub fn theory_spectrum(alpha: f64, beta: f64, d: usize) -> (Vec<f64>, Vec<f64>) {
    let lambda = (1..=d).map(|j| (j as f64).powf(-2.0 * alpha)).collect();
    let point: Vec<f64> = (1..=d).map(|j| (j as f64).powf(-2.0 * beta)).collect();
    let c_beta = if alpha > 0.5 && beta > 0.5 {
        point.iter().sum::<f64>()
    } else {
        0.0
    };
    let rho = point.iter().map(|p| p + c_beta / d as f64).collect();
    (lambda, rho)
}

/// Theoretical limit loss P∞(α, β, v, d) of spec §2.4 (risk, not doubled).
pub fn theory_limit_loss(alpha: f64, beta: f64, v: usize, d: usize, mode: LimitLossMode) -> f64 {
    if v <= d {
        // Square W is invertible almost surely: the target is fitted exactly.
        return 0.0;
    }
    let top = summation_end(v, mode);
    let target = |j: f64| j.powf(-2.0 * (alpha + beta));
    // Both branches: P∞ = ½ Σ_{j<top} j^{-2(α+β)} / (scale·j^{-2α} + 1).
    let scale = match limit_loss_root(alpha, v, d, mode) {
        Root::Q(q) => q * (d as f64).powf(2.0 * alpha),
        Root::Tau(tau) => tau,
    };
    0.5 * (1..top)
        .map(|j| {
            let j = j as f64;
            target(j) / (scale * j.powf(-2.0 * alpha) + 1.0)
        })
        .sum::<f64>()
}

/// The end (exclusive) of P∞'s sums over j: V − 1 in the official code, V exactly.
fn summation_end(v: usize, mode: LimitLossMode) -> usize {
    match mode {
        LimitLossMode::Official => v - 1,
        LimitLossMode::Exact => v,
    }
}

/// The root of P∞'s self-consistent equation (spec §2.4), by branch.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Root {
    /// 2α ≥ 1: q with q·∫_0^{v/d} dx/(q + x^{2α}) = 1.
    Q(f64),
    /// 2α < 1: τ with τ·Σ_{j<top} 1/(d(j^{2α} + τ)) = 1.
    Tau(f64),
}

/// ∫_0^{v/d} dx/(q + x^{2α}).
fn q_integral(alpha: f64, ratio: f64, q: f64) -> f64 {
    integrate(|x| 1.0 / (q + x.powf(2.0 * alpha)), 0.0, ratio)
}

/// Σ_{j<top} 1/(d(j^{2α} + τ)).
fn tau_sum(alpha: f64, d: usize, top: usize, tau: f64) -> f64 {
    (1..top)
        .map(|j| 1.0 / (d as f64 * ((j as f64).powf(2.0 * alpha) + tau)))
        .sum()
}

/// Solves P∞'s equation: by the official fixed-point iteration, or exactly by bisection.
fn limit_loss_root(alpha: f64, v: usize, d: usize, mode: LimitLossMode) -> Root {
    let ratio = v as f64 / d as f64;
    if 2.0 * alpha >= 1.0 {
        let integral = |q: f64| q_integral(alpha, ratio, q);
        Root::Q(match mode {
            LimitLossMode::Official => {
                let c = integrate(|x| 1.0 / (1.0 + x.powf(2.0 * alpha)), 0.0, 1000.0);
                fixed_point(c.powf(-2.0 * alpha), |q| 1.0 / integral(q))
            }
            LimitLossMode::Exact => increasing_root(|q| q * integral(q) - 1.0),
        })
    } else {
        let top = summation_end(v, mode);
        let sum = |tau: f64| tau_sum(alpha, d, top, tau);
        Root::Tau(match mode {
            LimitLossMode::Official => fixed_point(1.0, |tau| 1.0 / sum(tau)),
            LimitLossMode::Exact => increasing_root(|tau| tau * sum(tau) - 1.0),
        })
    }
}

/// The official fixed-point iteration x ← map(x), stopped at relative change < 10⁻³
/// (returns the new iterate; at most 10,000 iterations).
fn fixed_point(mut x: f64, map: impl Fn(f64) -> f64) -> f64 {
    for _ in 0..10_000 {
        let next = map(x);
        let done = ((next - x) / next).abs() < 1e-3;
        x = next;
        if done {
            break;
        }
    }
    x
}

/// Root of a function increasing in x > 0 with f(0⁺) < 0 < f(∞), by bisection in log x
/// to f64 precision.
fn increasing_root(f: impl Fn(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (1.0f64, 1.0f64);
    while f(lo) > 0.0 && lo > 1e-300 {
        lo *= 0.5;
    }
    while f(hi) < 0.0 && hi < 1e300 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo - 1.0 < 1e-15 {
            break;
        }
    }
    (lo * hi).sqrt()
}

/// ∫_a^b f by adaptive Simpson quadrature (relative tolerance ~1e-12).
pub(crate) fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    // Geometric panels resolve the peak at 0 of 1/(q + x^{2α}) for small q.
    let mut total = 0.0;
    let mut edges = vec![a];
    let mut x = (b - a) * 1e-12;
    while a + x < b {
        edges.push(a + x);
        x *= 4.0;
    }
    edges.push(b);
    for w in edges.windows(2) {
        let (l, r) = (w[0], w[1]);
        let m = 0.5 * (l + r);
        let (fl, fm, fr) = (f(l), f(m), f(r));
        let whole = (r - l) / 6.0 * (fl + 4.0 * fm + fr);
        total += simpson(
            &f,
            l,
            r,
            fl,
            fm,
            fr,
            whole,
            1e-13 * whole.abs().max(1e-300),
            40,
        );
    }
    total
}

#[allow(clippy::too_many_arguments)]
fn simpson(
    f: &impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    tol: f64,
    depth: u32,
) -> f64 {
    let m = 0.5 * (a + b);
    let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
    let (flm, frm) = (f(lm), f(rm));
    let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    let delta = left + right - whole;
    if depth == 0 || delta.abs() <= 15.0 * tol {
        left + right + delta / 15.0
    } else {
        simpson(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)
            + simpson(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)
    }
}

/// The level at which constant-step SGD (γ1 = γ3 = 0, constant γ2, B = 1) levels off in the
/// loss ODE: the noise floor P∞/(1 − γ2·Σ_j λ_j/(2 − 2γ2λ_j)), above P∞. Per mode the ODE is
/// dρ_j/dt = −2γ2λ_jρ_j + 2γ2²λ_j²ρ_j + 2γ2²λ_j·P, whose fixed point is ρ_j = γ2·P/(1 − γ2λ_j);
/// P = P∞ + ½Σλ_jρ_j then gives the floor. `None` when γ2 is too large for a fixed point.
pub fn sgd_noise_floor(lambda: &[f64], gamma2: f64, p_inf: f64) -> Option<f64> {
    let share: f64 = lambda
        .iter()
        .map(|l| gamma2 * l / (2.0 - 2.0 * gamma2 * l))
        .sum();
    (lambda.iter().all(|l| gamma2 * l < 1.0) && share < 1.0).then(|| p_inf / (1.0 - share))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrature_matches_closed_forms() {
        // ∫_0^4 dx/(q + x²) = atan(4/√q)/√q.
        for q in [1e-6f64, 1e-2, 1.0, 30.0] {
            let exact = (4.0 / q.sqrt()).atan() / q.sqrt();
            let got = integrate(|x| 1.0 / (q + x * x), 0.0, 4.0);
            assert!((got / exact - 1.0).abs() < 1e-10, "q={q}: {got} vs {exact}");
        }
        // ∫_0^1000 dx/(1 + x) = ln 1001.
        let got = integrate(|x| 1.0 / (1.0 + x), 0.0, 1000.0);
        assert!((got / 1001f64.ln() - 1.0).abs() < 1e-10);
    }

    #[test]
    fn exact_and_official_limit_losses_agree_to_the_stop_rule() {
        // The two modes differ only by the V−1 sum end and the 10⁻³ stop rule.
        for (a, b) in [(1.0, 0.5), (0.75, 0.25), (0.4, 0.7)] {
            let off = theory_limit_loss(a, b, 3200, 800, LimitLossMode::Official);
            let ex = theory_limit_loss(a, b, 3200, 800, LimitLossMode::Exact);
            assert!((off / ex - 1.0).abs() < 5e-3, "({a},{b}): {off} vs {ex}");
        }
    }

    #[test]
    fn exact_root_solves_its_equation() {
        // 2α ≥ 1 at α = 1: ∫_0^R dx/(q + x²) = atan(R/√q)/√q in closed form, so the residual
        // √q·atan(R/√q) − 1 is evaluated independently of the crate's quadrature.
        for (v, d) in [(400, 100), (800, 200), (1000, 500)] {
            let Root::Q(q) = limit_loss_root(1.0, v, d, LimitLossMode::Exact) else {
                panic!("2α ≥ 1 must give a q root");
            };
            let ratio = v as f64 / d as f64;
            let residual = q.sqrt() * (ratio / q.sqrt()).atan() - 1.0;
            assert!(
                residual.abs() < 1e-12,
                "v = {v}, d = {d}: residual {residual}"
            );
            // The official fixed point stops at a 10⁻³ relative change: its residual is small
            // but not at f64 precision.
            let Root::Q(qo) = limit_loss_root(1.0, v, d, LimitLossMode::Official) else {
                panic!("2α ≥ 1 must give a q root");
            };
            assert!(((qo - q) / q).abs() < 1e-2, "official q {qo} vs exact {q}");
        }
        // 2α < 1: τ·Σ_{j<V} 1/(d(j^{2α} + τ)) − 1, the sum written out here.
        let (alpha, v, d) = (0.4, 2000, 500);
        let Root::Tau(tau) = limit_loss_root(alpha, v, d, LimitLossMode::Exact) else {
            panic!("2α < 1 must give a τ root");
        };
        let mut sum = 0.0;
        for j in 1..v {
            sum += 1.0 / (d as f64 * ((j as f64).powf(2.0 * alpha) + tau));
        }
        let residual = tau * sum - 1.0;
        assert!(residual.abs() < 1e-12, "τ residual {residual}");
        // And P∞ scales as d^{-(2α+2β-1)} for 2β < 1 < 2α (local exponent within 0.1).
        let p: Vec<f64> = [100, 200, 400]
            .iter()
            .map(|&d| theory_limit_loss(1.0, 0.3, 4 * d, d, LimitLossMode::Exact))
            .collect();
        let slope = (p[2] / p[0]).ln() / 4f64.ln();
        assert!((slope + 1.6).abs() < 0.1, "slope {slope}");
    }

    #[test]
    fn theory_rhos_add_the_flat_part_only_when_both_exceed_half() {
        let (_, rho) = theory_spectrum(1.0, 0.7, 10);
        let c: f64 = (1..=10).map(|j| (j as f64).powf(-1.4)).sum();
        assert!((rho[9] - (10f64.powf(-1.4) + c / 10.0)).abs() < 1e-15);
        let (_, rho) = theory_spectrum(0.4, 0.7, 10);
        assert_eq!(rho[9], 10f64.powf(-1.4));
    }
}
