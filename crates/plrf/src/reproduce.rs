//! `theorylab reproduce plrf`: the paper's experiments E3–E7 (spec §5) with a verdict
//! on each claim (spec §4.4 and §8 items 11–14), written into a report and a run
//! directory.

use crate::experiment::{run_ode, run_simulate, Curves, Setup, SimulateSettings};
use crate::frontier::{frontiers, FrontierSettings};
use crate::ode::OdeSettings;
use crate::optimizer::{Overrides, Preset};
use crate::phases::{loss_slope, p};
use crate::problem::Problem;
use crate::sampler::SamplerKind;
use crate::scaling::{self, SlopeRow};
use crate::spectrum::{LimitLoss, SpectrumSource};
use crate::theory::LimitLossMode;
use lab::claims::{Claim, Verdict};
use lab::plot::{color_for, Axis, Figure, Panels, Rgb, Series, Style, MAX_COLUMNS};
use lab::report::{figure, Scale, Sink};
use serde_json::json;

const OPTIMIZERS: [Preset; 3] = [Preset::Sgd, Preset::DanaConstant, Preset::DanaDecaying];

/// Runs E3–E7 at `scale`; `stage` is told the name of each experiment as it starts.
pub fn reproduce(
    scale: Scale,
    sink: &mut Sink,
    stage: &dyn Fn(&str),
) -> Result<Vec<Claim>, String> {
    let mut claims = Vec::new();
    let section = sink.report.section("Phases of the (α, β) plane");
    section.text(
        "Regions of spec §2.5 with the loss terms that compete for SGD and the predicted exponents; hatched regions have \
         no formula. Dots: the 4+3 notebook's panel points.",
    );
    figure(
        section,
        sink.dir,
        "phases",
        "Phase map",
        &crate::phases::phase_map((0.05, 2.0), (0.05, 2.0), 80),
    )?;
    stage("E3 loss-curve slopes");
    let e3 = e3(sink)?;
    claims.extend(e3.claims.iter().cloned());
    stage("E4 compute-optimal frontiers");
    let e4 = e4(sink)?;
    claims.extend(e4.claims);
    stage("E5 Figure-1 analogue");
    let e5 = e5(scale, sink)?;
    stage("E6 constant momentum");
    let e6 = e6(sink)?;
    claims.extend(e6.claims.iter().cloned());
    stage("E7 other phases");
    claims.extend(e7(sink)?);
    // The paper's claims (spec §4.4), each resting on the checks above.
    let all = |cs: &[Claim]| cs.iter().all(|c| c.verdict == Verdict::Pass);
    claims.push(Claim::checked(
        "paper-1",
        "Constant-parameter momentum (SGD-M) has the same loss and compute-optimal exponents as SGD",
        "equal exponents (E6)",
        &format!("{} of {} E6 checks pass", e6.claims.iter().filter(|c| c.verdict == Verdict::Pass).count(), e6.claims.len()),
        "0.03",
        all(&e6.claims),
    ));
    claims.push(Claim::checked(
        "paper-2",
        "DANA improves both the loss-curve exponent and the compute-optimal exponent over SGD",
        "DANA-decaying steeper (E3) and η_DANA > η_SGD (E4, α ≥ 1)",
        &e4.improvement_text,
        "ordering",
        e3.dana_steeper && e4.dana_improves,
    ));
    claims.push(Claim::checked(
        "paper-3",
        "Figure 1: single runs scatter around their ODE curves; over d = 100·2^i the ODEs rank DANA-decaying first, DANA-constant second, SGD last",
        "seed mean within 2 s.e. of the ODE (median over t ≥ 10³); η order dec > const > SGD",
        &e5.text,
        "2 s.e.; ordering",
        e5.holds,
    ));
    Ok(claims)
}

/// Decade slopes of one optimizer.
fn slopes_of<'r>(rows: &'r [SlopeRow], name: &str) -> Vec<&'r SlopeRow> {
    rows.iter().filter(|r| r.optimizer == name).collect()
}

