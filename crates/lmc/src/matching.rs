//! The matchers (spec §3.2–3.3): each finds π_1, …, π_L by exact LSAP per hidden layer and
//! returns B with its hidden units permuted, so that A-unit i faces B-unit π_ℓ(i).
//!
//! | matcher | similarity S[i, j] of layer ℓ (rows A units, columns B units) |
//! |---|---|
//! | `identity` (a) | none: π_ℓ = identity (the unaligned baseline) |
//! | `weight` (b) | ⟨w^A_i, w̃^B_j⟩: incoming weights, B's input axis aligned by π_{ℓ−1} |
//! | `rebasin` (c) | W^AW̃^Bᵀ + b^Ab^Bᵀ + V^AᵀṼ^B, V = W_{ℓ+1}: Git Re-Basin coordinate descent |
//! | `rebasin-scaled` (c′) | as (c) on rescaled parameters: every W_{ℓ+1} times √m_ℓ (P4: outgoing weights at the scale of incoming ones) |
//! | `sigma` (d) | (W^A Σ_{ℓ−1} W̃^Bᵀ)[i, j], Σ = A's uncentred input moment ("WM (ours)") |
//! | `sigma-bias` (d+) | [W b]^A Σ̂ [W̃ b]^Bᵀ, Σ̂ = [[Σ, m], [mᵀ, 1]] with divisor n (exact L² of pre-activations) |
//! | `activation` (e) | Cov(h^A_i, h^B_j): centred cross-covariance, post-activation ("AM") |
//! | `sinkhorn` | soft baseline: entropic coupling on squared incoming-weight distances (not a permutation) |
//!
//! Every similarity is maximised. (b), (d), (d+) run forward greedily (B's layer-ℓ input axis
//! is aligned by π_{ℓ−1} before layer ℓ's LSAP); (e) is an independent LSAP per layer; (c)
//! runs coordinate descent over layers in a random order per sweep (at most
//! [`MatchOptions::max_sweeps`] sweeps, stopping when a sweep raises ⟨θ_A, θ̃_B⟩ by at most
//! [`MatchOptions::tolerance`]), started from (b)'s permutations by default
//! ([`RebasinInit`]). The official notebook's Frank–Wolfe loop reduces to one LSAP per layer
//! and its outer loop to forward greedy (spec §6.1); both are ported as such.

use crate::assignment::{solve, squared_distances, Sense};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::mlp::{Layer, Mlp};
use crate::moments::Moments;
use crate::perm::{gather, permute, Permutation};
use crate::sinkhorn::sinkhorn;
use lab::seed::Rng;
use rand::seq::SliceRandom;

/// A neuron-matching method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Matcher {
    /// (a) no permutation: the unaligned baseline.
    Identity,
    /// (b) naive weight matching on incoming weights ("Naive WM").
    Weight,
    /// (c) Git Re-Basin whole-neuron weight matching (incoming, bias, outgoing).
    Rebasin,
    /// (c′) as (c) with the outgoing weights rescaled by √(layer width).
    RebasinScaled,
    /// (d) Σ-weighted weight matching ("WM (ours)").
    Sigma,
    /// (d+) Σ-weighted weight matching of full pre-activations (with the bias).
    SigmaBias,
    /// (e) activation matching on the centred cross-covariance ("AM").
    Activation,
    /// Entropic soft coupling (a baseline, not a permutation).
    Sinkhorn,
}

impl Matcher {
    /// Every matcher, in the table's order.
    pub const ALL: [Matcher; 8] = [
        Matcher::Identity,
        Matcher::Weight,
        Matcher::Rebasin,
        Matcher::RebasinScaled,
        Matcher::Sigma,
        Matcher::SigmaBias,
        Matcher::Activation,
        Matcher::Sinkhorn,
    ];

    /// The matchers that align B by a permutation (every one but `identity` and `sinkhorn`):
    /// those `lmc align` accepts.
    pub const ALIGNING: [Matcher; 6] = [
        Matcher::Weight,
        Matcher::Rebasin,
        Matcher::RebasinScaled,
        Matcher::Sigma,
        Matcher::SigmaBias,
        Matcher::Activation,
    ];

