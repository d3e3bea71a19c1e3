//! E5's right panel (the paper's Figure 1, right): Adam with a cosine schedule and
//! Schedule-Free SGD beside SGD and DANA-decaying, compute-optimal frontiers by simulation
//! ([`crate::sim_frontier`]), and the paper's claims on them.

use super::fmt;
use crate::optimizer::{Overrides, Preset};
use crate::sim_frontier::{common_window, simulate_frontier, SimFrontier, SimFrontierSettings};
use lab::claims::{Check, Claim, Operand};
use lab::fit::fit_loglog;
use lab::plot::{color_for, Axis, Band, BandPoint, Figure, Panels, Rgb, Series, Style, VLine};
use lab::seed::Seed;
use lab::stats::jackknife_stderr;
use lab::system::{BoxError, Scale, Sink};
use lab::table::Table;

/// The methods, in the order of the tables: SGD, DANA-decaying, Adam-cosine, Schedule-Free SGD.
const METHODS: [Preset; 4] = [
    Preset::Sgd,
    Preset::DanaDecaying,
    Preset::AdamCosine,
    Preset::ScheduleFreeSgd,
];
const SGD: usize = 0;
const DANA: usize = 1;
const ADAM_COSINE: usize = 2;
const SCHEDULE_FREE: usize = 3;

/// Adam-cosine's peak rates: the official 0.01 and larger ones (at 0.01 alone, short horizons
/// are rate-limited).
const ADAM_RATES: [f64; 4] = [0.01, 0.03, 0.1, 0.3];

/// Tolerance of the paper's claims, in paired jackknife standard errors over seeds.
const CLAIM_SE: f64 = 2.0;
/// Tolerance of the simulation-against-ODE check, in jackknife standard errors.
const ODE_SE: f64 = 3.0;

/// The settings at each scale: (α, β) of E5, d = 16·2^i, v = 4d, f from 10³.
pub fn settings(scale: Scale) -> SimFrontierSettings {
    let (d_max, f_max, seeds) = match scale {
        Scale::Quick => (256, 1e7, 8),
        Scale::Full => (512, 1e8, 16),
    };
    SimFrontierSettings {
        alpha: 1.25,
        beta: 0.35,
        d_grid: (0..)
            .map(|i| 16usize << i)
            .take_while(|&d| d <= d_max)
            .collect(),
        v_ratio: 4,
        compute: (1e3, f_max),
        points_per_decade: 8,
        horizon_rates: ADAM_RATES.to_vec(),
        seeds,
        seed: Seed(0),
    }
}

/// One method's frontier exponent: η of the seed-mean envelope, its leave-one-seed-out
/// values, and the ODE's η in the same window (momentum methods).
struct Exponent {
    eta: f64,
    leave_outs: Vec<f64>,
    ode: Option<f64>,
}

impl Exponent {
    fn stderr(&self) -> f64 {
        jackknife_stderr(&self.leave_outs)
    }
}

/// A statistic of the methods' exponents (indexed as [`METHODS`]) in units of its jackknife
/// standard error: computed on all seeds, and with each seed left out of every method at once,
/// so that comparisons between methods have paired errors.
fn in_stderrs(e: &[Exponent], stat: impl Fn(&[f64]) -> f64) -> f64 {
    let all: Vec<f64> = e.iter().map(|x| x.eta).collect();
    let leave_outs: Vec<f64> = (0..e[0].leave_outs.len())
        .map(|i| stat(&e.iter().map(|x| x.leave_outs[i]).collect::<Vec<_>>()))
        .collect();
    stat(&all) / jackknife_stderr(&leave_outs)
}

