//! E9, the digits analogue of the paper's CIFAR-10 runs (P3/P4): an unconditional generator
//! (PCA to q dimensions + a full-covariance GMM fitted by EM) retrained on its own samples,
//! curated K-wise by a multinomial logistic-regression reward classifier trained once on real
//! digits. Rewards 5·q_0 (digit 0 stands in for "airplane") and 5·max_i q_i; K = 4;
//! λ ∈ {0, 0.5, 1}. Metrics per round on fresh samples: class shares (classifier argmax), mean
//! reward, class entropy, Fréchet distance and k-NN precision/recall in PCA space against the
//! real digits. Amplifying the classifier's biases is the expected behaviour (spec §7,
//! pitfall 14).

use crate::classifier::{Classifier, ClassifierSettings};
use crate::data::Points;
use crate::error::{Error, Warning};
use crate::experiments::non_empty;
use crate::gmm::EmSettings;
use crate::loops::{check_memory, gather_seeds, retrain, RoundKey, RoundSettings, Schedule};
use crate::models::ModelSpec;
use crate::names::{RewardKind, Scale};
use crate::pca::Pca;
use crate::reward::Reward;
use crate::sample_metrics::{frechet_of_points, shares, KnnReference};
use lab::seed::Seed;
use rand::seq::SliceRandom;
use rayon::prelude::*;

/// E9 settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct E9Config {
    /// Real digits used (a seeded subset of the 1,797; all at full scale).
    pub n: usize,
    /// PCA dimensions q.
    pub pca_dims: usize,
    /// EM settings of the generator.
    pub em: EmSettings,
    /// The reward classifier.
    pub classifier: ClassifierSettings,
    /// Rewards (airplane = scale·q_0, confidence = scale·max_i q_i).
    pub rewards: Vec<Reward>,
    /// K.
    pub k: u32,
    /// The values of λ.
    pub lambdas: Vec<f64>,
    /// Rounds, seeds (the first also picks the real subset), rule, τ, n_eval.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Kept samples per round when fully synthetic.
    pub m: usize,
    /// k of the k-NN precision/recall.
    pub knn_k: usize,
}

impl E9Config {
    /// Full: all 1,797 digits, m = 1797, T = 20. Quick: 1000 digits, m = 1000, T = 20. Both:
    /// q = 15, 10 components (EM ≤ 30 iterations, tol 1e-4), both rewards at scale 5, K = 4,
    /// λ ∈ {0, 0.5, 1}, 5 seeds, 1000 fresh samples, k = 3.
    pub fn preset(scale: Scale) -> E9Config {
        let n = match scale {
            Scale::Full => 1797,
            Scale::Quick => 1000,
        };
        E9Config {
            n,
            pca_dims: 15,
            em: EmSettings {
                components: 10,
                max_iter: 30,
                tol: 1e-4,
                cov_floor: 1e-6,
                kmeans_iter: 20,
            },
            classifier: ClassifierSettings::default(),
            rewards: vec![
                Reward::default_for(RewardKind::Airplane, 0),
                Reward::default_for(RewardKind::Confidence, 0),
            ],
            k: 4,
            lambdas: vec![0.0, 0.5, 1.0],
            schedule: Schedule {
                n_eval: 1000,
                ..Schedule::new(20, 5)
            },
            m: n,
            knn_k: 3,
        }
    }

    /// Refuses bad sizes, non-classifier rewards, K = 0, λ < 0, rounds/seeds = 0.
    pub fn validate(&self) -> Result<(), Error> {
        lab::error::require(
            (20..=1797).contains(&self.n),
            "real digits n",
            self.n as f64,
            "in 20..=1797",
        )?;
        lab::error::require(
            (1..=64).contains(&self.pca_dims),
            "PCA dimensions",
            self.pca_dims as f64,
            "in 1..=64",
        )?;
        self.em.validate()?;
        self.classifier.validate()?;
        non_empty(&self.rewards, "rewards")?;
        for r in &self.rewards {
            if r.is_geometric() {
                return Err(Error::UnsupportedReward {
                    reward: r.kind(),
                    what: "E9 (airplane or confidence)",
                });
            }
            r.validate(64)?;
            if let Reward::Airplane { class, .. } = r {
                lab::error::require(
                    *class < 10,
                    "rewarded class",
                    *class as f64,
                    "a digit 0..=9",
                )?;
            }
        }
        lab::error::require(self.k >= 1, "K", f64::from(self.k), "≥ 1")?;
        non_empty(&self.lambdas, "lambda values")?;
        for &l in &self.lambdas {
            lab::error::non_negative("lambda", l)?;
        }
        self.schedule.validate()?;
        lab::error::require(
            self.m >= self.em.components,
            "m",
            self.m as f64,
            "≥ the mixture components",
        )?;
        lab::error::require(
            self.n >= self.em.components,
            "real digits n",
            self.n as f64,
            "≥ the mixture components",
        )?;
        lab::error::require(self.knn_k >= 1, "k of k-NN", self.knn_k as f64, "≥ 1")?;
        check_memory("E9", self.memory_bytes())
    }

