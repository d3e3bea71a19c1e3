//! Pruning the random blocks by subset-sum (spec A5), the pruned network in expanded and
//! collapsed form (A6), and the sign-split failure accounting (pitfall 3).
//!
//! For input field c let J⁺_c = {j : λ_cj > 0} and J⁻_c = {j : λ_cj < 0}. By
//! σ(λx) = λ⁺σ(x) + λ⁻σ(−x), keeping copy j of field c and the coefficients μ_{c',(c,j),k} with
//! j ∈ S⁺ ∪ S⁻ gives the block output Σ_{c,k} b_k[(Σ_{S⁺} λ_cj μ) σ(x_c) + (Σ_{S⁻} |λ_cj| μ) σ(−x_c)],
//! which equals W_i x when the two subset sums hit α_{c'ck} and −α_{c'ck}. Each target coefficient
//! is therefore two subset-sum instances with summands λ_cj·μ_{c',(c,j),k} (j ∈ J⁺_c, target α)
//! and |λ_cj|·μ_{c',(c,j),k} (j ∈ J⁻_c, target −α). A field whose λ draw has no positive copy (or,
//! where σ(−x) matters, no negative copy) is redrawn from the next stream and counted.
//! Instances with more than 40 summands use the first 40 copies of that sign (counted as
//! capped). With `positive_only` (blocks after the first, whose inputs are post-ReLU and so
//! σ(−x) = 0) the S⁻ instances are skipped.
//!
//! Problems are independent given λ: field pairs (c', c) are solved in parallel, each writing
//! its own slots, with a reusable solver per worker; results do not depend on the thread count.

use crate::error::{Error, Result};
use crate::network::{apply_layer, Architecture, LayerSpec, Network};
use crate::overparam::{RandomBlock, Variant};
use crate::subset_sum::{Mode, Solver, MAX_SUMMANDS};
use rayon::prelude::*;
use std::sync::Arc;

/// Largest number of copies per field (copy masks are 128-bit).
pub const MAX_COPIES: usize = 128;

/// Draws of one field's λ before giving up (each fails with probability ≤ 2^{1−n} ≤ 1/2).
pub const MAX_ATTEMPTS: usize = 1000;

/// The solution of one subset-sum instance of a block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Problem {
    /// Chosen copies j (bit j set), a subset of J⁺_c or J⁻_c.
    pub mask: u128,
    /// The subset sum a± (= ±α + error).
    pub sum: f64,
    /// sum − (±α).
    pub error: f64,
    /// Number of summands p = |J±_c| (at most 40).
    pub p: u8,
    /// Whether J±_c had more than 40 copies and was cut to its first 40.
    pub capped: bool,
}

/// A pruned block: the random block, the final λ, and the solutions.
#[derive(Clone, Debug)]
pub struct PrunedBlock {
    /// The random block.
    pub random: RandomBlock,
    /// Target coefficients α at (c'·C_in + c)·K + k.
    pub alpha: Vec<f64>,
    /// λ_{c,·} of every input field after resampling.
    pub lambda: Vec<Vec<f64>>,
    /// Resamples per field.
    pub resamples: Vec<usize>,
    /// Whether the S⁻ instances were skipped.
    pub positive_only: bool,
    /// S⁺ solutions, indexed like `alpha`.
    pub plus: Vec<Problem>,
    /// S⁻ solutions, indexed like `alpha` (empty when `positive_only`).
    pub minus: Vec<Problem>,
}

impl PrunedBlock {
    /// All solutions (S⁺ then S⁻).
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.plus.iter().chain(&self.minus)
    }

    /// Drop the S⁻ solutions (their copies are then pruned).
    pub fn drop_negative(&mut self) {
        self.minus.clear();
        self.positive_only = true;
    }
}

/// Per-worker buffers: no allocation per problem.
#[derive(Default)]
struct Scratch {
    solver: Solver,
    mu: Vec<f64>,
    values: Vec<f64>,
}

/// Copies of each sign of one field, each cut to its first 40.
#[derive(Clone, Debug)]
struct Signs {
    plus: Vec<u8>,
    minus: Vec<u8>,
    plus_capped: bool,
    minus_capped: bool,
}

fn signs(lambda: &[f64]) -> Signs {
    let pick = |keep: fn(f64) -> bool| -> (Vec<u8>, bool) {
        let all: Vec<u8> = (0..lambda.len() as u8)
            .filter(|&j| keep(lambda[j as usize]))
            .collect();
        let capped = all.len() > MAX_SUMMANDS;
        (all.into_iter().take(MAX_SUMMANDS).collect(), capped)
    };
    let (plus, plus_capped) = pick(|v| v > 0.0);
    let (minus, minus_capped) = pick(|v| v < 0.0);
    Signs {
        plus,
        minus,
        plus_capped,
        minus_capped,
    }
}