/// E5's right panel: runs, figure, tables, and the claims (returned, not yet emitted).
pub fn e5_baselines(scale: Scale, sink: &mut dyn Sink) -> Result<Vec<Claim>, BoxError> {
    const SECTION: &str =
        "E5: Figure 1's right panel by simulation (Adam-cosine, Schedule-Free SGD)";
    let s = settings(scale);
    let fronts = METHODS
        .iter()
        .map(|&p| simulate_frontier(p, &Overrides::default(), &s, &|_| {}))
        .collect::<Result<Vec<_>, _>>()?;
    let f = s.compute_grid();
    let window = common_window(&fronts, &f, s.compute, &s.d_grid, 3.0);
    let w = window.unwrap_or((f64::NAN, f64::NAN));
    let exps: Vec<Exponent> = fronts
        .iter()
        .map(|fr| {
            let (eta, leave_outs) = fr.exponent(&f, w);
            let ode = fr.ode.as_ref().map(|curves| {
                crate::frontier::envelope(curves, &f, 1)
                    .fit(w)
                    .map_or(f64::NAN, |x| x.loss_exponent)
            });
            Exponent {
                eta,
                leave_outs,
                ode,
            }
        })
        .collect();
    let d_range = format!(
        "d = {}…{}",
        s.d_grid[0],
        s.d_grid.last().copied().unwrap_or(0)
    );
    sink.section(SECTION);
    sink.text(&format!(
        "(α, β) = ({}, {}) as in E5; theory inputs (λ_j = j^(−2α), θ̃* = √ρ, theory P∞) at {d_range} (×2), v = 4d, B = 1, \
         {} seeds per method and d on common random numbers, every d run to compute f = t·d = {:.0e}. SGD, DANA-decaying and \
         Schedule-Free SGD (γ = SGD's rate, β = 0.9, loss at x) run in the eigenbasis; Adam-cosine (β = (0.9, 0.999), peak rate tuned, below) \
         normalises coordinates, so it runs in the parameter basis (the rotated sampler, with the \
         eigenvectors of one instance's K), once per horizon T = N, N/2, … with the cosine over T, and its curve is the \
         final loss of each horizon. The frontier exponent η is fitted on the seed-mean envelope P*(f) = min_d P_d(f/d) over \
         the longest compute window where the optimal d is inside the grid for all four methods ({}), with \
         leave-one-seed-out (jackknife) standard errors, paired between methods. SGD and DANA-decaying are checked \
         against their loss ODE on the same inputs.",
        s.alpha,
        s.beta,
        s.seeds,
        s.compute.1,
        match window {
            Some((lo, hi)) => format!("f ∈ [{lo:.2e}, {hi:.2e}]"),
            None => "none found: no exponent is fitted".into(),
        }
    ));
    for fr in fronts.iter().filter(|fr| !fr.rates.is_empty()) {
        let top = ADAM_RATES[ADAM_RATES.len() - 1];
        let edge = fr.rates.iter().filter(|(_, _, r)| *r == top).count();
        let edge_note = if edge == 0 {
            "It is never the largest rate tried, so the grid does not cut the tuning short."
                .to_string()
        } else {
            format!(
                "It is the largest rate tried at {edge} of {} (d, horizon) pairs: there a larger rate might do better still.",
                fr.rates.len()
            )
        };
        sink.text(&format!(
            "{}'s peak rate is the best of {:?} at each d and horizon (by the seed-mean final loss; in \
             e5_baselines_rates.csv). {edge_note}",
            fr.preset.name(),
            ADAM_RATES,
        ));
        let mut t = Table::new(["optimizer", "d", "horizon", "peak_rate", "at_grid_edge"]);
        for &(d, h, r) in &fr.rates {
            t.push(vec![
                fr.preset.name().into(),
                d.into(),
                (h as usize).into(),
                r.into(),
                if r == top { "true" } else { "false" }.into(),
            ]);
        }
        sink.data("e5_baselines_rates", &t)?;
    }
    for fr in &fronts {
        if let Some((d, t)) = fr.diverged() {
            sink.text(&format!(
                "{} diverged at step {t} (d = {d}) in at least one seed; its curves stop there.",
                fr.preset.name()
            ));
        }
    }
    sink.figure(
        "e5_baselines",
        "Top left: the seed-mean envelopes with their fitted power laws (dashed) over the fit window. Then per method: \
         loss against compute for each d (mean ± s.e. over seeds; colour: d), the envelope (black) and, for SGD and \
         DANA-decaying, the loss ODE (dashed).",
        &figure(&fronts, &f, window, &exps),
    )?;
    sink.table(
        "e5_baselines_exponents",
        "Frontier exponents by simulation, per method (fit window and grid as in the text)",
        &exponent_table(&fronts, &exps, window, &s),
    )?;
    sink.data("e5_baselines_curves", &curve_table(&fronts))?;
    Ok(claims(scale, &s, &exps))
}