    /// The kebab-case name (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Matcher::Identity => "identity",
            Matcher::Weight => "weight",
            Matcher::Rebasin => "rebasin",
            Matcher::RebasinScaled => "rebasin-scaled",
            Matcher::Sigma => "sigma",
            Matcher::SigmaBias => "sigma-bias",
            Matcher::Activation => "activation",
            Matcher::Sinkhorn => "sinkhorn",
        }
    }

    /// The label of the official plots, where there is one.
    pub fn label(self) -> &'static str {
        match self {
            Matcher::Identity => "Unaligned",
            Matcher::Weight => "Naive WM",
            Matcher::Rebasin => "Git Re-Basin WM",
            Matcher::RebasinScaled => "Git Re-Basin WM (scaled v)",
            Matcher::Sigma => "WM (ours)",
            Matcher::SigmaBias => "WM (ours) + bias",
            Matcher::Activation => "AM",
            Matcher::Sinkhorn => "Sinkhorn (soft baseline)",
        }
    }

    /// Whether the matcher needs the statistics pass (data moments).
    pub fn needs_moments(self) -> bool {
        matches!(
            self,
            Matcher::Sigma | Matcher::SigmaBias | Matcher::Activation
        )
    }

    /// Whether the result is a permutation of B (every matcher but the soft baseline).
    pub fn is_exact(self) -> bool {
        self != Matcher::Sinkhorn
    }
}

impl std::str::FromStr for Matcher {
    type Err = Error;
    fn from_str(s: &str) -> Result<Matcher> {
        Matcher::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| Error::UnknownMatcher {
                name: s.to_string(),
                known: Matcher::ALL.map(Matcher::name).join(", "),
            })
    }
}

/// How Git Re-Basin's coordinate descent starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RebasinInit {
    /// All π_ℓ = identity (Git Re-Basin's own start).
    Identity,
    /// The forward-greedy weight matching (b) (never worse; recovers a planted permutation).
    WeightMatching,
}

/// Settings of the iterative matchers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MatchOptions {
    /// Git Re-Basin: most sweeps over the layers (100).
    pub max_sweeps: usize,
    /// Git Re-Basin: stop when a sweep raises ⟨θ_A, θ̃_B⟩ by at most this (1e-12).
    pub tolerance: f64,
    /// Git Re-Basin: the starting permutations.
    pub rebasin_init: RebasinInit,
    /// Sinkhorn: regularisation relative to the mean cost (1e-2, OTFusion's default).
    pub sinkhorn_reg: f64,
}

impl Default for MatchOptions {
    fn default() -> MatchOptions {
        MatchOptions {
            max_sweeps: 100,
            tolerance: 1e-12,
            rebasin_init: RebasinInit::WeightMatching,
            sinkhorn_reg: 1e-2,
        }
    }
}

/// The result of matching B to A.
#[derive(Clone, Debug)]
pub struct Alignment {
    /// The matcher.
    pub matcher: Matcher,
    /// π_1, …, π_L (for the soft baseline: the permutation nearest to each coupling).
    pub perms: Vec<Permutation>,
    /// B after alignment: B permuted by `perms`, or transported by the couplings (soft).
    pub b_aligned: Mlp,
    /// Coordinate-descent sweeps run (Git Re-Basin; 0 otherwise).
    pub sweeps: usize,
}

/// Matches B to A with `matcher`. `moments` must hold the statistics pass of (A, B) when
/// [`Matcher::needs_moments`]; `rng` orders Git Re-Basin's sweeps.
pub fn align(
    a: &Mlp,
    b: &Mlp,
    matcher: Matcher,
    moments: Option<&Moments>,
    options: &MatchOptions,
    rng: &mut Rng,
) -> Result<Alignment> {
    a.check_same_architecture(b)?;
    if a.hidden_layers() == 0 {
        return Err(Error::NoHiddenLayer {
            layers: a.layers.len(),
        });
    }
    let moments = match (matcher.needs_moments(), moments) {
        (true, None) => {
            return Err(lab::error::Invalid::new(
                "data moments",
                0.0,
                format!("computed for the {} matcher", matcher.name()),
            )
            .into())
        }
        (_, m) => m,
    };
    let (perms, sweeps) = match matcher {
        Matcher::Identity => (
            (1..=a.hidden_layers())
                .map(|l| Permutation::identity(a.layers[l - 1].outputs()))
                .collect(),
            0,
        ),
        Matcher::Weight | Matcher::Sigma | Matcher::SigmaBias => {
            (forward_greedy(a, b, matcher, moments)?, 0)
        }
        Matcher::Activation => (activation_matching(moments.expect("checked"))?, 0),
        Matcher::Rebasin | Matcher::RebasinScaled => rebasin(a, b, matcher, options, rng)?,
        Matcher::Sinkhorn => return soft_transport(a, b, options.sinkhorn_reg),
    };
    let b_aligned = permute(b, &perms)?;
    Ok(Alignment {
        matcher,
        perms,
        b_aligned,
        sweeps,
    })
}

