//! E1, the Eq. 6 oracle: the three H evaluators on the worked example and on random supports
//! (|X| ≤ 5, K ≤ 4, reward sd up to 15), the K-wise samplers by Monte Carlo against p·H, and
//! every worked-example value of spec §4 next to its reference.

use crate::curate::curate;
use crate::dynamics::{run_dynamics, DynamicsSettings};
use crate::error::Error;
use crate::examples::worked;
use crate::fixed_point::fixed_point;
use crate::laplace::Quadrature;
use crate::metrics::population_metrics;
use crate::names::{Choices, CurationRule, Evaluator, Rule, Scale};
use crate::operator::{hardmax_h, Levels, Operator, StepSettings};
use crate::reference::worked as refw;
use crate::theory::{t4_bound, two_level_next};
use lab::seed::Seed;
use rand::distr::weighted::WeightedIndex;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// E1 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E1Config {
    /// Random supports besides the worked example.
    pub random_supports: usize,
    /// Atoms per random support: uniform in 2..=max_atoms.
    pub max_atoms: usize,
    /// Each support is evaluated at K = 2..=max_k.
    pub max_k: u32,
    /// Reward sd of a support: uniform in (0, reward_sd_max]; rewards N(0, sd²).
    pub reward_sd_max: f64,
    /// Groups of the Monte Carlo check of the samplers.
    pub mc_groups: usize,
    /// K of the Monte Carlo check.
    pub mc_k: u32,
    /// Seed of the supports and the Monte Carlo.
    pub seed: u64,
    /// Quadrature of the Laplace evaluator.
    pub quadrature: Quadrature,
}

impl E1Config {
    /// The spec's settings (both scales): 200 supports, |X| ≤ 5, K ≤ 4, sd ≤ 15, 4·10⁵ groups
    /// at K = 4.
    pub fn preset(_scale: Scale) -> E1Config {
        E1Config {
            random_supports: 200,
            max_atoms: 5,
            max_k: 4,
            reward_sd_max: 15.0,
            mc_groups: 400_000,
            mc_k: 4,
            seed: 0,
            quadrature: Quadrature::default(),
        }
    }

    /// Refuses sizes the brute-force evaluator cannot enumerate and empty Monte Carlo runs.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::require(
            (2..=8).contains(&self.max_atoms),
            "max atoms",
            self.max_atoms as f64,
            "in 2..=8",
        )?;
        lab::error::require(
            (2..=6).contains(&self.max_k),
            "max K",
            f64::from(self.max_k),
            "in 2..=6",
        )?;
        lab::error::non_negative("reward sd", self.reward_sd_max)?;
        lab::error::require(
            self.mc_groups >= 1,
            "Monte Carlo groups",
            self.mc_groups as f64,
            "≥ 1",
        )?;
        lab::error::require(
            self.mc_groups <= 100_000_000,
            "Monte Carlo groups",
            self.mc_groups as f64,
            "≤ 1e8",
        )?;
        lab::error::require(
            (1..=1000).contains(&self.mc_k),
            "Monte Carlo K",
            f64::from(self.mc_k),
            "in 1..=1000",
        )?;
        self.quadrature.validate()?;
        Ok(())
    }

    /// Memory of the Monte Carlo pool (rewards and order of K·groups samples).
    pub fn memory_bytes(&self) -> u64 {
        16 * u64::from(self.mc_k) * self.mc_groups as u64
    }
}

/// The three evaluators on one support at one K.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E1EvaluatorRow {
    /// 0 = the worked example, i = random support i.
    pub support: usize,
    /// K.
    pub k: u32,
    /// The reward sd the support was drawn with (0 for the worked example).
    pub reward_sd: f64,
    /// Rewards.
    pub reward: Vec<f64>,
    /// Probabilities.
    pub p: Vec<f64>,
    /// H by brute force.
    pub h_brute: Vec<f64>,
    /// H by level counts.
    pub h_levels: Vec<f64>,
    /// H by the Laplace integral.
    pub h_laplace: Vec<f64>,
    /// max |levels − brute|.
    pub max_diff_levels: f64,
    /// max |laplace − brute|.
    pub max_diff_laplace: f64,
}

/// One atom of the Monte Carlo check of a sampler.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E1MonteCarloRow {
    /// The sampler.
    pub rule: CurationRule,
    /// K.
    pub k: u32,
    /// Atom.
    pub atom: usize,
    /// p_1(atom) from the exact operator (softmax: p·H; hard max: the closed form).
    pub expected: f64,
    /// Share of the kept samples on this atom.
    pub observed: f64,
    /// Binomial sd of the share, √(expected(1 − expected)/groups).
    pub sigma: f64,
    /// (observed − expected)/sigma.
    pub z: f64,
}

