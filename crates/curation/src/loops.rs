//! A3: finite-sample retraining rounds, and the generic loop of `curation loop`.
//!
//! One round from θ_t with real set D (|D| = n):
//! 1. m_syn = m if fully synthetic (λ = 0), else ⌊λn⌋;
//! 2. draw N = K·m_syn samples from θ_t and compute their rewards;
//! 3. curate to m_syn (A2; the rule is labelled in every output);
//! 4. training set = curated (λ = 0) or D ∪ curated (the `mix()` convention of
//!    QB3/gen_models_dont_go_mad \[C\]);
//! 5. refit (closed form, or EM warm-started from θ_t);
//! 6. measure on a fresh sample of n_eval points from θ_{t+1}, never on the training set
//!    (spec §7, pitfall 13).
//!
//! For the K-wise rules the candidates are drawn group by group (K at a time) and the group's
//! choice is made at once, so N samples are never held in memory: groups of consecutive i.i.d.
//! draws have the law of the shuffled disjoint groups of A2. Randomness: stream
//! (`curation.loop.<what>`, index(round, chunk)) of the run's seed, chunks of fixed size, so a
//! run is bit-identical at any thread count.

use crate::curate::{curate, pick_in_group};
use crate::data::{sample_chunked, stream_index, DataSpec, Points, CHUNK};
use crate::error::{merge_warning, Error, Warning};
use crate::models::{fit, FitReport, Model, ModelSpec};
use crate::names::{Choices, CurationRule};
use crate::reward::Reward;
use crate::sample_metrics::{shares, HistogramGrid};
use lab::seed::Seed;
use rayon::prelude::*;

/// A reward on points.
pub type RewardFn<'a> = dyn Fn(&[f64]) -> f64 + Sync + 'a;

/// Largest estimated memory a configuration may ask for.
pub const MEMORY_LIMIT: u64 = 16 << 30;

/// What every sample-based run shares: rounds, seeds, the curation rule and its temperature,
/// and the size of the fresh sample the metrics are computed on.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// Rounds T.
    pub rounds: u32,
    /// Number of seeds.
    pub seeds: u32,
    /// First seed; seed i is `seed + i`.
    pub seed: u64,
    /// Curation rule (only `kwise` is the paper's).
    pub rule: CurationRule,
    /// Softmax temperature τ (the paper: 1; spec §7 pitfall 4).
    pub tau: f64,
    /// Fresh samples per round for the metrics.
    pub n_eval: usize,
}

impl Schedule {
    /// `rounds` rounds, `seeds` seeds from 0, `kwise`, τ = 1, 2000 fresh samples.
    pub fn new(rounds: u32, seeds: u32) -> Schedule {
        Schedule {
            rounds,
            seeds,
            seed: 0,
            rule: CurationRule::Kwise,
            tau: 1.0,
            n_eval: 2000,
        }
    }

    /// Refuses rounds = 0, seeds = 0, a seed range past u64::MAX, τ ≤ 0, n_eval < 2.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::require(self.rounds >= 1, "rounds", f64::from(self.rounds), "≥ 1")?;
        lab::error::require(self.seeds >= 1, "seeds", f64::from(self.seeds), "≥ 1")?;
        lab::error::require(
            self.seed.checked_add(u64::from(self.seeds) - 1).is_some(),
            "seed",
            self.seed as f64,
            "small enough that seed + seeds − 1 fits in 64 bits",
        )?;
        lab::error::positive("tau", self.tau)?;
        lab::error::require(self.n_eval >= 2, "n_eval", self.n_eval as f64, "≥ 2")?;
        Ok(())
    }

    /// Seed i of the run.
    pub fn seed_of(&self, i: u32) -> Seed {
        Seed(self.seed + u64::from(i))
    }

    /// How many seeds may run at once (for memory estimates).
    pub(crate) fn parallel_seeds(&self) -> u64 {
        u64::from(self.seeds)
            .min(rayon::current_num_threads() as u64)
            .max(1)
    }
}

/// The per-round settings of a retraining loop.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoundSettings {
    /// Candidates per group (finite).
    pub k: u32,
    /// Synthetic:real ratio λ ≥ 0 (0 = fully synthetic).
    pub lambda: f64,
    /// Kept samples per round when fully synthetic.
    pub m: usize,
    /// Rounds, rule, τ, n_eval (its seeds are not used by [`retrain`], which runs one seed).
    pub schedule: Schedule,
}

