//! # Power-law random features (PLRF) and DANA
//!
//! Ferbach, Everett, Gidel, E. Paquette, C. Paquette, *Dimension-adapted Momentum
//! Outscales SGD* (arXiv 2505.16098), on the model of Paquette, Paquette, Xiao and
//! Pennington, *4+3 Phases of Compute-Optimal Neural Scaling Laws* (arXiv 2405.15074).
//!
//! **Model.** Data x_j = j^{-α} z_j with z ~ N(0, I_v), target b_j = j^{-β}, labels
//! y = ⟨x, b⟩ without noise. A random matrix W (v×d, entries N(0, 1/d)) maps the data to
//! d features; the model predicts ⟨Wᵀx, θ⟩. In whitened form Ŵ = diag(j^{-α})W and
//! b̂_j = j^{-α-β}, the population risk is P(θ) = ½‖Ŵθ − b̂‖² ([`problem`]). Its Hessian
//! K = ŴᵀŴ has eigenpairs (λ_j, ω_j); the problem is a noisy linear regression with
//! covariance K and noise variance 2P∞, where P∞ is the limit loss.
//!
//! **Algorithm.** One pass over fresh batches of size B, batch-mean gradients g, and the
//! generic momentum step m ← (1 − Δ(t))m + γ1(t)g, θ ← θ − γ2(t)g − γ3(t)m
//! ([`optimizer`], [`schedule`]). Presets: SGD, SGD with constant momentum, and
//! dimension-adapted Nesterov acceleration (DANA), whose momentum coupling γ3 scales as
//! 1/d (DANA-constant) or decays as (1 + t)^{-1/(2α)} (DANA-decaying), with
//! Δ(t) = δ/(δ + t). The paper's other baselines ([`baselines`]): Adam, Adam with a cosine
//! schedule, Schedule-Free SGD and ADana. Runs are simulated exactly ([`sampler`],
//! [`simulate`]): an exact O(B·v·d) sampler, an eigenbasis O(B·d) sampler that is exact in
//! distribution, and its rotation into the parameter basis (O(B·d²)) for the methods that
//! normalise coordinates. Their normal draws ([`normals`]) come from eight xoshiro256++
//! lanes stepped side by side.
//!
//! **Theory.** Per eigenmode, the second moments (ρ, σ, χ) of (θ − θ*, m) obey a closed
//! linear system, because Gaussian fourth moments close it: the exact discrete recursion
//! ([`recursion`]) gives E P(θ_k) for any d and B, and its continuous-time version is the
//! loss ODE ([`ode`]), solved by backward Euler in log time with a rank-one coupling.
//! Both take the spectrum (λ, ρ) and P∞ from one instance or from theory
//! ([`spectrum`], [`theory`]).
//!
//! **Experiments.** Single runs against the ODE (E1), the deterministic regression
//! setting (E2), and local loss-curve slopes with an instability guard ([`curve`]);
//! comparison with reference curves ([`reference`](mod@reference)); compute-optimal frontiers from the ODE
//! ([`frontier`]) and, for the methods without one, by simulation ([`sim_frontier`]);
//! performance in [`bench`](mod@bench).

pub mod baselines;
pub mod bench;
pub mod curve;
pub mod error;
pub mod experiment;
pub mod frontier;
pub mod moments;
pub mod normals;
pub mod ode;
pub mod optimizer;
pub mod phases;
pub mod problem;
pub mod recursion;
pub mod reference;
pub mod reproduce;
pub mod sampler;
pub mod scaling;
pub mod schedule;
pub mod sim_frontier;
pub mod simulate;
pub mod spectrum;
pub mod theory;

pub use curve::Curve;
pub use error::Error;
pub use optimizer::{Optimizer, Overrides, Preset, PresetContext};
pub use problem::{Eigen, Instance, Problem};
pub use spectrum::Spectrum;