/// λ of every input field (after redraws), the redraws per field, and the copies of each sign.
type Lambdas = (Vec<Vec<f64>>, Vec<usize>, Vec<Signs>);

/// Draw λ of every input field, redrawing a field until it has a positive copy and, unless
/// `positive_only`, a negative one.
fn draw_lambdas(random: &RandomBlock, positive_only: bool) -> Result<Lambdas> {
    let mut lambdas = Vec::with_capacity(random.c_in);
    let mut resamples = Vec::with_capacity(random.c_in);
    for c in 0..random.c_in {
        let found = (0..MAX_ATTEMPTS).find_map(|attempt| {
            let l = random.lambda(c, attempt);
            let pos = l.iter().any(|&v| v > 0.0);
            let neg = l.iter().any(|&v| v < 0.0);
            (pos && (neg || positive_only)).then_some((l, attempt))
        });
        let (l, attempt) = found.ok_or(Error::SignSplit {
            block: random.block,
            field: c,
            attempts: MAX_ATTEMPTS,
        })?;
        lambdas.push(l);
        resamples.push(attempt);
    }
    let sg = lambdas.iter().map(|l| signs(l)).collect();
    Ok((lambdas, resamples, sg))
}

/// The shared inputs of a block's instances: the random block, λ and its sign split, the
/// targets.
struct BlockInstances<'a> {
    random: &'a RandomBlock,
    lambda: Vec<Vec<f64>>,
    resamples: Vec<usize>,
    signs: Vec<Signs>,
    alpha: &'a [f64],
    positive_only: bool,
}

impl<'a> BlockInstances<'a> {
    /// Draw λ (with redraws) for `random`.
    fn new(random: &'a RandomBlock, alpha: &'a [f64], positive_only: bool) -> Result<Self> {
        let (lambda, resamples, signs) = draw_lambdas(random, positive_only)?;
        Ok(BlockInstances {
            random,
            lambda,
            resamples,
            signs,
            alpha,
            positive_only,
        })
    }

    /// Solve the 2K (or K) instances of field pair `pair` = c'·C_in + c into `plus`, `minus`.
    fn solve(
        &self,
        pair: usize,
        scratch: &mut Scratch,
        plus: &mut [Problem],
        minus: &mut [Problem],
    ) {
        let random = self.random;
        let (c_out, c) = (pair / random.c_in, pair % random.c_in);
        let k_len = random.k;
        random.mu_into(c_out, c, &mut scratch.mu);
        let s = &self.signs[c];
        for k in 0..k_len {
            let a = self.alpha[pair * k_len + k];
            let mut solve = |copies: &[u8], target: f64, capped: bool| -> Problem {
                scratch.values.clear();
                scratch.values.extend(copies.iter().map(|&j| {
                    self.lambda[c][j as usize].abs() * scratch.mu[j as usize * k_len + k]
                }));
                let sol = scratch.solver.solve(&scratch.values, target, Mode::Closest);
                let mut mask = 0u128;
                for (b, &j) in copies.iter().enumerate() {
                    if sol.mask >> b & 1 == 1 {
                        mask |= 1u128 << j;
                    }
                }
                Problem {
                    mask,
                    sum: sol.sum,
                    error: sol.error,
                    p: copies.len() as u8,
                    capped,
                }
            };
            plus[k] = solve(&s.plus, a, s.plus_capped);
            if !self.positive_only {
                minus[k] = solve(&s.minus, -a, s.minus_capped);
            }
        }
    }
}

/// Prune one block to the targets `alpha` (index (c'·C_in + c)·K + k).
pub fn prune_block(
    random: &RandomBlock,
    alpha: &[f64],
    positive_only: bool,
) -> Result<PrunedBlock> {
    let instances = BlockInstances::new(random, alpha, positive_only)?;
    let k = random.k;
    let n = random.c_out * random.c_in * k;
    let mut plus = vec![Problem::default(); n];
    let mut minus = vec![Problem::default(); n];
    plus.par_chunks_mut(k)
        .zip(minus.par_chunks_mut(k))
        .enumerate()
        .for_each_init(Scratch::default, |scratch, (pair, (pl, mi))| {
            instances.solve(pair, scratch, pl, mi)
        });
    if positive_only {
        minus.clear();
    }
    Ok(PrunedBlock {
        random: *random,
        alpha: alpha.to_vec(),
        lambda: instances.lambda,
        resamples: instances.resamples,
        positive_only,
        plus,
        minus,
    })
}