/// Which round of which run a row describes.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoundKey {
    /// Curation rule (always labelled; only `kwise` is the paper's).
    pub rule: CurationRule,
    /// K.
    pub k: u32,
    /// λ.
    pub lambda: f64,
    /// The seed.
    pub seed: u64,
    /// Round t (0 = the model fitted to the real data).
    pub round: u32,
    /// Size of the training set of θ_t.
    pub train_size: usize,
}

/// Refuses an estimated memory above [`MEMORY_LIMIT`].
pub fn check_memory(what: &'static str, bytes: u64) -> Result<(), Error> {
    if bytes > MEMORY_LIMIT {
        return Err(Error::TooMuchMemory {
            what,
            bytes,
            limit: MEMORY_LIMIT,
        });
    }
    Ok(())
}

/// Kept (synthetic) samples per round: m when λ = 0, else ⌊λn⌋.
pub fn synthetic_per_round(lambda: f64, n: usize, m: usize) -> usize {
    if lambda == 0.0 {
        m
    } else {
        (lambda * n as f64).floor() as usize
    }
}

/// Draws K·m_syn candidates from `model` and keeps m_syn by `rule`; returns the kept points and
/// the number of candidates whose weight underflowed.
#[allow(clippy::too_many_arguments)]
pub fn generate_and_curate(
    model: &Model,
    m_syn: usize,
    k: u32,
    rule: CurationRule,
    tau: f64,
    reward: &RewardFn,
    seed: Seed,
    round: u32,
) -> Result<(Points, u64), Error> {
    let dim = model.dim();
    let ku = k as usize;
    match rule {
        CurationRule::Kwise | CurationRule::KwiseHardmax => {
            let hard = rule == CurationRule::KwiseHardmax;
            let groups_per_chunk = (CHUNK / ku).max(1);
            let chunks = m_syn.div_ceil(groups_per_chunk);
            let parts: Vec<(Vec<f64>, u64)> = (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let mut rng = seed.stream("curation.loop.generate", stream_index(round, c));
                    let groups = groups_per_chunk.min(m_syn - c * groups_per_chunk);
                    let mut kept = Vec::with_capacity(groups * dim);
                    let mut cand = vec![0.0; ku * dim];
                    let mut r = vec![0.0; ku];
                    let mut weights = Vec::with_capacity(ku);
                    let mut under = 0;
                    for _ in 0..groups {
                        for (i, x) in cand.chunks_exact_mut(dim).enumerate() {
                            model.draw(&mut rng, x);
                            r[i] = reward(x);
                        }
                        let (i, u) = pick_in_group(&r, tau, hard, &mut rng, &mut weights);
                        under += u;
                        kept.extend_from_slice(&cand[i * dim..(i + 1) * dim]);
                    }
                    (kept, under)
                })
                .collect();
            let under = parts.iter().map(|p| p.1).sum();
            let x = parts.into_iter().flat_map(|p| p.0).collect();
            Ok((Points { dim, x }, under))
        }
        CurationRule::PoolSoftmax | CurationRule::TopM => {
            let n = ku * m_syn;
            let pool = sample_chunked(
                n,
                dim,
                seed,
                "curation.loop.generate",
                round,
                &|rng, out| model.draw(rng, out),
            );
            let rewards: Vec<f64> = (0..n)
                .into_par_iter()
                .with_min_len(1024)
                .map(|i| reward(pool.row(i)))
                .collect();
            let mut rng = seed.stream("curation.loop.curate", stream_index(round, 0));
            let c = curate(&rewards, rule, k, m_syn, tau, &mut rng)?;
            Ok((pool.select(&c.kept), c.underflow))
        }
    }
}

/// What a round hands to the measuring function.
pub struct RoundState<'a> {
    /// Which run and round.
    pub key: RoundKey,
    /// θ_t.
    pub model: &'a Model,
    /// A fresh sample of n_eval points from θ_t.
    pub eval: &'a Points,
    /// What the fit reported.
    pub fit: &'a FitReport,
}

