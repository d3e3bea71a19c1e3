//! # Linear mode connectivity via optimal transport
//!
//! Ferbach, Goujaud, Gidel, Dieuleveut, *Proving Linear Mode Connectivity of Neural Networks
//! via Optimal Transport* (AISTATS 2024, arXiv 2310.19103), with the matchers of Ainsworth,
//! Hayase, Srinivasa, *Git Re-Basin: Merging Models modulo Permutation Symmetries* (ICLR 2023).
//!
//! **Model.** Multilayer perceptrons ([`mlp`]) z_ℓ = W_ℓh_{ℓ−1} + b_ℓ, h_ℓ = σ(z_ℓ), logits
//! f = s·W_{L+1}h_L + b_{L+1}, in standard (LeCun fan-in, s = 1) or mean-field (s = 1/N)
//! parameterisation. Two networks θ_A, θ_B trained independently are *linearly mode connected
//! modulo permutation* when, after re-ordering B's hidden units ([`perm`]: π_ℓ maps A-unit i
//! to B-unit π_ℓ(i), W̃_ℓ[i, j] = W_ℓ[π_ℓ(i), π_{ℓ−1}(j)]), the loss along
//! θ(t) = (1 − t)θ_A + tθ̃_B stays close to the endpoints'. The metrics are kept apart
//! ([`metrics`]): loss barrier on a 25-point grid, midpoint loss (the official "LMC error"),
//! accuracy barrier, function gap (absolute and relative), matched distance D₂, and the
//! participation-ratio dimension Dim(S) = (tr S)²/‖S‖²_F of S_naive, S_Σ and S_act.
//!
//! **Algorithm.** For two uniform clouds of m neurons the Kantorovich problem has a
//! permutation optimum (Birkhoff), so the best matching of a layer *is* optimal transport
//! and is solved exactly by one linear sum assignment ([`assignment`], SciPy's algorithm via
//! the `lsap` crate). The matchers ([`matching`]) differ only in the similarity they
//! maximise: identity (a), incoming weights (b), Git Re-Basin whole-neuron coordinate descent
//! (c), the data metric ‖u‖²_Σ = uᵀΣu of A's input moment Σ (d, and d+ with the bias), the
//! centred cross-covariance of activations (e); entropic Sinkhorn ([`sinkhorn`]) is a soft,
//! labelled baseline. Data moments come from one statistics pass ([`moments`]); networks are
//! trained by SGD with heavy-ball momentum under warm-up + cosine ([`train`]) with a
//! hand-written f64 forward/backward on faer's products ([`matrix`], the only module that
//! calls faer). [`pair`] runs the whole analysis of one pair.
//!
//! **Theory.** If the neurons of a layer are i.i.d. from a law of dimension D (exact at
//! initialisation, roughly true for mean-field two-layer SGD), the matched distance is an
//! empirical W₂ and shrinks with width like N^{−1/D}; the function gap and, for a loss convex
//! in the prediction, the barrier follow. Errors propagate through layers, so the width
//! needed grows exponentially with depth (tight). Matching in ‖·‖_Σ sees the cloud Σ^{1/2}w,
//! whose dimension Dim(S_Σ) is far below the raw one when the data are near a
//! low-dimensional subspace, so (d) and (e) connect networks better than (b).
//!
//! **Experiments** ([`experiments`]): E0 the OT rate of two Gaussian clouds (`w2`); E1 LMC at
//! initialisation against width (`init`); E2 trained mean-field teacher–student with
//! intrinsic dimension k (`teacher`); E3 two-layer width sweep on the digits (`widths`);
//! E4 the learning-rate sweep, the offline analogue of the paper's Figure 2 (`lr_sweep`);
//! quick/full presets ([`experiments::presets`]); the benchmark workloads ([`bench`](mod@bench)). The
//! library side of `lmc align` for anyone's two PyTorch MLPs: [`sequential`] (safetensors),
//! [`npy`] (data and labels), [`align`].
//!
//! **Training engine, by measurement.** One epoch of a 3×256 ReLU MLP on the 1437 digits
//! training images, batch 64 (23 steps, SGD momentum 0.9), median of 7 epochs after a
//! warm-up, measured in four rounds on the project's 2-core machine while three other builds
//! ran (load average ≈ 10: absolute times are inflated and noisy, only the ratios mean
//! something): burn 0.22.1 `flex` + `autodiff` in f32 0.048–0.091 s; the same burn model
//! cast to f64 0.17–0.25 s; this crate's hand-written f64 forward/backward on faer products
//! (one thread) 0.074–0.14 s. In f64, which theorylab requires, the hand-written engine is
//! about 1.7–2× faster than burn; burn's f32 lead (≈ 1.6×) is the f32 SIMD width, not the
//! engine. The crate keeps its own engine and does not depend on burn.
//!
//! **Preconditions and errors.** Every function that takes user input checks it first and
//! returns a typed [`Error`]: [`Error::Invalid`] for a quantity outside its range (a width,
//! seed count or learning rate), [`Error::ArchitectureMismatch`] naming the layer and both
//! shapes, [`Error::NonFiniteWeight`], [`Error::NonFiniteData`], [`Error::NonFiniteCost`],
//! [`Error::DataWidth`], [`Error::LabelCount`], [`Error::LabelOutOfRange`],
//! [`Error::NoLinearLayers`], [`Error::UnknownMatcher`] and the file-format variants.
//! Panics are reserved for programming errors (mismatched shapes between internal calls).
//! Every random draw comes from a [`lab::seed::Seed`] stream named `lmc.<what>` with one
//! index per item, and reductions run in a fixed order: a seed gives bit-identical results
//! at any rayon thread count.
//!
//! ```
//! use lab::seed::Seed;
//! use lmc::matching::{align, MatchOptions, Matcher};
//! use lmc::mlp::{Activation, Mlp, Parameterisation};
//! use lmc::perm::{permute, Permutation};
//!
//! // B is A with its 16 hidden units shuffled: weight matching finds the inverse shuffle.
//! let mut rng = Seed(0).stream("doc", 0);
//! let a = Mlp::init(&[4, 16, 2], Activation::Relu, Parameterisation::Standard, &mut rng)?;
//! let rho = Permutation::random(16, &mut rng);
//! let b = permute(&a, &[rho.clone()])?;
//! let found = align(&a, &b, Matcher::Weight, None, &MatchOptions::default(), &mut rng)?;
//! assert_eq!(found.perms[0], rho.inverse());
//! assert_eq!(found.b_aligned, a);
//! # Ok::<(), lmc::Error>(())
//! ```
//!
//! **References.** D. Ferbach, B. Goujaud, G. Gidel, A. Dieuleveut, AISTATS 2024,
//! arXiv 2310.19103. S. Ainsworth, J. Hayase, S. Srinivasa, ICLR 2023, arXiv 2209.04836.
//! R. Entezari, H. Sedghi, O. Saukh, B. Neyshabur, ICLR 2022, arXiv 2110.06296.
//! S. P. Singh, M. Jaggi (OTFusion), NeurIPS 2020. N. Fournier, A. Guillin, arXiv 1312.2128.
#![deny(missing_docs)]

pub mod align;
pub mod assignment;
pub mod bench;
pub mod data;
pub mod error;
pub mod experiments;
pub mod loss;
pub mod matching;
pub mod matrix;
pub mod metrics;
pub mod mlp;
pub mod moments;
pub mod npy;
pub mod pair;
pub mod perm;
pub mod present;
pub mod reproduce;
pub mod sequential;
pub mod sinkhorn;
pub mod train;

pub use error::{Error, Result};