/// Whether every instance of the block reaches |error| ≤ `eta` (stops at the first failure;
/// the answer does not depend on the thread count, only the work done does).
pub fn block_within(
    random: &RandomBlock,
    alpha: &[f64],
    positive_only: bool,
    eta: f64,
) -> Result<bool> {
    let instances = BlockInstances::new(random, alpha, positive_only)?;
    let k = random.k;
    Ok((0..random.c_out * random.c_in)
        .into_par_iter()
        .map_init(
            || {
                (
                    Scratch::default(),
                    vec![Problem::default(); k],
                    vec![Problem::default(); k],
                )
            },
            |(scratch, pl, mi), pair| {
                instances.solve(pair, scratch, pl, mi);
                pl.iter().all(|p| p.error.abs() <= eta)
                    && (positive_only || mi.iter().all(|p| p.error.abs() <= eta))
            },
        )
        .all(|ok| ok))
}

/// One kept μ used by a copy: output field, basis element, value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CopyUse {
    /// Output field c'.
    pub c_out: u32,
    /// Basis element k.
    pub k: u32,
    /// μ_{c',(c,j),k}.
    pub mu: f64,
}

/// Which copies a block evaluation uses (for the checks of spec §8 item 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopySigns {
    /// Every kept copy.
    All,
    /// Only copies with λ > 0.
    Positive,
    /// Only copies with λ < 0.
    Negative,
}

/// A pruned network: the target's architecture with every layer replaced by its pruned block.
#[derive(Clone, Debug)]
pub struct PrunedNetwork {
    /// The target's architecture.
    pub arch: Arc<Architecture>,
    /// The pruned blocks.
    pub blocks: Vec<PrunedBlock>,
    /// uses[block][c][j]: the kept μ of copy (c, j), ordered by (c', k).
    uses: Vec<Vec<Vec<Vec<CopyUse>>>>,
    /// Collapsed filters per block: Σ_k a⁺ b_k and Σ_k a⁻ b_k per field pair.
    collapsed: Vec<(Vec<f64>, Vec<f64>)>,
}

impl PrunedNetwork {
    /// Assemble a network from pruned blocks (one per layer of `arch`).
    pub fn new(arch: Arc<Architecture>, blocks: Vec<PrunedBlock>) -> PrunedNetwork {
        let uses = blocks.iter().map(copy_uses).collect();
        let collapsed = arch
            .layers
            .iter()
            .zip(&blocks)
            .map(|(spec, b)| collapsed_filters(spec, b))
            .collect();
        PrunedNetwork {
            arch,
            blocks,
            uses,
            collapsed,
        }
    }

    /// The output of the 2L-layer pruned network (expanded form: copies λ_cj x_c, σ, the kept
    /// μ, then the target's σ and pooling).
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut h = x.to_vec();
        for i in 0..self.arch.depth() {
            let y = self.block_output(i, &h, CopySigns::All);
            h = self.arch.post(i, y);
        }
        h
    }

    /// The output in collapsed form W̃_i(x)_{c'} = Σ_{c,k} b_k(a⁺σ(x_c) + a⁻σ(−x_c)) (A6).
    pub fn forward_collapsed(&self, x: &[f64]) -> Vec<f64> {
        let mut h = x.to_vec();
        for (i, spec) in self.arch.layers.iter().enumerate() {
            let (wp, wm) = &self.collapsed[i];
            let pos: Vec<f64> = h.iter().map(|v| v.max(0.0)).collect();
            let mut y = apply_layer(spec, wp, &pos);
            if !self.blocks[i].positive_only {
                let neg: Vec<f64> = h.iter().map(|v| (-v).max(0.0)).collect();
                for (a, b) in y.iter_mut().zip(apply_layer(spec, wm, &neg)) {
                    *a += b;
                }
            }
            h = self.arch.post(i, y);
        }
        h
    }

    /// Every block's output (before σ and pooling) using only the copies of the given signs,
    /// each block fed with the full network's hidden values.
    pub fn block_outputs(&self, x: &[f64], signs: CopySigns) -> Vec<Vec<f64>> {
        let mut h = x.to_vec();
        let mut out = Vec::with_capacity(self.arch.depth());
        for i in 0..self.arch.depth() {
            out.push(self.block_output(i, &h, signs));
            h = self.arch.post(i, self.block_output(i, &h, CopySigns::All));
        }
        out
    }

    /// Output of block `i` on input `x`: y_{c'} = Σ_{c,k} b_k (Σ_j μ_{c',(c,j),k} σ(λ_cj x_c)).
    fn block_output(&self, i: usize, x: &[f64], signs: CopySigns) -> Vec<f64> {
        let spec = &self.arch.layers[i];
        let block = &self.blocks[i];
        let basis = &spec.basis;
        let (din, dout, k_len) = (basis.kernel.cols(), basis.kernel.rows(), basis.len());
        let mut y = vec![0.0; spec.c_out * dout];
        let mut u = vec![0.0; spec.c_out * k_len * din];
        let mut touched = vec![false; spec.c_out * k_len];
        let mut h = vec![0.0; din];
        for (c, xc) in x.chunks(din).enumerate() {
            u.fill(0.0);
            touched.fill(false);
            for (j, uses) in self.uses[i][c].iter().enumerate() {
                let l = block.lambda[c][j];
                let wanted = match signs {
                    CopySigns::All => true,
                    CopySigns::Positive => l > 0.0,
                    CopySigns::Negative => l < 0.0,
                };
                if uses.is_empty() || !wanted {
                    continue;
                }
                for (hv, &xv) in h.iter_mut().zip(xc) {
                    *hv = (l * xv).max(0.0);
                }
                for cu in uses {
                    let slot = cu.c_out as usize * k_len + cu.k as usize;
                    touched[slot] = true;
                    for (uv, hv) in u[slot * din..(slot + 1) * din].iter_mut().zip(&h) {
                        *uv += cu.mu * hv;
                    }
                }
            }
            for slot in (0..spec.c_out * k_len).filter(|&s| touched[s]) {
                let (co, k) = (slot / k_len, slot % k_len);
                basis.apply_element(
                    k,
                    &u[slot * din..(slot + 1) * din],
                    &mut y[co * dout..(co + 1) * dout],
                );
            }
        }
        y
    }

    /// Number of kept μ coefficients (Σ |S⁺| + |S⁻|) and kept λ (copies used by some kept μ).
    pub fn kept(&self) -> (usize, usize) {
        let mu = self
            .blocks
            .iter()
            .flat_map(|b| b.problems())
            .map(|p| p.mask.count_ones() as usize)
            .sum();
        let lambda = self
            .uses
            .iter()
            .flatten()
            .flatten()
            .filter(|u| !u.is_empty())
            .count();
        (mu, lambda)
    }
}

