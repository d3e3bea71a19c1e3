//! # Equivariant strong lottery tickets
//!
//! Ferbach, Tsirigotis, Gidel, Bose, *A General Framework for Proving the Equivariant Strong
//! Lottery Ticket Hypothesis* (ICLR 2023, arXiv 2206.04270), on the construction of Pensia et
//! al. (2020): pruning the basis coefficients of a random overparameterised G-equivariant
//! network yields an exactly G-equivariant subnetwork within ε of any target, with
//! overparameterisation logarithmic in 1/ε; each target coefficient costs two random
//! subset-sum problems. This crate builds the bases, the random networks and an exact solver,
//! and measures the claims.
//!
//! **Model.** A finite group G acts on every field by an index permutation ([`group`]: the
//! trivial group, cyclic translations, C4 rotations with regular fields, S_m on order-k
//! tensors). The equivariant linear maps between two field types are spanned by the
//! row-normalised indicators of the G-orbits on index pairs, or on kernel entries for
//! convolutions ([`basis`], [`kernel`]); when the identity is a sum of several orbits (S_m
//! order 2→2) one of them is replaced by I. A target layer is (W_i x)_{c'} = Σ_{c,k} α_{c'ck}
//! b_k x_c; a target network stacks L such layers with ReLU and fixed field-mean pooling
//! ([`network`]). The four targets ([`targets`], data in [`data`]): a plain MLP (Pensia's
//! setting), T1 DeepSets on S_8, T2 a 2-IGN on graphs of 5 nodes, T3 a C4 G-CNN on 8×8 images,
//! trained by full-batch Adam with hand-written backprop and rescaled to ‖W_i‖_op ≤ 1,
//! max|α| ≤ 1/4 ([`train`]). The random network replaces every layer by a block Λ_i (C_i fields
//! → n copies each, over B_{i→i}, dense or diagonal), σ, M_i (copies → C_{i+1} fields, over
//! B_{i→i+1}), with i.i.d. U[−s, s] coefficients from per-item seeded streams
//! ([`overparam`]).
//!
//! **Algorithm.** By σ(λx) = λ⁺σ(x) + λ⁻σ(−x), keeping copy j of field c and the μ with
//! j ∈ S⁺ ∪ S⁻ makes the block equal Σ_{c,k} b_k[a⁺σ(x_c) + a⁻σ(−x_c)], with a⁺ (a⁻) the subset
//! sum of the products λ_cj μ (|λ_cj| μ) over the positive (negative) copies. Choosing S⁺ and
//! S⁻ by exact subset-sum towards α and −α ([`subset_sum`]: meet in the middle on sums
//! generated sorted, O(2^{p/2}), p ≤ 40) prunes the block ([`prune`]); masks are on
//! coefficients, so the pruned network stays in the span of the bases and is exactly
//! equivariant. Fields whose λ draw lacks a sign are redrawn and counted; with
//! `inner_positive_only` the S⁻ problems of blocks after the first are skipped (their inputs
//! are ≥ 0). The pruned network is evaluated in expanded form (the real 2L-layer network) and
//! cross-checked against the collapsed form; the control masks expanded filter entries instead
//! ([`control`]).
//!
//! **Theory.** Random subset-sum (Lueker 1998): p summands approximate every target in a fixed
//! interval within η once p = O(log 1/η), the median error falling by about one bit per
//! summand. A union bound over the 2·Σ C_iC_{i+1}K_i instances gives n = O(log(#problems/η))
//! copies per field. With η_i = ε / (2√2 · L · β_i · K_i · √(C_iC_{i+1})), ‖W_i‖_op ≤ 1 and
//! ‖x‖ ≤ 1, the pruned network is within ε of the target (spec 4.4, [`run::Tolerance`]).
//! Parameter counts follow 4.7: n·C_i·(C_i K'_i + C_{i+1}K_i) random coefficients per dense
//! block against C_iC_{i+1}K_i target ones.
//!
//! **Experiments.** E1 subset-sum statistics ([`stats`]); E2–E4 error against width for T1–T3
//! with E7 parameter accounting, E8 equivariance (structured vs unstructured) and E9 accuracy
//! in every run record ([`run`], [`sweep`]); E6 the width law n_min ≈ a·log2(1/η) +
//! b·log2(#problems) + c ([`width`], A8); the tolerance theorem and task parity
//! ([`tolerance`]); quick and full presets ([`presets`]); benchmarks including Pensia et al.'s
//! 397,000-coefficient count ([`mod@bench`]).
//!
//! **Preconditions and errors.** Everything is f64. Every random draw comes from a
//! [`lab::seed::Seed`] stream named `lottery.*` and indexed by the item it draws for, and every
//! parallel loop writes per-item slots reduced in a fixed order, so a seed gives bit-identical
//! results at any thread count. Every experiment takes a serde config whose `validate()`
//! refuses bad settings before any work, returning [`Error`]: a quantity out of range
//! ([`lab::error::Invalid`]: copies outside 2..=128, η or ε ≤ 0, a non-finite summand …), too
//! many summands (more than 40), an empty list, m too small for the requested orders (with the
//! minimum), an even C4 kernel. Groups, targets, variants and summand laws are enums (clap
//! `ValueEnum`s with the `clap` feature), so an unknown name never reaches the library.
//! Nothing panics on user input.
//!
//! **References.** Ferbach, Tsirigotis, Gidel, Bose, ICLR 2023, arXiv 2206.04270. Pensia,
//! Rajput, Nagle, Vishwakarma, Papailiopoulos, *Optimal Lottery Tickets via SubsetSum:
//! Logarithmic Over-Parameterization is Sufficient*, NeurIPS 2020, arXiv 2006.07990. Lueker,
//! *Exponentially small bounds on the expected optimum of the partition and subset sum
//! problems*, Random Structures & Algorithms 12 (1998). Maron, Ben-Hamu, Shamir, Lipman,
//! *Invariant and Equivariant Graph Networks*, ICLR 2019. Zaheer et al., *Deep Sets*, NeurIPS
//! 2017. Cohen, Welling, *Group Equivariant Convolutional Networks*, ICML 2016.
//!
//! ```
//! use lottery::subset_sum::subset_sum;
//! use lottery::basis::{basis_report, BasisConfig};
//! use lottery::group::GroupKind;
//!
//! // The closest subset sum to −0.3: −0.5 + 0.25 = −0.25.
//! let r = subset_sum(&[-0.5, 0.25, 0.7], -0.3, false)?;
//! assert_eq!(r.subset, vec![0, 1]);
//! assert!((r.abs_error - 0.05).abs() < 1e-15);
//!
//! // The S_5 order 2→2 basis has Bell(4) = 15 elements, the identity among them.
//! let b = basis_report(&BasisConfig { group: GroupKind::Sn, m: 5, order_in: 2, order_out: 2, kernel: 3 })?;
//! assert_eq!(b.size, 15);
//! assert!(b.identity_fixed);
//! # Ok::<(), lottery::Error>(())
//! ```

#![deny(missing_docs)]

pub mod basis;
pub mod bench;
pub mod control;
pub mod data;
pub mod error;
pub mod fit;
pub mod group;
pub mod kernel;
pub mod linalg;
pub mod network;
pub mod overparam;
pub mod present;
pub mod presets;
pub mod prune;
pub mod reproduce;
pub mod run;
pub mod stats;
pub mod subset_sum;
pub mod sweep;
pub mod targets;
pub mod tolerance;
pub mod train;
pub mod width;

pub use error::{Error, Result};

/// Progress of a long computation: called with the number of work units just finished, from
/// any thread (each experiment's docs say what a unit is).
pub type Progress<'a> = dyn Fn(u64) + Sync + 'a;