/// Runs `settings.schedule.rounds` rounds from θ_0 = fit(real) under one seed; `measure` turns each round
/// (0..=T) into a row. Returns the rows and the total of underflowed candidates.
pub fn retrain<R>(
    real: &Points,
    spec: &ModelSpec,
    settings: &RoundSettings,
    seed: Seed,
    reward: &RewardFn,
    mut measure: impl FnMut(&RoundState) -> Result<R, Error>,
) -> Result<(Vec<R>, u64), Error> {
    let dim = real.dim;
    let sch = &settings.schedule;
    let (mut model, mut report) = fit(spec, real, None, &mut seed.stream("curation.loop.init", 0))?;
    let eval_of = |model: &Model, round: u32| {
        sample_chunked(
            sch.n_eval,
            dim,
            seed,
            "curation.loop.eval",
            round,
            &|rng, out| model.draw(rng, out),
        )
    };
    let key = |round: u32, train_size: usize| RoundKey {
        rule: sch.rule,
        k: settings.k,
        lambda: settings.lambda,
        seed: seed.0,
        round,
        train_size,
    };
    let mut rows = Vec::with_capacity(sch.rounds as usize + 1);
    rows.push(measure(&RoundState {
        key: key(0, real.len()),
        model: &model,
        eval: &eval_of(&model, 0),
        fit: &report,
    })?);
    let m_syn = synthetic_per_round(settings.lambda, real.len(), settings.m);
    let mut underflow = 0;
    for t in 1..=sch.rounds {
        let (kept, under) = generate_and_curate(
            &model, m_syn, settings.k, sch.rule, sch.tau, reward, seed, t,
        )?;
        underflow += under;
        let train = if settings.lambda == 0.0 {
            kept
        } else {
            let mut d = real.clone();
            d.extend(&kept);
            d
        };
        let (next, next_report) = fit(
            spec,
            &train,
            Some(&model),
            &mut seed.stream("curation.loop.init", u64::from(t)),
        )?;
        model = next;
        report = next_report;
        rows.push(measure(&RoundState {
            key: key(t, train.len()),
            model: &model,
            eval: &eval_of(&model, t),
            fit: &report,
        })?);
    }
    Ok((rows, underflow))
}

/// The settings of `curation loop`: fully resolved.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoopConfig {
    /// The model and its settings.
    pub model: ModelSpec,
    /// The real-data law.
    pub data: DataSpec,
    /// The reward (geometric: the loop has no classifier).
    pub reward: Reward,
    /// Real samples n.
    pub n: usize,
    /// Kept samples per round when fully synthetic (m = n in the spec's runs).
    pub m: usize,
    /// K (finite).
    pub k: Choices,
    /// λ ≥ 0.
    pub lambda: f64,
    /// Rounds, seeds, rule, τ, n_eval.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Reference sample size for the histogram KLs (2-D data only).
    pub n_reference: usize,
    /// Cells per axis of the histogram grid.
    pub histogram_bins: usize,
}

impl LoopConfig {
    /// Defaults around the given kinds: m = n, K = 4, 1 seed from 0, `kwise`, τ = 1,
    /// n_eval = 2000, a reference of 10⁵ points, 32×32 histogram cells.
    pub fn new(
        model: ModelSpec,
        data: DataSpec,
        reward: Reward,
        n: usize,
        lambda: f64,
        rounds: u32,
    ) -> LoopConfig {
        LoopConfig {
            model,
            data,
            reward,
            n,
            m: n,
            k: Choices::Finite(4),
            lambda,
            schedule: Schedule::new(rounds, 1),
            n_reference: 100_000,
            histogram_bins: 32,
        }
    }

    /// K as an integer (refusing ∞).
    pub fn k_finite(&self) -> Result<u32, Error> {
        self.k.validate()?;
        self.k.get().ok_or(Error::InfiniteK {
            what: "sample-based curation (K candidates are drawn)",
        })
    }