/// The kept μ of every copy of a block.
fn copy_uses(block: &PrunedBlock) -> Vec<Vec<Vec<CopyUse>>> {
    let r = &block.random;
    let mut uses = vec![vec![Vec::new(); r.copies]; r.c_in];
    let mut mu = Vec::new();
    for co in 0..r.c_out {
        for (c, field_uses) in uses.iter_mut().enumerate() {
            r.mu_into(co, c, &mut mu);
            for k in 0..r.k {
                let idx = (co * r.c_in + c) * r.k + k;
                let mut mask = block.plus[idx].mask;
                if let Some(m) = block.minus.get(idx) {
                    mask |= m.mask;
                }
                for (j, copy_uses) in field_uses.iter_mut().enumerate() {
                    if mask >> j & 1 == 1 {
                        copy_uses.push(CopyUse {
                            c_out: co as u32,
                            k: k as u32,
                            mu: mu[j * r.k + k],
                        });
                    }
                }
            }
        }
    }
    uses
}

/// Σ_k a⁺_{c'ck} b_k and Σ_k a⁻_{c'ck} b_k per field pair.
fn collapsed_filters(spec: &LayerSpec, block: &PrunedBlock) -> (Vec<f64>, Vec<f64>) {
    let (k, flen) = (spec.basis.len(), spec.basis.kernel.len());
    let pairs = spec.c_out * spec.c_in;
    let mut wp = vec![0.0; pairs * flen];
    let mut wm = vec![0.0; pairs * flen];
    for pair in 0..pairs {
        let ap: Vec<f64> = (0..k).map(|kk| block.plus[pair * k + kk].sum).collect();
        spec.basis
            .combine(&ap, &mut wp[pair * flen..(pair + 1) * flen]);
        if !block.positive_only {
            let am: Vec<f64> = (0..k).map(|kk| block.minus[pair * k + kk].sum).collect();
            spec.basis
                .combine(&am, &mut wm[pair * flen..(pair + 1) * flen]);
        }
    }
    (wp, wm)
}

/// The random block of layer `i` of `arch`.
pub fn random_block(
    arch: &Architecture,
    i: usize,
    seed: u64,
    copies: usize,
    scale: f64,
    variant: Variant,
) -> RandomBlock {
    let spec = &arch.layers[i];
    RandomBlock {
        seed,
        block: i,
        c_in: spec.c_in,
        c_out: spec.c_out,
        copies,
        k: spec.basis.len(),
        k_square: spec.square.len(),
        scale,
        variant,
    }
}

/// Prune every layer of `target` (blocks after the first skip S⁻ when `inner_positive_only`).
pub fn prune_network(
    target: &Network,
    seed: u64,
    copies: usize,
    scale: f64,
    variant: Variant,
    inner_positive_only: bool,
) -> Result<PrunedNetwork> {
    let arch = &target.arch;
    let blocks = (0..arch.depth())
        .map(|i| {
            let random = random_block(arch, i, seed, copies, scale, variant);
            prune_block(&random, &target.coeffs[i], inner_positive_only && i > 0)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PrunedNetwork::new(arch.clone(), blocks))
}