/// One worked-example quantity next to its spec reference.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E1WorkedRow {
    /// What it is (e.g. `H K=4`).
    pub quantity: String,
    /// Component (atom, or round − 1 for sequences) where it is a vector.
    pub index: usize,
    /// Computed value.
    pub value: f64,
    /// The spec's value.
    pub reference: f64,
    /// Allowed |value − reference| (the spec's precision).
    pub tolerance: f64,
}

/// E1 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E1Result {
    /// Evaluator agreement, support 0 first.
    pub evaluators: Vec<E1EvaluatorRow>,
    /// Sampler Monte Carlo per atom.
    pub monte_carlo: Vec<E1MonteCarloRow>,
    /// Worked-example values.
    pub worked: Vec<E1WorkedRow>,
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn h_with(
    reward: &[f64],
    p: &[f64],
    k: u32,
    evaluator: Evaluator,
    quadrature: Quadrature,
) -> Result<Vec<f64>, Error> {
    let settings = StepSettings {
        k: Choices::Finite(k),
        rule: Rule::Softmax,
        evaluator,
        quadrature,
    };
    Ok(Operator::new(reward, settings)?.h(p)?.h)
}

/// Runs E1.
pub fn run(config: &E1Config) -> Result<E1Result, Error> {
    config.validate()?;
    let q = config.quadrature;
    let w = worked();
    // Evaluators.
    let mut evaluators = Vec::new();
    let mut supports: Vec<(f64, Vec<f64>, Vec<f64>)> =
        vec![(0.0, w.reward().to_vec(), w.p0().to_vec())];
    for i in 0..config.random_supports {
        let mut rng = Seed(config.seed).stream("curation.e1.support", i as u64);
        let atoms = rng.random_range(2..=config.max_atoms);
        let sd = config.reward_sd_max * (1.0 - rng.random::<f64>());
        let reward: Vec<f64> = (0..atoms)
            .map(|_| sd * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng))
            .collect();
        let raw: Vec<f64> = (0..atoms).map(|_| Exp1.sample(&mut rng)).collect();
        let total: f64 = raw.iter().sum();
        supports.push((sd, reward, raw.iter().map(|x| x / total).collect()));
    }
    for (s, (sd, reward, p)) in supports.iter().enumerate() {
        for k in 2..=config.max_k {
            let hb = h_with(reward, p, k, Evaluator::Brute, q)?;
            let hl = h_with(reward, p, k, Evaluator::Levels, q)?;
            let hq = h_with(reward, p, k, Evaluator::Laplace, q)?;
            evaluators.push(E1EvaluatorRow {
                support: s,
                k,
                reward_sd: *sd,
                reward: reward.clone(),
                p: p.clone(),
                max_diff_levels: max_abs_diff(&hl, &hb),
                max_diff_laplace: max_abs_diff(&hq, &hb),
                h_brute: hb,
                h_levels: hl,
                h_laplace: hq,
            });
        }
    }
    // Monte Carlo of the samplers on the worked example.
    let mut monte_carlo = Vec::new();
    let k = config.mc_k;
    let n = config.mc_groups * k as usize;
    let pick = WeightedIndex::new(w.p0()).map_err(|_| Error::EmptySupport)?;
    for (j, rule) in [CurationRule::Kwise, CurationRule::KwiseHardmax]
        .into_iter()
        .enumerate()
    {
        let mut rng = Seed(config.seed).stream("curation.e1.mc", j as u64);
        let atoms: Vec<usize> = (0..n).map(|_| pick.sample(&mut rng)).collect();
        let rewards: Vec<f64> = atoms.iter().map(|&a| w.reward()[a]).collect();
        let kept = curate(&rewards, rule, k, config.mc_groups, 1.0, &mut rng)?.kept;
        let mut counts = vec![0usize; w.len()];
        for &i in &kept {
            counts[atoms[i]] += 1;
        }
        let expected: Vec<f64> = if rule == CurationRule::Kwise {
            let h = h_with(w.reward(), w.p0(), k, Evaluator::Laplace, q)?;
            w.p0().iter().zip(&h).map(|(p, h)| p * h).collect()
        } else {
            let lv = Levels::new(w.reward());
            let hh = hardmax_h(&lv.masses(w.p0()), Choices::Finite(k));
            (0..w.len())
                .map(|a| w.p0()[a] * hh[lv.of_atom()[a] as usize])
                .collect()
        };
        for a in 0..w.len() {
            let observed = counts[a] as f64 / config.mc_groups as f64;
            let sigma = (expected[a] * (1.0 - expected[a]) / config.mc_groups as f64).sqrt();
            monte_carlo.push(E1MonteCarloRow {
                rule,
                k,
                atom: a,
                expected: expected[a],
                observed,
                sigma,
                z: (observed - expected[a]) / sigma,
            });
        }
    }
    Ok(E1Result {
        evaluators,
        monte_carlo,
        worked: worked_rows(q)?,
    })
}