    /// Refuses every bad setting before anything is computed.
    pub fn validate(&self) -> Result<(), Error> {
        let k = self.k_finite()?;
        lab::error::require(self.n >= 1, "n", self.n as f64, "≥ 1")?;
        lab::error::require(self.m >= 1, "m", self.m as f64, "≥ 1")?;
        lab::error::non_negative("lambda", self.lambda)?;
        self.schedule.validate()?;
        lab::error::require(
            self.histogram_bins >= 1,
            "histogram bins",
            self.histogram_bins as f64,
            "≥ 1",
        )?;
        self.data.validate()?;
        self.model.validate()?;
        if !self.reward.is_geometric() {
            return Err(Error::UnsupportedReward {
                reward: self.reward.kind(),
                what: "the point-data loop (it has no classifier)",
            });
        }
        self.reward.validate(self.data.dim())?;
        let m_syn = synthetic_per_round(self.lambda, self.n, self.m);
        let (k64, m64) = (u64::from(k), m_syn as u64);
        lab::error::require(
            k64.checked_mul(m64).is_some_and(|x| x < 1 << 40),
            "K·m (generated samples per round)",
            k as f64 * m_syn as f64,
            "< 2^40",
        )?;
        let train_min = if self.lambda == 0.0 { m_syn } else { self.n };
        let need = self.model.min_points(self.data.dim());
        if train_min < need || self.n < need {
            return Err(Error::TooFewPoints {
                model: "the model",
                needed: need,
                got: train_min.min(self.n),
            });
        }
        check_memory("the loop", self.memory_bytes())
    }

    /// An estimate of the peak memory in bytes (all seeds may run at once).
    pub fn memory_bytes(&self) -> u64 {
        let d = self.data.dim() as u64;
        let k = u64::from(self.k.get().unwrap_or(1));
        let m_syn = synthetic_per_round(self.lambda, self.n, self.m) as u64;
        let n = self.n as u64;
        let train = if self.lambda == 0.0 { m_syn } else { n + m_syn };
        let pool = match self.schedule.rule {
            CurationRule::Kwise | CurationRule::KwiseHardmax => m_syn * d + CHUNK as u64 * d * 4,
            _ => k.saturating_mul(m_syn).saturating_mul(d + 2),
        };
        let reference = if d == 2 {
            self.n_reference as u64 * d
        } else {
            0
        };
        let per_seed = (n + 2 * train + self.schedule.n_eval as u64 + reference) * d + pool;
        8 * per_seed.saturating_mul(self.schedule.parallel_seeds())
    }
}

/// The metrics of one round of one seed: the row of `curation loop`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoopRow {
    /// Which run and round.
    #[serde(flatten)]
    pub key: RoundKey,
    /// Mean reward of the fresh sample.
    pub mean_reward: f64,
    /// Mean e^r of the fresh sample.
    pub mean_weight: f64,
    /// Share of the fresh sample in the top set (clipped and moon-tube rewards).
    pub top_share: Option<f64>,
    /// Share of each mode (8 Gaussians, moons; empty otherwise).
    pub mode_shares: Vec<f64>,
    /// Entropy of the mode shares in nats.
    pub mode_entropy: Option<f64>,
    /// Histogram KL(p_data ‖ model) on the fixed grid (2-D data).
    pub hist_kl_data: Option<f64>,
    /// Histogram KL(p* ‖ model), p* = p_data restricted to the top set (2-D data, top set).
    pub hist_kl_target: Option<f64>,
    /// Mean of θ_t.
    pub model_mean: Vec<f64>,
    /// Covariance of θ_t, row-major.
    pub model_cov: Vec<f64>,
    /// EM iterations of the fit (mixtures).
    pub em_iterations: Option<u32>,
    /// Mixture components with weight 0.
    pub dead_components: Option<usize>,
}

impl LoopRow {
    /// Every metric as (name, value) pairs, vectors flattened with an index suffix
    /// (`mode_share_3`, `model_cov_0_1`), for long-format CSVs (round, seed, metric, value).
    pub fn named_values(&self) -> Vec<(String, f64)> {
        let mut out = vec![
            ("train_size".to_string(), self.key.train_size as f64),
            ("mean_reward".to_string(), self.mean_reward),
            ("mean_weight".to_string(), self.mean_weight),
        ];
        let opt = |out: &mut Vec<(String, f64)>, name: &str, v: Option<f64>| {
            if let Some(v) = v {
                out.push((name.to_string(), v));
            }
        };
        opt(&mut out, "top_share", self.top_share);
        for (i, s) in self.mode_shares.iter().enumerate() {
            out.push((format!("mode_share_{i}"), *s));
        }
        opt(&mut out, "mode_entropy", self.mode_entropy);
        opt(&mut out, "hist_kl_data", self.hist_kl_data);
        opt(&mut out, "hist_kl_target", self.hist_kl_target);
        let d = self.model_mean.len();
        for (i, m) in self.model_mean.iter().enumerate() {
            out.push((format!("model_mean_{i}"), *m));
        }
        for i in 0..d {
            for j in 0..d {
                out.push((format!("model_cov_{i}_{j}"), self.model_cov[i * d + j]));
            }
        }
        opt(&mut out, "em_iterations", self.em_iterations.map(f64::from));
        opt(
            &mut out,
            "dead_components",
            self.dead_components.map(|x| x as f64),
        );
        out
    }
}

