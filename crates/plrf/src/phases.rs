//! Phases of the (α, β) plane (spec §2.5) and the exponents predicted in each
//! (spec §4.2 for SGD, §4.3 for DANA; the DANA formulas are derived, not from the paper).

use crate::optimizer::Preset;
use serde::Serialize;

/// A region of the (α, β) plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// 2(α+β) < 1: trivial, excluded.
    Trivial,
    /// 2β < 1 < 2α: F_pp vs F_0.
    Ia,
    /// 2β < 1, 1/4 < α < 1/2, 2(α+β) > 1: F_pp + F_0, τ-rescaled.
    Ib,
    /// 2β > 1, α < 1/4: F_pp + F_0.
    Ic,
    /// 2β > 1, β < α, 2α > 1: F_pp vs F_ac (+F_0).
    II,
    /// 2α > 1, β > α: K_pp (SGD noise) vs F_ac.
    III,
    /// 2α < 1 < 2β, α > 1/4 (IVa/IVb; the split line is unknown).
    IV,
    /// 2β < 1, α < 1/4, 2(α+β) > 1: not described by the sources.
    Undescribed,
}

impl Phase {
    /// All phases, in display order.
    pub const ALL: [Phase; 8] = [
        Phase::Ia,
        Phase::Ib,
        Phase::Ic,
        Phase::II,
        Phase::III,
        Phase::IV,
        Phase::Trivial,
        Phase::Undescribed,
    ];

    /// Short name.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Trivial => "trivial",
            Phase::Ia => "Ia",
            Phase::Ib => "Ib",
            Phase::Ic => "Ic",
            Phase::II => "II",
            Phase::III => "III",
            Phase::IV => "IVa/IVb",
            Phase::Undescribed => "undescribed",
        }
    }

    /// The loss terms that compete for SGD (the 4+3 notebook's pairings).
    pub fn terms(&self) -> &'static str {
        match self {
            Phase::Trivial => "none (excluded)",
            Phase::Ia => "F_pp vs F_0",
            Phase::Ib => {
                "F_pp + F_0 (τ-rescaled); the notebook flags an AC term not yet understood"
            }
            Phase::Ic => "F_pp + F_0",
            Phase::II => "F_ac vs F_pp",
            Phase::III => "K_pp vs F_ac",
            Phase::IV => "unknown (split line unknown)",
            Phase::Undescribed => "unknown",
        }
    }
}

/// The phase of (α, β), and whether it lies on a boundary (within `1e-9`) of the
/// lines 2α = 1, 2β = 1, α = β, α = 1/4 or 2(α+β) = 1 that separate its neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Classification {
    /// The region (for a boundary point, the one its coordinates fall in).
    pub phase: Phase,
    /// True on a phase boundary.
    pub boundary: bool,
}

/// Classifies (α, β) into the regions of spec §2.5.
pub fn classify(alpha: f64, beta: f64) -> Classification {
    let (two_a, two_b, sum) = (2.0 * alpha, 2.0 * beta, 2.0 * (alpha + beta));
    let phase = if sum < 1.0 {
        Phase::Trivial
    } else if two_b < 1.0 {
        if two_a > 1.0 {
            Phase::Ia
        } else if alpha > 0.25 {
            Phase::Ib
        } else {
            Phase::Undescribed
        }
    } else if two_a > 1.0 {
        if beta < alpha {
            Phase::II
        } else {
            Phase::III
        }
    } else if alpha < 0.25 {
        Phase::Ic
    } else {
        Phase::IV
    };
    let near = |x: f64, y: f64| (x - y).abs() < 1e-9;
    let lines = [
        near(two_a, 1.0),
        near(two_b, 1.0),
        near(alpha, 0.25),
        near(sum, 1.0),
        two_a > 1.0 && two_b > 1.0 && near(alpha, beta),
    ];
    Classification {
        phase,
        boundary: lines.iter().any(|&b| b),
    }
}

/// p = 2α + 2β − 1.
pub fn p(alpha: f64, beta: f64) -> f64 {
    2.0 * alpha + 2.0 * beta - 1.0
}

/// Predicted slope of log(P − P∞) vs log t before the plateau, where a formula exists:
/// SGD (and SGD-M) −p/(2α) in phases Ia and II; DANA-decaying −p(4α−1)/(4α²) and
/// DANA-constant (after t ≈ 1/γ3) −p/α in phase Ia.
pub fn loss_slope(preset: Preset, alpha: f64, beta: f64) -> Option<f64> {
    let c = classify(alpha, beta);
    if c.boundary {
        return None;
    }
    let p = p(alpha, beta);
    match (preset, c.phase) {
        (Preset::Sgd | Preset::SgdM, Phase::Ia | Phase::II) => Some(-p / (2.0 * alpha)),
        (Preset::DanaDecaying, Phase::Ia) => Some(-p * (4.0 * alpha - 1.0) / (4.0 * alpha * alpha)),
        (Preset::DanaConstant, Phase::Ia) => Some(-p / alpha),
        _ => None,
    }
}

