//! # Retraining generative models on curated synthetic data
//!
//! Ferbach, Bertrand, Bose, Gidel, *Self-Consuming Generative Models with Curated Data Provably
//! Optimize Human Preferences* (NeurIPS 2024, arXiv 2407.09499). Tags follow the project spec:
//! \[P\] the paper, \[D\] derived for the spec and checked numerically, \[C\] read in a named peer
//! repository, \[S\] secondary summaries, \[U\] unconfirmed (a parameter, never the paper's value).
//!
//! **Model.** A generative model p_t is retrained, round after round, on its own samples after
//! users filtered them: shown K candidates x_1..x_K ~ p_t, a user keeps x_k with probability
//! w(x_k)/Σ_j w(x_j), w = e^r, for a hidden reward r that includes its scale γ (Bradley–Terry/Luce
//! choice; no temperature) \[P\]. With infinitely many samples and a rich enough model, p_{t+1} is
//! the law of the kept sample: p_{t+1} = p_t H^K_{p_t} with
//! H^K_p(x) = E_{y ~ p^{K−1}}[K w(x)/(w(x) + Σ w(y_i))] (Eq. 6) \[P\], and with real data mixed
//! back in at share α = 1/(1 + λ), p_{t+1} = α p_data + (1 − α) p_t H^K_{p_t} (λ = 0 is fully
//! synthetic; the λ convention is \[C\] QB3/gen_models_dont_go_mad, \[U\] for this paper).
//!
//! **Algorithm.** On a finite support ([`support`]) the operator is exact ([`operator`], A1):
//! K = 1 (identity), K = ∞ (the replicator step p w/E_p w) and hard max have closed forms; for
//! softmax at finite K three evaluators agree to 1e-10 — brute-force enumeration and level
//! counts ([`exact`]) and the Laplace integral H = K ŵ ∫ e^{−uŵ} M(u)^{K−1} du ([`laplace`]), which
//! runs 100 rounds on a 128×128 grid at K = 8 in a fraction of a second by summing, per reward
//! level, only the quadrature nodes that matter. The drift |Σ pH − 1| is recorded before
//! renormalising. With samples ([`loops`], A3), each round draws N = K·m candidates from θ_t,
//! curates them ([`curate`], A2: `kwise` — the paper's rule — `kwise-hardmax`, `pool-softmax`,
//! `top-m`), refits a Gaussian, a KDE or a GMM by EM ([`models`], [`gmm`], A4) and measures on
//! fresh samples ([`sample_metrics`], A7). The digits generator is PCA + GMM ([`pca`]) curated by
//! a logistic-regression classifier ([`classifier`]).
//!
//! **Theory** ([`theory`], [`fixed_point`], [`metrics`]). Σ pH = 1, H increases in w, so E[g(r)]
//! rises for every nondecreasing g and p_t/p_0 is constant on level sets \[D\]. As K → ∞, pH^K →
//! p w/E w with error Θ(1/K) (Lemma 2.1 \[P\], rate \[D\]); at K = ∞, p_t = p_0 e^{tr}/Z_t solves
//! KL-regularised reward maximisation with β = 1/t (RLHF equivalence) \[P\]. E[e^r] gains at
//! least ((K−1)/K) Var[e^r]/e^{r*} per round (Lemma 2.2) \[P\]. Without real data KL(p*‖p_t) =
//! −ln q_t → 0: collapse onto the top reward set present at initialisation (Theorem 2.1) \[P\],
//! geometric at rate ρ_K = K e^{−Δ}/(e^{−Δ} + K − 1) near the end \[D\]. Mixing real data keeps the
//! loop stable (Theorems 2.2–2.4 \[P\]); the nonparametric bounds used here (KL(p_data‖p_t) ≤
//! ln(1 + λ), …) and the K = ∞ fixed point (A5) are \[D\], not the paper's constants. Gaussians
//! at K = ∞ have closed forms (T8) \[D\].
//!
//! **Experiments** ([`experiments`]): E1 the Eq. 6 oracle, E2 the K sweep, E3 collapse on a 2-D
//! grid of 8 Gaussians (P1 analogue), E4 stability with real data, E5 class-level bias
//! amplification (P3/P4 analogue), E6 the Gaussian loop, E7 GMM/KDE toy loops, E9 the digits
//! analogue of the CIFAR-10 runs. Each has a serde config with quick/full presets, `validate()`
//! and typed result rows; [`mod@bench`] holds the benchmark of issue §6. E8 (flow matching) is not
//! implemented.
//!
//! ## Preconditions and errors
//!
//! Probabilities must be finite, ≥ 0 and sum to 1 within 1e-9 (they are then divided by their
//! sum); rewards finite; K ≥ 1 or ∞ ([`Choices`]; sample loops need a finite K); λ ≥ 0; rounds,
//! n, m, seeds ≥ 1. Everything refused returns an [`Error`] naming the quantity (never a
//! command-line flag); nothing panics on user input. Weights that underflow to 0 (reward spreads
//! above ~745 nats) give H = 0 and a [`Warning`] in the result, never a print. Every random draw
//! comes from a [`lab::seed::Seed`] stream named `curation.<what>` with an index per
//! (round, chunk), and reductions run in a fixed order: the same seed gives bit-identical
//! results at any thread count.
//!
//! ## References
//!
//! - D. Ferbach, Q. Bertrand, A. J. Bose, G. Gidel. Self-Consuming Generative Models with Curated
//!   Data Provably Optimize Human Preferences. NeurIPS 2024. arXiv:2407.09499.
//! - Q. Bertrand, A. J. Bose, A. Duplessis, M. Jiralerspong, G. Gidel. On the Stability of
//!   Iterative Retraining of Generative Models on their own Data. ICLR 2024. arXiv:2310.00429.
//! - T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila. Improved Precision and Recall
//!   Metric for Assessing Generative Models. NeurIPS 2019.
//!
//! ## Example
//!
//! One curation step on the spec's worked example, by two evaluators:
//!
//! ```
//! use curation::names::{Choices, Evaluator};
//! use curation::operator::{Operator, StepSettings};
//!
//! let support = curation::examples::worked(); // p0 = (0.5, 0.3, 0.2), r = (0, 1, 2)
//! let mut settings = StepSettings::softmax(Choices::Finite(4));
//! let step = Operator::new(support.reward(), settings)?.step(support.p0(), None)?;
//! assert!((step.h[2] - 2.00295153).abs() < 1e-8); // spec §4
//! assert!(step.drift < 1e-12);
//! settings.evaluator = Evaluator::Brute;
//! let brute = Operator::new(support.reward(), settings)?.h(support.p0())?;
//! assert!((brute.h[0] - step.h[0]).abs() < 1e-12);
//! # Ok::<(), curation::Error>(())
//! ```
#![deny(missing_docs)]

pub mod bench;
pub mod classifier;
pub mod curate;
pub mod data;
pub mod dynamics;
pub mod error;
pub mod exact;
pub mod examples;
pub mod experiments;
pub mod fixed_point;
pub mod gmm;
pub mod laplace;
pub mod linalg;
pub mod loops;
pub mod metrics;
pub mod models;
pub mod names;
pub mod numeric;
pub mod operator;
pub mod pca;
pub mod present;
pub mod reference;
pub mod reproduce;
pub mod reward;
pub mod sample_metrics;
pub mod support;
pub mod theory;

pub use error::{Error, Warning};
pub use names::Choices;
