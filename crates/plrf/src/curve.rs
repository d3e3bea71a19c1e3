//! Loss curves (t, P) and what is read off them: points nearest given times and local
//! slopes of log(P − P∞) per decade with the instability flag (spec E3, §8 item 14).

use serde::Serialize;

/// A risk curve: P at increasing times t, cut at divergence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Curve {
    /// Times (steps, or ODE times e^{kΔs} − 1).
    pub t: Vec<f64>,
    /// Population risk P at each time (not 2P).
    pub risk: Vec<f64>,
    /// First logged time at which the risk was non-finite or exploded, if any; the
    /// curve stops before it.
    pub diverged_at: Option<f64>,
}

impl Curve {
    /// Index of the point nearest `t` in log(1 + t).
    pub fn nearest(&self, t: f64) -> Option<usize> {
        let target = t.ln_1p();
        (0..self.t.len()).min_by(|&a, &b| {
            let da = (self.t[a].ln_1p() - target).abs();
            let db = (self.t[b].ln_1p() - target).abs();
            da.total_cmp(&db)
        })
    }

    /// Local slopes of ln(P − P∞) vs ln t in each decade [10^k, 10^{k+1}], k ≥ 0, that the
    /// curve covers (the last one may end up to 10% short in log t: an ODE grid ends just
    /// below t_max).
    pub fn decade_slopes(&self, p_inf: f64) -> Vec<DecadeSlope> {
        let excess: Vec<f64> = self.risk.iter().map(|p| p - p_inf).collect();
        let t_end = self.t.last().copied().unwrap_or(0.0);
        let mut out = Vec::new();
        let mut lo = 1.0f64;
        while (t_end / lo).log10() >= 0.9 {
            let hi = lo * 10.0;
            if let Some(fit) = lab::fit::fit_loglog(&self.t, &excess, Some((lo, hi))) {
                if fit.n >= 3 {
                    out.push(DecadeSlope {
                        t_lo: lo,
                        t_hi: hi,
                        slope: fit.slope,
                        points: fit.n,
                        unstable: fit.slope > 0.0,
                    });
                }
            }
            lo = hi;
        }
        out
    }
}

/// The fitted slope of ln(P − P∞) vs ln t over one decade.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DecadeSlope {
    /// Decade start.
    pub t_lo: f64,
    /// Decade end.
    pub t_hi: f64,
    /// Least-squares slope.
    pub slope: f64,
    /// Number of points in the fit.
    pub points: usize,
    /// True when the slope is positive: the loss rises (instability guard, spec §7.8).
    pub unstable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_of_a_broken_power_law() {
        // P − P∞ = t^{-0.5} up to 10^3, then rising as t^{+0.2}.
        let t: Vec<f64> = (0..=500).map(|k| 10f64.powf(k as f64 / 100.0)).collect();
        let p_inf = 0.25;
        let risk = t
            .iter()
            .map(|&x| {
                p_inf
                    + if x <= 1e3 {
                        x.powf(-0.5)
                    } else {
                        10f64.powf(-1.5) * (x / 1e3).powf(0.2)
                    }
            })
            .collect();
        let c = Curve {
            t,
            risk,
            diverged_at: None,
        };
        let s = c.decade_slopes(p_inf);
        assert_eq!(s.len(), 5);
        for d in &s[..3] {
            assert!((d.slope + 0.5).abs() < 1e-9 && !d.unstable);
        }
        for d in &s[3..] {
            assert!((d.slope - 0.2).abs() < 1e-9 && d.unstable);
        }
        assert_eq!(c.nearest(99.0), Some(200));
    }
}