/// Forward greedy (spec §3.2) for (b), (d) and (d+).
fn forward_greedy(
    a: &Mlp,
    b: &Mlp,
    matcher: Matcher,
    moments: Option<&Moments>,
) -> Result<Vec<Permutation>> {
    let mut perms: Vec<Permutation> = Vec::with_capacity(a.hidden_layers());
    for l in 1..=a.hidden_layers() {
        let (la, lb) = (&a.layers[l - 1], &b.layers[l - 1]);
        let wb_in = gather(&lb.weight, None, perms.last());
        let s = match matcher {
            Matcher::Weight => la.weight.matmul_t(&wb_in),
            Matcher::Sigma => {
                let sigma = &moments.expect("checked").layers[l - 1].second_a;
                la.weight.matmul(sigma).matmul_t(&wb_in)
            }
            Matcher::SigmaBias => {
                let lm = &moments.expect("checked").layers[l - 1];
                let aug_sigma = augmented_moment(lm, moments.expect("checked").n);
                let wa = with_bias_column(&la.weight, &la.bias);
                let wb = with_bias_column(&wb_in, &lb.bias);
                wa.matmul(&aug_sigma).matmul_t(&wb)
            }
            _ => unreachable!("forward_greedy: {matcher:?}"),
        };
        perms.push(solve(&s, Sense::Maximise)?);
    }
    Ok(perms)
}

/// Σ̂ = [[Σ·(n−1)/n, m], [mᵀ, 1]]: the uncentred moment of (h, 1) with divisor n, so that
/// [w b]Σ̂[w b]ᵀ = E(wᵀh + b)² exactly.
fn augmented_moment(lm: &crate::moments::LayerMoments, n: usize) -> Matrix {
    let m = lm.mean_a.len();
    let rescale = (n as f64 - 1.0) / n as f64;
    Matrix::from_fn(m + 1, m + 1, |i, j| match (i == m, j == m) {
        (false, false) => lm.second_a.get(i, j) * rescale,
        (false, true) => lm.mean_a[i],
        (true, false) => lm.mean_a[j],
        (true, true) => 1.0,
    })
}

/// [W b]: the weight with the bias appended as a last column.
fn with_bias_column(w: &Matrix, b: &[f64]) -> Matrix {
    Matrix::from_fn(w.rows, w.cols + 1, |i, j| {
        if j < w.cols {
            w.get(i, j)
        } else {
            b[i]
        }
    })
}

/// (e): one LSAP per hidden layer on the centred cross-covariance.
fn activation_matching(moments: &Moments) -> Result<Vec<Permutation>> {
    moments.layers[1..]
        .iter()
        .map(|lm| solve(&lm.cross, Sense::Maximise))
        .collect()
}

/// The weight of ⟨W^A_k, W̃^B_k⟩ (0-based linear layer k) in Git Re-Basin's objective: 1, or
/// for (c′) the fan-in m_{k} of every layer after the first (each W_{ℓ+1} rescaled by
/// √m_ℓ, the outgoing weights of hidden layer ℓ brought to the scale of incoming ones).
fn rebasin_weight(net: &Mlp, k: usize, scaled: bool) -> f64 {
    if scaled && k > 0 {
        net.layers[k].inputs() as f64
    } else {
        1.0
    }
}

/// Git Re-Basin's similarity of hidden layer ℓ (1-based) given the other permutations:
/// c_ℓ·W^AW̃^Bᵀ + b^Ab^Bᵀ + c_{ℓ+1}·V^AᵀṼ^B (V = W_{ℓ+1}, B's rows aligned by π_{ℓ+1}).
fn rebasin_similarity(a: &Mlp, b: &Mlp, perms: &[Permutation], l: usize, scaled: bool) -> Matrix {
    let (la, lb) = (&a.layers[l - 1], &b.layers[l - 1]);
    let prev = if l >= 2 { perms.get(l - 2) } else { None };
    let wb_in = gather(&lb.weight, None, prev);
    let mut s = la.weight.matmul_t(&wb_in);
    let c_in = rebasin_weight(a, l - 1, scaled);
    let c_out = rebasin_weight(a, l, scaled);
    let (va, vb) = (&a.layers[l].weight, &b.layers[l].weight);
    let vb_rows = if l < a.hidden_layers() {
        gather(vb, perms.get(l), None)
    } else {
        vb.clone()
    };
    let out = va.t_matmul(&vb_rows);
    for i in 0..s.rows {
        for j in 0..s.cols {
            let v = c_in * s.get(i, j) + la.bias[i] * lb.bias[j] + c_out * out.get(i, j);
            s.set(i, j, v);
        }
    }
    s
}