    /// An estimate of the peak memory in bytes.
    pub fn memory_bytes(&self) -> u64 {
        let q = self.pca_dims as u64;
        let lmax = self.lambdas.iter().copied().fold(0.0, f64::max);
        let m_syn = (self.m as u64).max((lmax * self.n as f64) as u64);
        let per_seed = (self.n as u64 + m_syn) * q * 2
            + self.schedule.n_eval as u64 * (q + 64)
            + self.n as u64 * self.em.components as u64;
        8 * (self.n as u64 * (64 + 2 * q) + per_seed.saturating_mul(self.schedule.parallel_seeds()))
    }
}

/// One round of one (reward, λ, seed).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E9Row {
    /// Curators' reward.
    pub reward: RewardKind,
    /// Which run and round.
    #[serde(flatten)]
    pub key: RoundKey,
    /// Share of each digit among the fresh samples (classifier argmax).
    pub class_shares: Vec<f64>,
    /// Entropy of the class shares over ln 10.
    pub class_entropy_ratio: f64,
    /// Mean reward of the fresh samples.
    pub mean_reward: f64,
    /// Mean e^r of the fresh samples.
    pub mean_weight: f64,
    /// Fréchet distance to the real digits in PCA space.
    pub frechet: f64,
    /// k-NN precision against the real digits (PCA space).
    pub precision: f64,
    /// k-NN recall against the real digits (PCA space).
    pub recall: f64,
    /// EM iterations of the fit.
    pub em_iterations: Option<u32>,
    /// Mixture components with weight 0.
    pub dead_components: Option<usize>,
}

/// E9 output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct E9Result {
    /// Rows per (reward, λ, seed, round).
    pub rows: Vec<E9Row>,
    /// Held-out accuracy of the reward classifier.
    pub classifier_accuracy: f64,
    /// Share of the pixel variance the PCA keeps.
    pub pca_explained: f64,
    /// Class shares of the real digits used (by label).
    pub real_class_shares: Vec<f64>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// Runs E9.
pub fn run(config: &E9Config) -> Result<E9Result, Error> {
    config.validate()?;
    let classifier = Classifier::train_digits(&config.classifier)?;
    let digits = datasets::digits();
    let mut order: Vec<usize> = (0..digits.len()).collect();
    if config.n < digits.len() {
        order.shuffle(&mut Seed(config.schedule.seed).stream("curation.e9.real", 0));
    }
    let subset = digits.select(&order[..config.n]);
    let pixels = Points {
        dim: subset.dim,
        x: subset.x.clone(),
    };
    let pca = Pca::fit(&pixels, config.pca_dims)?;
    let real = pca.project_all(&pixels);
    let knn = KnnReference::new(&real, config.knn_k);
    let (real_class_shares, _) = shares(subset.labels.iter().copied(), 10);
    let classes = classifier.classes();
    // Class probabilities of a point in PCA coordinates.
    let probs = |z: &[f64], x: &mut [f64], q: &mut [f64]| {
        pca.reconstruct(z, x);
        classifier.probabilities(x, q);
    };
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for reward in &config.rewards {
        let reward_fn = |z: &[f64]| {
            let (mut x, mut q) = ([0.0; 64], [0.0; 16]);
            probs(z, &mut x, &mut q[..classes]);
            reward.from_probabilities(&q[..classes]).unwrap_or(f64::NAN)
        };
        for &lambda in &config.lambdas {
            let settings = RoundSettings {
                k: config.k,
                lambda,
                m: config.m,
                schedule: config.schedule,
            };
            let spec = ModelSpec::Gmm { em: config.em };
            let per_seed: Vec<Result<(Vec<E9Row>, u64), Error>> = (0..config.schedule.seeds)
                .into_par_iter()
                .map(|i| {
                    let seed = config.schedule.seed_of(i);
                    retrain(&real, &spec, &settings, seed, &reward_fn, |st| {
                        let (mut x, mut q) = ([0.0; 64], [0.0; 16]);
                        let mut labels = Vec::with_capacity(st.eval.len());
                        let mut r = Vec::with_capacity(st.eval.len());
                        for z in st.eval.rows() {
                            probs(z, &mut x, &mut q[..classes]);
                            let qc = &q[..classes];
                            labels.push(
                                (0..classes)
                                    .max_by(|&a, &b| qc[a].total_cmp(&qc[b]))
                                    .unwrap_or(0),
                            );
                            r.push(reward.from_probabilities(qc).unwrap_or(f64::NAN));
                        }
                        let (class_shares, h) = shares(labels, classes);
                        let (precision, recall) = knn.precision_recall(st.eval);
                        let nf = r.len() as f64;
                        Ok(E9Row {
                            reward: reward.kind(),
                            key: st.key,
                            class_shares,
                            class_entropy_ratio: h / (classes as f64).ln(),
                            mean_reward: r.iter().sum::<f64>() / nf,
                            mean_weight: r.iter().map(|v| v.exp()).sum::<f64>() / nf,
                            frechet: frechet_of_points(st.eval, &real)?,
                            precision,
                            recall,
                            em_iterations: st.fit.em.map(|e| e.iterations),
                            dead_components: st.fit.em.map(|e| e.dead_components),
                        })
                    })
                })
                .collect();
            gather_seeds(per_seed, &mut rows, &mut warnings)?;
        }
    }
    Ok(E9Result {
        rows,
        classifier_accuracy: classifier.test_accuracy,
        pca_explained: pca.explained,
        real_class_shares,
        warnings,
    })
}