/// The paper's two claims on the right panel and the simulation-against-ODE check.
fn claims(scale: Scale, s: &SimFrontierSettings, e: &[Exponent]) -> Vec<Claim> {
    let named = |i: usize| {
        format!(
            "η_{} = {} ± {}",
            METHODS[i].name(),
            fmt(e[i].eta),
            fmt(e[i].stderr())
        )
    };
    let in_se = |a: usize, b: usize| in_stderrs(e, |x| x[a] - x[b]);
    // "Ranks alongside SGD" as a ranking: T = (η_DANA − η_SF) − |η_SF − η_SGD| > 0 when
    // Schedule-Free SGD's exponent is nearer SGD's than DANA-decaying's.
    let ranking = in_stderrs(e, |x| {
        (x[DANA] - x[SCHEDULE_FREE]) - (x[SCHEDULE_FREE] - x[SGD]).abs()
    });
    let used = format!(
        "simulation, theory inputs, d = {}…{}, f ≤ {:.0e}, {} seeds{}",
        s.d_grid[0],
        s.d_grid.last().copied().unwrap_or(0),
        s.compute.1,
        s.seeds,
        if scale == Scale::Quick {
            " (quick)"
        } else {
            ""
        }
    );
    let paper = "Figure 1 right, by ODEs of unknown form, (α, β) and d unknown (middle panel: d = 100·2^i, i ≤ 10)";
    let adam = Claim::new(
        "paper-3-adam-cosine",
        format!(
            "Figure 1 right: Adam with a cosine schedule shows no better compute-optimal scaling law than SGD \
             (η_adam-cosine − η_sgd ≤ {CLAIM_SE} paired jackknife s.e. over seeds)"
        ),
        Check::AtMost {
            measured: Operand::new(
                format!("(η difference)/s.e.; {}, {}", named(ADAM_COSINE), named(SGD)),
                in_se(ADAM_COSINE, SGD),
            ),
            bound: CLAIM_SE,
        },
    )
    .paper()
    .stand_in(used.clone(), paper);
    let schedule_free = Claim::new(
        "paper-3-schedule-free",
        format!(
            "Figure 1: Schedule-Free SGD ranks alongside SGD, not with DANA-decaying: its exponent is nearer SGD's \
             than DANA-decaying's, by at least {CLAIM_SE} paired jackknife s.e. ((η_dana-decaying − η_sf) − \
             |η_sf − η_sgd| ≥ {CLAIM_SE} s.e.)"
        ),
        Check::AtLeast {
            measured: Operand::new(
                format!(
                    "margin/s.e.; {}, {}, {}; |η_sf − η_sgd| = {} s.e.",
                    named(SCHEDULE_FREE),
                    named(SGD),
                    named(DANA),
                    fmt(in_se(SCHEDULE_FREE, SGD).abs())
                ),
                ranking,
            ),
            bound: CLAIM_SE,
        },
    )
    .paper()
    .stand_in(used.clone(), paper);
    let parts = [SGD, DANA]
        .iter()
        .map(|&i| {
            let ode = e[i].ode.unwrap_or(f64::NAN);
            (
                METHODS[i].name().to_string(),
                Check::AtMost {
                    measured: Operand::new(
                        format!("|η_sim − η_ODE|/s.e.; {} vs ODE {}", named(i), fmt(ode)),
                        in_stderrs(e, |x| x[i] - ode).abs(),
                    ),
                    bound: ODE_SE,
                },
            )
        })
        .collect();
    let ode = Claim::new(
        "E5-simulated-frontier-on-ode",
        format!(
            "The simulated frontier exponents of SGD and DANA-decaying equal their loss ODE's in the same window \
             (within {ODE_SE} jackknife s.e.): the method measures the expected loss"
        ),
        Check::All { parts },
    )
    .stand_in(used, "the ODE at the same reduced d");
    vec![adam, schedule_free, ode]
}