/// Git Re-Basin's objective Σ_k c_k⟨W^A_k, W̃^B_k⟩ + ⟨b^A_k, b̃^B_k⟩ under `perms`.
fn rebasin_objective(a: &Mlp, b: &Mlp, perms: &[Permutation], scaled: bool) -> Result<f64> {
    let bt = permute(b, perms)?;
    let mut total = 0.0;
    for (k, (la, lb)) in a.layers.iter().zip(&bt.layers).enumerate() {
        let dot: f64 = la
            .weight
            .data
            .iter()
            .zip(&lb.weight.data)
            .map(|(x, y)| x * y)
            .sum();
        total += rebasin_weight(a, k, scaled) * dot;
        total += la
            .bias
            .iter()
            .zip(&lb.bias)
            .map(|(x, y)| x * y)
            .sum::<f64>();
    }
    Ok(total)
}

/// (c): coordinate descent over the hidden layers.
fn rebasin(
    a: &Mlp,
    b: &Mlp,
    matcher: Matcher,
    options: &MatchOptions,
    rng: &mut Rng,
) -> Result<(Vec<Permutation>, usize)> {
    lab::error::require(
        options.max_sweeps >= 1,
        "Re-Basin sweeps",
        options.max_sweeps as f64,
        "at least 1",
    )?;
    let scaled = matcher == Matcher::RebasinScaled;
    let hidden = a.hidden_layers();
    let mut perms = match options.rebasin_init {
        RebasinInit::Identity => (1..=hidden)
            .map(|l| Permutation::identity(a.layers[l - 1].outputs()))
            .collect(),
        RebasinInit::WeightMatching => forward_greedy(a, b, Matcher::Weight, None)?,
    };
    let mut best = rebasin_objective(a, b, &perms, scaled)?;
    let mut order: Vec<usize> = (1..=hidden).collect();
    let mut sweeps = 0;
    while sweeps < options.max_sweeps {
        sweeps += 1;
        order.shuffle(rng);
        for &l in &order {
            let s = rebasin_similarity(a, b, &perms, l, scaled);
            perms[l - 1] = solve(&s, Sense::Maximise)?;
        }
        let value = rebasin_objective(a, b, &perms, scaled)?;
        let gain = value - best;
        best = best.max(value);
        if gain <= options.tolerance {
            break;
        }
    }
    Ok((perms, sweeps))
}

/// The soft baseline: layer by layer, the entropic coupling Γ_ℓ between A's incoming weights
/// and B's (input axis already transported), T_ℓ = m·Γ_ℓ, W̃_ℓ = T_ℓ W_ℓ T_{ℓ−1}ᵀ,
/// b̃_ℓ = T_ℓ b_ℓ (OTFusion's transport of B onto A). Equals the permutation when Γ = P/m.
fn soft_transport(a: &Mlp, b: &Mlp, reg: f64) -> Result<Alignment> {
    let mut layers: Vec<Layer> = Vec::with_capacity(b.layers.len());
    let mut perms = Vec::with_capacity(a.hidden_layers());
    let mut prev: Option<Matrix> = None;
    for (k, (la, lb)) in a.layers.iter().zip(&b.layers).enumerate() {
        let w_in = match &prev {
            Some(t) => lb.weight.matmul_t(t),
            None => lb.weight.clone(),
        };
        if k == a.layers.len() - 1 {
            layers.push(Layer {
                weight: w_in,
                bias: lb.bias.clone(),
            });
            break;
        }
        let cost = squared_distances(&la.weight, &w_in);
        let gamma = sinkhorn(&cost, reg, 1e-9, 2000)?;
        let m = gamma.rows as f64;
        let t = Matrix::from_vec(
            gamma.rows,
            gamma.cols,
            gamma.data.iter().map(|g| g * m).collect(),
        );
        perms.push(solve(&gamma, Sense::Maximise)?);
        let bias = (0..t.rows)
            .map(|i| t.row(i).iter().zip(&lb.bias).map(|(x, y)| x * y).sum())
            .collect();
        layers.push(Layer {
            weight: t.matmul(&w_in),
            bias,
        });
        prev = Some(t);
    }
    Ok(Alignment {
        matcher: Matcher::Sinkhorn,
        perms,
        b_aligned: Mlp::new(layers, b.activation, b.parameterisation)?,
        sweeps: 0,
    })
}