/// The rows of every seed and round, seeds in order, plus warnings.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoopResult {
    /// One row per (seed, round).
    pub rows: Vec<LoopRow>,
    /// Warnings (each kind once).
    pub warnings: Vec<Warning>,
}

/// Runs `curation loop`: every seed (in parallel, each from its own streams), rounds 0..=T.
pub fn run_loop(config: &LoopConfig) -> Result<LoopResult, Error> {
    config.validate()?;
    let k = config.k_finite()?;
    let settings = RoundSettings {
        k,
        lambda: config.lambda,
        m: config.m,
        schedule: config.schedule,
    };
    let reward = &config.reward;
    let reward_fn = |x: &[f64]| reward.at(x).unwrap_or(f64::NAN);
    let top = reward.top_level();
    let per_seed: Vec<Result<(Vec<LoopRow>, u64), Error>> = (0..config.schedule.seeds)
        .into_par_iter()
        .map(|i| {
            let seed = config.schedule.seed_of(i);
            let real = config.data.sample(config.n, seed, "curation.loop.data", 0);
            let (grid, reference, target) = if config.data.dim() == 2 {
                let (lo, hi) = config.data.bounding_box();
                let grid = HistogramGrid {
                    lo,
                    hi,
                    bins: config.histogram_bins,
                };
                let reference =
                    config
                        .data
                        .sample(config.n_reference, seed, "curation.loop.reference", 0);
                let target = top.map(|t| {
                    let keep: Vec<usize> = (0..reference.len())
                        .filter(|&j| reward_fn(reference.row(j)) >= t)
                        .collect();
                    reference.select(&keep)
                });
                (
                    Some(grid),
                    Some(reference),
                    target.filter(|t| !t.is_empty()),
                )
            } else {
                (None, None, None)
            };
            retrain(&real, &config.model, &settings, seed, &reward_fn, |st| {
                let r: Vec<f64> = st.eval.rows().map(reward_fn).collect();
                let nf = r.len() as f64;
                let (model_mean, model_cov) = st.model.mean_cov();
                let (mode_shares, mode_entropy) = match config.data.mode_count() {
                    Some(c) => {
                        let (s, h) =
                            shares(st.eval.rows().filter_map(|x| config.data.mode_of(x)), c);
                        (s, Some(h))
                    }
                    None => (Vec::new(), None),
                };
                Ok(LoopRow {
                    key: st.key,
                    mean_reward: r.iter().sum::<f64>() / nf,
                    mean_weight: r.iter().map(|v| v.exp()).sum::<f64>() / nf,
                    top_share: top.map(|t| r.iter().filter(|&&v| v >= t).count() as f64 / nf),
                    mode_shares,
                    mode_entropy,
                    hist_kl_data: grid
                        .zip(reference.as_ref())
                        .map(|(g, rf)| g.kl(rf, st.eval)),
                    hist_kl_target: grid.zip(target.as_ref()).map(|(g, tg)| g.kl(tg, st.eval)),
                    model_mean,
                    model_cov,
                    em_iterations: st.fit.em.map(|e| e.iterations),
                    dead_components: st.fit.em.map(|e| e.dead_components),
                })
            })
        })
        .collect();
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    gather_seeds(per_seed, &mut rows, &mut warnings)?;
    Ok(LoopResult { rows, warnings })
}

/// Appends the rows of every seed in seed order, turning the underflow counts into one warning;
/// the first error wins.
pub(crate) fn gather_seeds<R>(
    per_seed: Vec<Result<(Vec<R>, u64), Error>>,
    rows: &mut Vec<R>,
    warnings: &mut Vec<Warning>,
) -> Result<(), Error> {
    for r in per_seed {
        let (r, under) = r?;
        rows.extend(r);
        if under > 0 {
            merge_warning(warnings, Warning::CandidateUnderflow { candidates: under });
        }
    }
    Ok(())
}