/// The slope on the decade starting at `t_lo`.
fn slope_at(rows: &[&SlopeRow], t_lo: f64) -> Option<f64> {
    rows.iter()
        .find(|r| (r.t_lo / t_lo - 1.0).abs() < 1e-9)
        .map(|r| r.slope)
}

fn theory_setup(
    alpha: f64,
    beta: f64,
    d: usize,
    presets: &[Preset],
    overrides: &Overrides,
) -> Result<Setup, String> {
    let names: Vec<&str> = presets.iter().map(|p| p.name()).collect();
    Setup::new(
        Problem::new(alpha, beta, 4 * d, d)?,
        1,
        0,
        &names.join(","),
        overrides,
        false,
    )
}

fn ode_curves(setup: Setup, t_max: f64) -> Result<Curves, String> {
    let settings = OdeSettings {
        t_max,
        dt: 1e-2,
        batch: 1,
        approximate: false,
    };
    run_ode(
        setup,
        SpectrumSource::Theory,
        LimitLoss::Theory(LimitLossMode::Official),
        settings,
        &|_| {},
    )
}

/// File stem of an (α, β) point: e4_a1_b0p3.
fn stem(alpha: f64, beta: f64) -> String {
    format!("e4_a{alpha}_b{beta}").replace('.', "p")
}

fn fmt(x: f64) -> String {
    format!("{x:.3}")
}

struct E3 {
    claims: Vec<Claim>,
    dana_steeper: bool,
}