/// The log-log line of a power-law fit of `points` inside `window`, drawn across the window.
fn fit_line(points: &[(f64, f64)], window: (f64, f64)) -> Option<Vec<(f64, f64)>> {
    let (x, y): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
    let fit = fit_loglog(&x, &y, Some(window))?;
    let at = |f: f64| (f, (fit.intercept + fit.slope * f.ln()).exp());
    Some(vec![at(window.0), at(window.1)])
}

/// The seed-mean envelope as points.
fn envelope_points(fr: &SimFrontier, f: &[f64]) -> Vec<(f64, f64)> {
    let e = fr.mean_envelope(f, None);
    e.f.iter()
        .zip(&e.p_star)
        .filter_map(|(&f, p)| p.map(|p| (f, p)))
        .collect()
}

fn figure(
    fronts: &[SimFrontier],
    f: &[f64],
    window: Option<(f64, f64)>,
    exps: &[Exponent],
) -> Panels {
    let axes = |title: String| {
        Figure::new(
            title,
            Axis::log("compute f = t·d"),
            Axis::log("population risk P"),
        )
    };
    let mut overview = axes("Compute-optimal envelopes and fits".into());
    for (i, fr) in fronts.iter().enumerate() {
        let points = envelope_points(fr, f);
        let color = Rgb::tab(i);
        if let Some(line) = window.and_then(|w| fit_line(&points, w)) {
            overview.series.push(
                Series::line(line)
                    .color(color)
                    .style(Style::Dashed)
                    .unlisted(),
            );
        }
        overview.series.push(
            Series::line(points)
                .label(format!("{} (η = {})", fr.preset.name(), fmt(exps[i].eta)))
                .color(color),
        );
    }
    if let Some((lo, hi)) = window {
        for x in [lo, hi] {
            overview.vlines.push(VLine {
                x,
                label: (x == lo).then(|| "fit window".to_string()),
                color: Rgb::GREY,
            });
        }
    }
    let mut panels = vec![overview];
    for fr in fronts {
        let mut fig = axes(format!(
            "{} ({} sampler{})",
            fr.preset.name(),
            fr.sampler.name(),
            if fr.horizons {
                ", final loss per horizon"
            } else {
                ""
            }
        ));
        let n = fr.runs.len();
        for (k, (d, r)) in fr.runs.iter().enumerate() {
            let dd = *d as f64;
            fig.bands.push(Band {
                label: Some(format!("d = {d}")),
                points: r
                    .mean_curve()
                    .iter()
                    .filter(|p| p.t > 0.0)
                    .map(|p| BandPoint {
                        x: p.t * dd,
                        lower: p.mean - p.stderr,
                        mean: p.mean,
                        upper: p.mean + p.stderr,
                    })
                    .collect(),
                color: color_for(k, n),
                style: Style::Normal,
            });
        }
        if let Some(ode) = &fr.ode {
            for (k, (d, c)) in ode.iter().enumerate() {
                let points = c.t.iter().zip(&c.risk).filter(|(t, _)| **t > 0.0);
                fig.series.push(
                    Series::line(points.map(|(&t, &p)| (t * *d as f64, p)).collect())
                        .color(color_for(k, n))
                        .style(Style::Dashed)
                        .unlisted(),
                );
            }
            fig.series
                .push(Series::key("ODE").color(Rgb::BLACK).style(Style::Dashed));
        }
        fig.series.push(
            Series::line(envelope_points(fr, f))
                .label("envelope")
                .color(Rgb::BLACK),
        );
        panels.push(fig);
    }
    Panels {
        title: "Figure 1 right by simulation: loss against compute over d".into(),
        panels,
        columns: 2,
    }
}

fn exponent_table(
    fronts: &[SimFrontier],
    exps: &[Exponent],
    window: Option<(f64, f64)>,
    s: &SimFrontierSettings,
) -> Table {
    let mut t = Table::new([
        "optimizer",
        "sampler",
        "curve",
        "eta",
        "eta_stderr",
        "eta_ode",
        "fit_lo",
        "fit_hi",
        "seeds",
    ]);
    let (lo, hi) = window.unwrap_or((f64::NAN, f64::NAN));
    for (fr, e) in fronts.iter().zip(exps) {
        t.push(vec![
            fr.preset.name().into(),
            fr.sampler.name().into(),
            if fr.horizons {
                "final loss per horizon"
            } else {
                "one run"
            }
            .into(),
            e.eta.into(),
            e.stderr().into(),
            e.ode.unwrap_or(f64::NAN).into(),
            lo.into(),
            hi.into(),
            (s.seeds as usize).into(),
        ]);
    }
    t
}