/// Every worked-example quantity of spec §4, computed by the crate, next to the spec's value.
pub fn worked_rows(q: Quadrature) -> Result<Vec<E1WorkedRow>, Error> {
    let w = worked();
    let mut rows = Vec::new();
    // Component i of `values` against component i of `refs`.
    let mut push_all = |quantity: &str, values: &[f64], refs: &[f64]| {
        for (index, (&value, &reference)) in values.iter().zip(refs).enumerate() {
            rows.push(E1WorkedRow {
                quantity: quantity.to_string(),
                index,
                value,
                reference,
                tolerance: 1e-8,
            });
        }
    };
    let r_star = w.top_reward();
    let step = |k: Choices, rule: Rule, lambda: f64, rounds: u32| -> Result<Vec<Vec<f64>>, Error> {
        let settings = DynamicsSettings {
            step: StepSettings {
                k,
                rule,
                evaluator: Evaluator::Laplace,
                quadrature: q,
            },
            lambda,
            rounds,
        };
        let mut ps = Vec::new();
        run_dynamics(&w, &settings, |_, p| ps.push(p.to_vec()))?;
        Ok(ps)
    };
    for (k, refs, name) in [(2, refw::H_K2, "H K=2"), (4, refw::H_K4, "H K=4")] {
        push_all(
            name,
            &h_with(w.reward(), w.p0(), k, Evaluator::Laplace, q)?,
            &refs,
        );
    }
    let m0 = population_metrics(w.p0(), w.reward(), w.p_data(), r_star);
    push_all("E_p0[e^r]", &[m0.expected_weight], &[refw::E0_WEIGHT]);
    for (i, k) in [Choices::Finite(2), Choices::Finite(4), Choices::Infinite]
        .into_iter()
        .enumerate()
    {
        let ps = step(k, Rule::Softmax, 0.0, 1)?;
        let m1 = population_metrics(&ps[1], w.reward(), w.p_data(), r_star);
        push_all(
            &format!("E_p1[e^r] K={k}"),
            &[m1.expected_weight],
            &refw::E1_WEIGHT[i..=i],
        );
        if let Some(kf) = k.get() {
            if kf <= 4 {
                let b = t4_bound(
                    m0.expected_weight,
                    m0.variance_weight,
                    f64::from(kf),
                    r_star,
                );
                push_all(&format!("T4 bound K={k}"), &[b], &refw::T4_BOUND[i..=i]);
            }
        }
        if k == Choices::Finite(4) {
            push_all("p1 K=4", &ps[1], &refw::P1_K4);
        }
        if k == Choices::Infinite {
            push_all("p1 K=inf", &ps[1], &refw::P1_INF);
        }
    }
    let hard = step(Choices::Finite(4), Rule::Hardmax, 0.0, 1)?;
    push_all("p1 hardmax K=4", &hard[1], &refw::P1_HARDMAX_K4);
    let ps = step(Choices::Finite(4), Rule::Softmax, 0.0, 20)?;
    for (t, v) in refw::KL_K4 {
        let m = population_metrics(&ps[t as usize], w.reward(), w.p_data(), r_star);
        push_all(&format!("KL(p*||p_t) K=4 t={t}"), &[m.kl_target], &[v]);
    }
    let ps = step(Choices::Infinite, Rule::Softmax, 0.0, 10)?;
    for (t, v) in refw::KL_INF {
        let m = population_metrics(&ps[t as usize], w.reward(), w.p_data(), r_star);
        push_all(&format!("KL(p*||p_t) K=inf t={t}"), &[m.kl_target], &[v]);
    }
    let fp = fixed_point(w.reward(), w.p_data(), 0.5)?;
    push_all(
        "fixed point Z (K=inf, lambda=1)",
        &[fp.expected_weight],
        &[refw::FIXED_POINT_Z],
    );
    push_all(
        "fixed point p (K=inf, lambda=1)",
        &fp.p,
        &refw::FIXED_POINT_P,
    );
    let ps = step(Choices::Finite(4), Rule::Softmax, 1.0, 300)?;
    push_all("p300 K=4 lambda=1", &ps[300], &refw::P300_K4_LAMBDA1);
    let mut qt = 0.1;
    let two_level: Vec<f64> = (0..refw::TWO_LEVEL_Q.len())
        .map(|_| {
            qt = two_level_next(qt, 4, 1.0);
            qt
        })
        .collect();
    push_all(
        "two levels q_1..q_3 (Delta=1, K=4, q0=0.1)",
        &two_level,
        &refw::TWO_LEVEL_Q,
    );
    Ok(rows)
}