/// E3 at d = 2·10⁴, t_max = 10⁹ (spec §8 items 11 and 14).
fn e3(sink: &mut Sink) -> Result<E3, String> {
    const SECTION: &str = "E3: loss-curve exponents at large d (ODE, theory inputs)";
    let d = 20_000;
    let mut claims = Vec::new();
    let mut dana_steeper = true;
    let mut panels = Vec::new();
    let mut all_rows = Vec::new();
    for (alpha, beta) in [(0.75, 0.25), (1.0, 0.3), (1.5, 0.4)] {
        let curves = ode_curves(
            theory_setup(alpha, beta, d, &OPTIMIZERS, &Overrides::default())?,
            1e9,
        )?;
        let rows = scaling::slope_rows(&curves);
        let at = format!("(α, β) = ({alpha}, {beta})");
        let sgd = slopes_of(&rows, "sgd");
        let con = slopes_of(&rows, "dana-constant");
        let dec = slopes_of(&rows, "dana-decaying");
        // SGD: within 0.03 of −p/(2α) on at least two decades before the plateau t ≈ d^{2α}.
        let predicted = loss_slope(Preset::Sgd, alpha, beta).unwrap_or(f64::NAN);
        let plateau = (d as f64).powf(2.0 * alpha);
        let pre: Vec<&&SlopeRow> = sgd
            .iter()
            .filter(|r| r.t_hi <= 0.1 * plateau && r.t_lo >= 10.0)
            .collect();
        let close = pre
            .iter()
            .filter(|r| (r.slope - predicted).abs() <= 0.03)
            .count();
        claims.push(Claim::checked(
            &format!("E3-sgd {at}"),
            "SGD's local slope of log(P − P∞) equals −p/(2α) on at least two decades before the plateau",
            &fmt(predicted),
            &pre.iter().map(|r| format!("[{:e},{:e}]: {}", r.t_lo, r.t_hi, fmt(r.slope))).collect::<Vec<_>>().join("; "),
            "0.03 on ≥ 2 decades",
            close >= 2,
        ));
        // DANA-decaying steeper than SGD on [10², 10³], [10³, 10⁴], [10⁴, 10⁵].
        let steeper =
            [1e2, 1e3, 1e4]
                .iter()
                .all(|&t| match (slope_at(&dec, t), slope_at(&sgd, t)) {
                    (Some(a), Some(b)) => a.abs() > b.abs(),
                    _ => false,
                });
        dana_steeper &= steeper;
        claims.push(Claim::checked(
            &format!("E3-dana-decaying {at}"),
            "DANA-decaying's slope magnitude exceeds SGD's on each decade of [10², 10⁵]",
            &format!(
                "steeper; asymptotic target {}",
                fmt(loss_slope(Preset::DanaDecaying, alpha, beta).unwrap_or(f64::NAN))
            ),
            &[1e2, 1e3, 1e4]
                .iter()
                .map(|&t| {
                    format!(
                        "{}: {} vs {}",
                        t,
                        slope_at(&dec, t).map_or("—".into(), fmt),
                        slope_at(&sgd, t).map_or("—".into(), fmt)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            "ordering",
            steeper,
        ));
        // DANA-constant: SGD-like on [10³, 10⁴], then steeper by ≥ 0.1 after 0.1/γ3.
        let gamma3 = curves.setup.optimizers[1].hyper.at(0.0).g3;
        let same = match (slope_at(&con, 1e3), slope_at(&sgd, 1e3)) {
            (Some(a), Some(b)) => (a - b).abs(),
            _ => f64::NAN,
        };
        let excess = con
            .iter()
            .filter(|r| r.t_lo >= 0.1 / gamma3)
            .filter_map(|r| slope_at(&sgd, r.t_lo).map(|s| r.slope.abs() - s.abs()))
            .fold(f64::NEG_INFINITY, f64::max);
        claims.push(Claim::checked(
            &format!("E3-dana-constant {at}"),
            "DANA-constant follows SGD's slope before 1/γ3 and then steepens by ≥ 0.1",
            "|Δslope| ≤ 0.03 on [10³,10⁴]; max excess ≥ 0.1 after 0.1/γ3",
            &format!(
                "|Δslope| = {}, max excess = {} (1/γ3 = {:.3e})",
                fmt(same),
                fmt(excess),
                1.0 / gamma3
            ),
            "0.03; 0.1",
            same <= 0.03 && excess >= 0.1,
        ));
        if alpha <= 1.0 {
            let flagged = |rows: &[&SlopeRow]| rows.iter().any(|r| r.unstable);
            let ok = flagged(&con) && !flagged(&sgd);
            claims.push(Claim::checked(
                &format!("item14 {at}"),
                "The instability guard flags DANA-constant's late rise (t_max = 10⁹) and never SGD",
                "DANA-constant flagged, SGD not",
                &format!(
                    "DANA-constant {}, SGD {}",
                    if flagged(&con) {
                        "flagged"
                    } else {
                        "not flagged"
                    },
                    if flagged(&sgd) {
                        "flagged"
                    } else {
                        "not flagged"
                    }
                ),
                "exact",
                ok,
            ));
        }
        let names: Vec<String> = curves.curves.iter().map(|c| c.0.clone()).collect();
        panels.push(scaling::slope_figure(&rows, &names, &at));
        panels.push(curves.figure(&format!("ODE {at}")));
        all_rows.extend(rows);
    }
    let section = sink.report.section(SECTION);
    section.text(&format!(
        "Local least-squares slopes of log(P − P∞) on log t per decade, d = {d}, v = 4d, t_max = 10⁹, Δs = 0.01, \
         theory inputs with the official P∞. Dashed: the predicted slopes (SGD −p/(2α); DANA-decaying −p(4α−1)/(4α²); \
         DANA-constant −p/α after 1/γ3; derived, spec §4.3)."
    ));
    let panels = Panels {
        title: "E3".into(),
        panels,
        columns: 2,
    };
    figure(
        section,
        sink.dir,
        "e3_slopes",
        "Local slopes and ODE curves at the three E3 points",
        &panels,
    )?;
    sink.dir
        .add_csv("e3_decade_slopes.csv", &scaling::slope_table(&all_rows));
    section.table(&scaling::slope_table(&all_rows));
    Ok(E3 {
        claims,
        dana_steeper,
    })
}

struct E4 {
    claims: Vec<Claim>,
    dana_improves: bool,
    improvement_text: String,
}

/// E4 at the spec's settings (spec §8 item 12).
fn e4(sink: &mut Sink) -> Result<E4, String> {
    const SECTION: &str = "E4: compute-optimal frontiers (ODE, theory inputs)";
    let settings = FrontierSettings::default();
    let mut claims = Vec::new();
    let (mut dana_improves, mut texts) = (true, Vec::new());
    let mut tables = Vec::new();
    for (alpha, beta) in [(1.0, 0.3), (1.5, 0.4), (0.75, 0.25)] {
        let fronts = frontiers(
            alpha,
            beta,
            &OPTIMIZERS,
            &Overrides::default(),
            &settings,
            false,
            &|_| {},
        )?;
        let at = format!("(α, β) = ({alpha}, {beta})");
        let eta = |i: usize| fronts[i].fit.map_or(f64::NAN, |f| f.loss_exponent);
        let xi = |i: usize| fronts[i].fit.map_or(f64::NAN, |f| f.d_exponent);
        let (eta_th, xi_th) = fronts[0].theory.unwrap_or((f64::NAN, f64::NAN));
        claims.push(Claim::within(
            &format!("E4-sgd-η {at}"),
            "SGD's compute-optimal loss exponent η = p/(2α+1)",
            eta_th,
            eta(0),
            0.03,
        ));
        claims.push(Claim::within(
            &format!("E4-sgd-ξ {at}"),
            "SGD's compute-optimal size exponent ξ = 1/(2α+1)",
            xi_th,
            xi(0),
            0.05,
        ));
        for (i, fr) in fronts.iter().enumerate().skip(1) {
            let (e, x) = fr.theory.unwrap_or((f64::NAN, f64::NAN));
            claims.push(Claim {
                id: format!("E4-{} {at}", fr.preset.name()),
                statement: format!(
                    "{}'s frontier exponents next to the derived formulas of spec §4.3",
                    fr.preset.name()
                ),
                predicted: format!("η = {}, ξ = {} (derived, untested)", fmt(e), fmt(x)),
                measured: format!("η = {}, ξ = {}", fmt(eta(i)), fmt(xi(i))),
                tolerance: "—".into(),
                verdict: Verdict::NoPrediction,
            });
        }
        let order = eta(2) > eta(1) && eta(1) > eta(0);
        if alpha >= 1.0 {
            dana_improves &= order;
            claims.push(Claim::checked(
                &format!("E4-order {at}"),
                "η ordering DANA-decaying > DANA-constant > SGD",
                "dec > const > SGD",
                &format!("{} > {} > {}", fmt(eta(2)), fmt(eta(1)), fmt(eta(0))),
                "ordering",
                order,
            ));
            texts.push(format!(
                "{at}: η {} / {} / {}",
                fmt(eta(2)),
                fmt(eta(1)),
                fmt(eta(0))
            ));
        } else {
            claims.push(Claim::measured_only(
                &format!("E4-order {at} (probe)"),
                "Near 2α = 1 the predicted DANA gains are small; the ordering is a convergence probe, not a test",
                &format!("η {} / {} / {} (dec / const / SGD)", fmt(eta(2)), fmt(eta(1)), fmt(eta(0))),
            ));
        }
        tables.push((at, stem(alpha, beta), fronts));
    }
    let section = sink.report.section(SECTION);
    section.text(
        "d ∈ {200·2^i, i = 0..7}, v = 4d, t_max = 10¹³/d, 81 log-spaced f in [10⁵, 10¹³], P*(f) = min over d of the \
         log-log interpolated P_d(f/d); least-squares fits of log P* and log d* on log f over [10⁷, 10¹¹].",
    );
    section.settings(&json!(settings));
    for (at, stem, fronts) in &tables {
        section.text(at).table(&scaling::frontier_table(fronts));
        let panels = scaling::frontier_panels(fronts, at);
        figure(
            section,
            sink.dir,
            &format!("{stem}_frontier"),
            &format!("Loss vs compute for every d and the envelope, {at}"),
            &panels,
        )?;
        let dstar = scaling::d_star_figure(fronts, &format!("d*(f), {at}"));
        figure(
            section,
            sink.dir,
            &format!("{stem}_dstar"),
            &format!("d*(f), {at}"),
            &dstar,
        )?;
        sink.dir.add_csv(
            &format!("{stem}_envelope.csv"),
            &scaling::envelope_table(fronts),
        );
    }
    Ok(E4 {
        claims,
        dana_improves,
        improvement_text: texts.join("; "),
    })
}

struct E5 {
    holds: bool,
    text: String,
}

/// E5, the Figure-1 analogue at (α, β) = (1.25, 0.35): single runs against the ODE at
/// d = 1000, and ODE frontiers over d = 100·2^i.
fn e5(scale: Scale, sink: &mut Sink) -> Result<E5, String> {
    const SECTION: &str = "E5: Figure-1 analogue";
    let (alpha, beta) = (1.25, 0.35);
    let (steps, seeds, top) = match scale {
        Scale::Quick => (100_000, 16, 8),
        Scale::Full => (1_000_000, 32, 10),
    };
    // Left: single runs (eigenbasis sampler on one W) and the ODE with that W's inputs.
    let setup = theory_setup(alpha, beta, 1000, &OPTIMIZERS, &Overrides::default())?;
    let sim = run_simulate(
        setup,
        SimulateSettings {
            steps,
            seeds,
            sampler: SamplerKind::Eigen,
            with_ode: Some(1e-2),
        },
        &|_| {},
    )?;
    let ode = sim.ode.as_ref().ok_or("E5 needs the ODE")?;
    // Median over logged t ≥ 10³ of |seed mean − ODE| in standard errors (the ODE equals the
    // exact expectation to 0.2% there, so a fair scatter gives a median near 0.7).
    let mut deviations = Vec::new();
    for (r, (_, c)) in sim.results.iter().zip(&ode.curves) {
        let mut z: Vec<f64> = r
            .mean_curve()
            .iter()
            .filter(|m| m.t >= 1e3)
            .filter_map(|m| {
                c.nearest(m.t)
                    .map(|j| (m.mean - c.risk[j]).abs() / m.stderr)
            })
            .collect();
        z.sort_by(f64::total_cmp);
        deviations.push(z.get(z.len() / 2).copied().unwrap_or(f64::NAN));
    }
    let on_ode = deviations.iter().all(|&x| x <= 2.0);
    // Right: ODE frontiers over d = 100·2^i, i = 1..top.
    let settings = FrontierSettings {
        d_grid: (1..=top).map(|i| 100 << i).collect(),
        ..Default::default()
    };
    let fronts = frontiers(
        alpha,
        beta,
        &OPTIMIZERS,
        &Overrides::default(),
        &settings,
        false,
        &|_| {},
    )?;
    let eta: Vec<f64> = fronts
        .iter()
        .map(|f| f.fit.map_or(f64::NAN, |x| x.loss_exponent))
        .collect();
    let ranked = eta[2] > eta[1] && eta[1] > eta[0];
    let text = format!(
        "median |mean − ODE|/s.e. for t ≥ 10³: {} (sgd, dana-constant, dana-decaying; {seeds} seeds, {steps} steps); η = {} / {} / {}",
        deviations.iter().map(|x| format!("{:.3}", x)).collect::<Vec<_>>().join(", "),
        fmt(eta[2]),
        fmt(eta[1]),
        fmt(eta[0])
    );
    // Colour by d (dark to light as d grows), line style by optimizer, keyed once each.
    let mut right = Figure::new(
        "ODE curves over d = 100·2^i vs compute",
        Axis::log("compute f = t·d"),
        Axis::log("population risk P"),
    );
    const STYLES: [Style; 3] = [Style::Normal, Style::Dashed, Style::Dotted];
    let sizes: Vec<usize> = fronts
        .first()
        .map_or(Vec::new(), |fr| fr.curves.iter().map(|(d, _)| *d).collect());
    for (i, fr) in fronts.iter().enumerate() {
        let style = STYLES[i % STYLES.len()];
        for (k, (d, c)) in fr.curves.iter().enumerate() {
            let points = c.t.iter().zip(&c.risk).map(|(&t, &p)| (t * *d as f64, p));
            right.series.push(
                Series::line(points.collect())
                    .label(format!("{}, d = {d}", fr.preset.name()))
                    .color(color_for(k, fr.curves.len()))
                    .style(style)
                    .unlisted(),
            );
        }
        right
            .series
            .push(Series::key(fr.preset.name()).color(Rgb::BLACK).style(style));
    }
    for (k, d) in sizes.iter().enumerate() {
        right
            .series
            .push(Series::key(format!("d = {d}")).color(color_for(k, sizes.len())));
    }
    let panels = Panels {
        title: format!("Figure-1 analogue, (α, β) = ({alpha}, {beta})"),
        panels: vec![
            sim.figure("d = 1000: single runs (faded) and the ODE (bold)"),
            right,
        ],
        columns: 2,
    };
    let section = sink.report.section(SECTION);
    section.text(&format!(
        "(α, β) = ({alpha}, {beta}) (2β < 1 < 2α; the paper's values are unknown). Left: {seeds} seeds of {steps} steps with the \
         eigenbasis sampler on one W (seed 0), and the ODE with that W's λ, ρ and P∞. Right: ODE curves for d = 100·2^i, \
         i = 1..{top} (colour: d; line style: optimizer), ranked by their frontier exponent η. The paper's optional third \
         panel (Adam-cosine, Schedule-Free SGD) is not produced: neither optimizer is implemented yet."
    ));
    figure(
        section,
        sink.dir,
        "e5_figure1",
        "Left: single runs and ODE at d = 1000 with t = 1/γ3 marked. Right: ODE curves over d (colour: d; line style: optimizer).",
        &panels,
    )?;
    sink.dir.add_csv("e5_runs.csv", &sim.runs_table());
    sink.dir
        .add_csv("e5_frontier.csv", &scaling::frontier_table(&fronts));
    section.table(&scaling::frontier_table(&fronts));
    Ok(E5 {
        holds: on_ode && ranked,
        text,
    })
}

struct E6 {
    claims: Vec<Claim>,
}

/// E6 at (1.0, 0.3): SGD-M with γ2 = γ/2, γ3 = Δγ/2 equals SGD (spec §8 item 13).
fn e6(sink: &mut Sink) -> Result<E6, String> {
    const SECTION: &str = "E6: constant momentum equals SGD";
    let (alpha, beta, d) = (1.0, 0.3, 20_000);
    let mut claims = Vec::new();
    let sgd_curves = ode_curves(
        theory_setup(alpha, beta, d, &[Preset::Sgd], &Overrides::default())?,
        1e9,
    )?;
    let sgd_rows = scaling::slope_rows(&sgd_curves);
    let sgd_front = frontiers(
        alpha,
        beta,
        &[Preset::Sgd],
        &Overrides::default(),
        &FrontierSettings::default(),
        false,
        &|_| {},
    )?;
    let mut figures = Vec::new();
    for delta in [0.1, 0.01] {
        let o = Overrides {
            delta: Some(delta),
            ..Default::default()
        };
        let curves = ode_curves(theory_setup(alpha, beta, d, &[Preset::SgdM], &o)?, 1e9)?;
        let rows = scaling::slope_rows(&curves);
        let plateau = (d as f64).powf(2.0 * alpha);
        let diffs: Vec<f64> = rows
            .iter()
            .filter(|r| r.t_lo >= 10.0 / delta && r.t_hi <= 0.1 * plateau)
            .filter_map(|r| {
                slope_at(&slopes_of(&sgd_rows, "sgd"), r.t_lo).map(|s| (r.slope - s).abs())
            })
            .collect();
        let worst = diffs.iter().cloned().fold(0.0, f64::max);
        claims.push(Claim::checked(
            &format!("E6-slopes Δ={delta}"),
            "SGD-M's local slopes equal SGD's on the decades from 10/Δ to the plateau",
            "equal",
            &format!(
                "largest |Δslope| {} over {} decades",
                fmt(worst),
                diffs.len()
            ),
            "0.03",
            !diffs.is_empty() && worst <= 0.03,
        ));
        let front = frontiers(
            alpha,
            beta,
            &[Preset::SgdM],
            &o,
            &FrontierSettings::default(),
            false,
            &|_| {},
        )?;
        let (a, b) = (front[0].fit, sgd_front[0].fit);
        let (de, dx) = match (a, b) {
            (Some(a), Some(b)) => (
                (a.loss_exponent - b.loss_exponent).abs(),
                (a.d_exponent - b.d_exponent).abs(),
            ),
            _ => (f64::NAN, f64::NAN),
        };
        claims.push(Claim::checked(
            &format!("E6-frontier Δ={delta}"),
            "SGD-M's frontier exponents (η, ξ) equal SGD's",
            "equal",
            &format!("|Δη| = {}, |Δξ| = {}", fmt(de), fmt(dx)),
            "0.03",
            de <= 0.03 && dx <= 0.03,
        ));
        let names = vec!["sgd-m".to_string()];
        let mut fig = scaling::slope_figure(&rows, &names, &format!("SGD-M (Δ = {delta}) and SGD"));
        let sgd_fig = scaling::slope_figure(&sgd_rows, &["sgd".to_string()], "");
        fig.series.extend(sgd_fig.series.into_iter().map(|mut s| {
            s.color = Rgb::tab(1);
            s
        }));
        figures.push(fig);
    }
    let section = sink.report.section(SECTION);
    section.text(&format!(
        "(α, β) = ({alpha}, {beta}); SGD-M with γ1 = 1, γ2 = γ/2, γ3 = Δγ/2 (so γ2 + γ3/Δ = γ, SGD's step), \
         Δ ∈ {{0.1, 0.01}}; slopes at the E3 setting (d = {d}), frontiers at the E4 setting."
    ));
    let panels = Panels {
        title: "E6".into(),
        panels: figures,
        columns: 2,
    };
    figure(
        section,
        sink.dir,
        "e6_slopes",
        "Local slopes of SGD-M and SGD",
        &panels,
    )?;
    Ok(E6 { claims })
}

/// E7: exploratory points in other phases (no DANA formula; nothing is tested).
fn e7(sink: &mut Sink) -> Result<Vec<Claim>, String> {
    const SECTION: &str = "E7: other phases (exploratory)";
    let mut claims = Vec::new();
    let mut panels = Vec::new();
    for (alpha, beta) in [(1.25, 0.75), (1.0, 2.0), (0.4, 0.7)] {
        let curves = ode_curves(
            theory_setup(
                alpha,
                beta,
                2000,
                &[Preset::Sgd, Preset::DanaDecaying],
                &Overrides::default(),
            )?,
            1e8,
        )?;
        let rows = scaling::slope_rows(&curves);
        let at = format!("(α, β) = ({alpha}, {beta})");
        let measured = [1e2, 1e3, 1e4]
            .iter()
            .map(|&t| {
                let s = |n| slope_at(&slopes_of(&rows, n), t).map_or("—".into(), fmt);
                format!(
                    "[{t:e}]: DANA-decaying {} vs SGD {}",
                    s("dana-decaying"),
                    s("sgd")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        claims.push(Claim::measured_only(
            &format!("E7 {at}"),
            &format!(
                "Phase {}: do the default DANA schedules steepen the loss curve? (p = {})",
                crate::phases::classify(alpha, beta).phase.name(),
                fmt(p(alpha, beta))
            ),
            &measured,
        ));
        panels.push(curves.figure(&at));
    }
    let section = sink.report.section(SECTION);
    section.text(
        "d = 2000, v = 4d, theory inputs, ODE to 10⁸. Where F_ac or K_pp matter the effective-clock argument does not apply; \
         the slopes are reported, not tested.",
    );
    let panels = Panels {
        title: "E7".into(),
        panels,
        columns: MAX_COLUMNS,
    };
    figure(
        section,
        sink.dir,
        "e7_curves",
        "ODE curves in other phases",
        &panels,
    )?;
    Ok(claims)
}