/// Predicted compute-optimal exponents (η, ξ): P* ∝ f^{-η}, d* ∝ f^{ξ} (spec §4.2, §4.3).
pub fn frontier_exponents(preset: Preset, alpha: f64, beta: f64) -> Option<(f64, f64)> {
    let c = classify(alpha, beta);
    if c.boundary {
        return None;
    }
    let p = p(alpha, beta);
    let a = alpha;
    match (preset, c.phase) {
        (Preset::Sgd | Preset::SgdM, Phase::Ia) => {
            Some((p / (2.0 * a + 1.0), 1.0 / (2.0 * a + 1.0)))
        }
        (Preset::Sgd | Preset::SgdM, Phase::II) => {
            Some((p / (2.0 * (a + beta)), beta / (a + beta)))
        }
        (Preset::DanaConstant, Phase::Ia) => {
            Some((2.0 * p / (2.0 * a + 3.0), 2.0 / (2.0 * a + 3.0)))
        }
        (Preset::DanaDecaying, Phase::Ia) => {
            let den = 4.0 * a * a + 4.0 * a - 1.0;
            Some((p * (4.0 * a - 1.0) / den, (4.0 * a - 1.0) / den))
        }
        _ => None,
    }
}

impl Phase {
    /// The region's defining inequalities.
    pub fn condition(&self) -> &'static str {
        match self {
            Phase::Trivial => "2(α+β) < 1",
            Phase::Ia => "2β < 1 < 2α",
            Phase::Ib => "2β < 1, 1/4 < α < 1/2, 2(α+β) > 1",
            Phase::Ic => "2β > 1, α < 1/4",
            Phase::II => "2β > 1, β < α, 2α > 1",
            Phase::III => "2α > 1, β > α",
            Phase::IV => "2α < 1 < 2β, α > 1/4",
            Phase::Undescribed => "2β < 1, α < 1/4, 2(α+β) > 1",
        }
    }

    /// The predicted exponents as formulas (loss slope; frontier η, ξ), or what is missing.
    pub fn formulas(&self) -> [&'static str; 3] {
        match self {
            Phase::Ia => [
                "SGD: slope −p/(2α), η = p/(2α+1), ξ = 1/(2α+1)",
                "DANA-constant: slope −p/α after 1/γ3, η = 2p/(2α+3), ξ = 2/(2α+3)",
                "DANA-decaying: slope −p(4α−1)/(4α²), η = p(4α−1)/(4α²+4α−1), ξ = (4α−1)/(4α²+4α−1)",
            ],
            Phase::II => [
                "SGD: slope −p/(2α), η = p/(2(α+β)), ξ = β/(α+β)",
                "DANA-constant: no formula",
                "DANA-decaying: no formula",
            ],
            _ => ["SGD: no formula", "DANA-constant: no formula", "DANA-decaying: no formula"],
        }
    }

    /// True where no exponent formula exists for any optimizer.
    pub fn without_formula(&self) -> bool {
        !matches!(self, Phase::Ia | Phase::II)
    }
}

/// One row per phase: name, condition, SGD terms and the formulas (p = 2α + 2β − 1).
pub fn phase_table() -> lab::table::Table {
    let mut table = lab::table::Table::new([
        "phase",
        "region",
        "sgd_terms",
        "sgd",
        "dana_constant",
        "dana_decaying",
    ]);
    for ph in Phase::ALL {
        let [sgd, con, dec] = ph.formulas();
        table.push(vec![
            ph.name().into(),
            ph.condition().into(),
            ph.terms().into(),
            sgd.into(),
            con.into(),
            dec.into(),
        ]);
    }
    table
}