/// Seed means per method, d and logged t: `optimizer,d,t,f,risk_mean,risk_stderr,seeds`.
fn curve_table(fronts: &[SimFrontier]) -> Table {
    let mut t = Table::new([
        "optimizer",
        "d",
        "t",
        "f",
        "risk_mean",
        "risk_stderr",
        "seeds",
    ]);
    for fr in fronts {
        for (d, r) in &fr.runs {
            for p in r.mean_curve() {
                t.push(vec![
                    fr.preset.name().into(),
                    (*d).into(),
                    p.t.into(),
                    (p.t * *d as f64).into(),
                    p.mean.into(),
                    p.stderr.into(),
                    p.seeds.into(),
                ]);
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::claims::Verdict;

    fn verdicts(e: &[Exponent]) -> Vec<Verdict> {
        claims(Scale::Quick, &settings(Scale::Quick), e)
            .iter()
            .map(|c| c.verdict())
            .collect()
    }

    #[test]
    fn the_claims_compare_exponents_in_paired_standard_errors() {
        // SGD's own leave-one-out values spread widely (s.e. √(2/3·0.02) = 0.1155); the paired
        // differences spread by (−e, 0, e), whose jackknife s.e. is e·√(4/3) = 0.01155 at
        // e = 0.01. An Adam-cosine exponent 0.02 above SGD's is 1.73 paired s.e., 0.03 is 2.60
        // (an unpaired s.e. would make both well under 2).
        let e = 0.01;
        let sgd = Exponent {
            eta: 0.6,
            leave_outs: vec![0.5, 0.6, 0.7],
            ode: None,
        };
        // Schedule-Free SGD s above SGD (pattern (−e, 0, e)), DANA-decaying g above it
        // (pattern (0, e, −e)). The ranking margin T = g − |s| has leave-one-out values
        // (g + (0, e, −e)) − |s + (−e, 0, e)|: at s = 0, g = 0.05 they are (0.04, 0.06, 0.03),
        // s.e. 0.01764, T = 0.05: 2.83 s.e.; at g = 0.03: 1.70 s.e.; at s = 0.03, g = 0.05 they
        // are (0.03, 0.03, 0), s.e. 0.02, T = 0.02: 1.0 s.e.
        let case = |adam: f64, s: f64, g: f64, sgd_ode: f64| {
            let shifted = |base: &Exponent, by: f64, pattern: [f64; 3], ode| Exponent {
                eta: base.eta + by,
                leave_outs: base
                    .leave_outs
                    .iter()
                    .zip(pattern)
                    .map(|(x, p)| x + by + p)
                    .collect(),
                ode,
            };
            let sgd = Exponent {
                ode: Some(sgd_ode),
                ..shifted(&sgd, 0.0, [0.0; 3], None)
            };
            let sf = shifted(&sgd, s, [-e, 0.0, e], None);
            let dana = shifted(&sf, g, [0.0, e, -e], Some(sf.eta + g));
            let adam = shifted(&sgd, adam, [-e, 0.0, e], None);
            verdicts(&[sgd, dana, adam, sf])
        };
        use Verdict::{Fail, Pass};
        let ode_ok = 0.6 + 2.0 * 0.1155;
        assert_eq!(case(0.02, 0.0, 0.05, ode_ok), [Pass, Pass, Pass]);
        assert_eq!(case(-0.2, 0.0, 0.05, ode_ok), [Pass, Pass, Pass]);
        assert_eq!(case(0.03, 0.0, 0.05, ode_ok), [Fail, Pass, Pass]);
        assert_eq!(case(0.0, 0.0, 0.03, ode_ok)[1], Fail);
        assert_eq!(case(0.0, 0.03, 0.05, ode_ok)[1], Fail);
        // The simulated SGD exponent 4 of its s.e. away from its ODE's.
        assert_eq!(case(0.0, 0.0, 0.05, 0.6 + 4.0 * 0.1155)[2], Fail);
    }
}