/// The (α, β) plane on an n×n grid (split along the straight boundaries) coloured by phase,
/// with the boundary lines and the notebook's panel points; regions without any formula are
/// hatched.
pub fn phase_map(alpha: (f64, f64), beta: (f64, f64), n: usize) -> lab::regions::RegionMap {
    use lab::regions::{Cell, Region, RegionMap};
    let regions = Phase::ALL
        .iter()
        .enumerate()
        .map(|(i, ph)| {
            let formulas = if ph.without_formula() {
                "no formula".to_string()
            } else {
                ph.formulas().join("; ")
            };
            Region {
                label: format!(
                    "{} ({}): {}; {}",
                    ph.name(),
                    ph.condition(),
                    ph.terms(),
                    formulas
                ),
                color: i,
                hatched: ph.without_formula(),
            }
        })
        .collect();
    // Grid edges plus the straight boundaries α = 1/4, α = 1/2 and β = 1/2, so that no cell
    // straddles them (a straddling cell shows a sliver of the wrong colour beside the line).
    let edges = |(lo, hi): (f64, f64), boundaries: &[f64]| {
        let mut edges: Vec<f64> = (0..=n)
            .map(|i| lo + (hi - lo) * i as f64 / n as f64)
            .chain(boundaries.iter().copied().filter(|&b| lo < b && b < hi))
            .collect();
        edges.sort_by(f64::total_cmp);
        edges.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * (hi - lo));
        edges
    };
    let (a_edges, b_edges) = (edges(alpha, &[0.25, 0.5]), edges(beta, &[0.5]));
    // A cell that a slanted boundary crosses (its corners, just inside, differ in phase) is
    // split into SPLIT × SPLIT parts, so the staircase along β = α and α + β = 1/2 stays
    // under the drawn line instead of poking out beside it.
    const SPLIT: usize = 4;
    let region_at = |a: f64, b: f64| {
        let phase = classify(a, b).phase;
        Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0)
    };
    let mut cells = Vec::with_capacity(a_edges.len() * b_edges.len());
    for a in a_edges.windows(2) {
        for b in b_edges.windows(2) {
            let (ea, eb) = (1e-6 * (a[1] - a[0]), 1e-6 * (b[1] - b[0]));
            let corners = [
                region_at(a[0] + ea, b[0] + eb),
                region_at(a[1] - ea, b[0] + eb),
                region_at(a[0] + ea, b[1] - eb),
                region_at(a[1] - ea, b[1] - eb),
            ];
            let parts = if corners.iter().all(|&r| r == corners[0]) {
                1
            } else {
                SPLIT
            };
            let at = |e: &[f64], i: usize| e[0] + (e[1] - e[0]) * i as f64 / parts as f64;
            for i in 0..parts {
                for j in 0..parts {
                    let x = (at(a, i), at(a, i + 1));
                    let y = (at(b, j), at(b, j + 1));
                    cells.push(Cell {
                        x,
                        y,
                        region: region_at((x.0 + x.1) / 2.0, (y.0 + y.1) / 2.0),
                    });
                }
            }
        }
    }
    let (top, right) = (beta.1.max(2.0), alpha.1.max(2.0));
    let lines = vec![
        ((0.5, 0.0), (0.5, top)),
        ((0.0, 0.5), (right, 0.5)),
        ((0.5, 0.5), (right.min(top), right.min(top))),
        ((0.25, 0.5), (0.25, top)),
        ((0.0, 0.5), (0.5, 0.0)),
    ];
    let points = [
        (0.75, 0.25),
        (1.25, 0.75),
        (1.0, 2.0),
        (0.25, 2.0),
        (0.33, 0.45),
        (0.45, 0.33),
    ]
    .iter()
    .map(|&(a, b)| (a, b, format!("({a}, {b})")))
    .collect();
    RegionMap {
        title: "Phases of the PLRF (α, β) plane (spec §2.5; DANA formulas derived)".into(),
        x_label: "α (data exponent)".into(),
        y_label: "β (target exponent)".into(),
        x_range: alpha,
        y_range: beta,
        regions,
        cells,
        lines,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_panel_points() {
        // Spec §8 item 15: the five panel points off boundaries and their pairings.
        let cases = [
            ((0.75, 0.25), Phase::Ia, "F_pp vs F_0"),
            ((1.25, 0.75), Phase::II, "F_ac vs F_pp"),
            ((1.0, 2.0), Phase::III, "K_pp vs F_ac"),
            ((0.33, 0.45), Phase::Ib, "AC term not yet understood"),
            ((0.45, 0.33), Phase::Ib, "AC term not yet understood"),
        ];
        for ((a, b), phase, terms) in cases {
            let c = classify(a, b);
            assert_eq!(c.phase, phase, "({a}, {b})");
            assert!(!c.boundary, "({a}, {b})");
            assert!(
                c.phase.terms().contains(terms),
                "({a}, {b}): {}",
                c.phase.terms()
            );
        }
        // (0.25, 2.0) lies on α = 1/4: a boundary case (F_pp vs F_0 with τ in the notebook).
        assert!(classify(0.25, 2.0).boundary);
        assert_eq!(classify(0.2, 0.2).phase, Phase::Trivial);
    }

    #[test]
    fn dana_exponents_order_and_reduce_to_sgd_at_the_line() {
        // For 2α > 1: η_DANA-decaying > η_DANA-constant > η_SGD; all equal at 2α = 1.
        for (a, b) in [(1.0, 0.3), (1.5, 0.4), (0.75, 0.25)] {
            let eta = |p| frontier_exponents(p, a, b).unwrap().0;
            assert!(eta(Preset::DanaDecaying) > eta(Preset::DanaConstant));
            assert!(eta(Preset::DanaConstant) > eta(Preset::Sgd));
        }
        let a = 0.5 + 1e-6;
        let etas: Vec<f64> = [Preset::Sgd, Preset::DanaConstant, Preset::DanaDecaying]
            .iter()
            .map(|&q| frontier_exponents(q, a, 0.3).unwrap().0)
            .collect();
        assert!((etas[0] - etas[2]).abs() < 1e-5 && (etas[1] - etas[2]).abs() < 1e-5);
        // The DANA-decaying loss slope is SGD's times (2 − 1/(2α)).
        let (a, b) = (1.5, 0.4);
        let ratio = loss_slope(Preset::DanaDecaying, a, b).unwrap()
            / loss_slope(Preset::Sgd, a, b).unwrap();
        assert!((ratio - (2.0 - 1.0 / (2.0 * a))).abs() < 1e-12);
    }
}
