//! Orbit bases of equivariant linear maps (spec A1).
//!
//! For G acting by permutations on output indices Y and input indices X, W is equivariant iff
//! W[g·y, g·x] = W[y, x]; the indicators of the G-orbits on Y×X are a basis. Convolutions share
//! weights over translations already, so their orbits are taken in kernel space
//! (o_out, o_in, tap) under `K[o'+1][o+1][R·δ] = K[o'][o][δ]` (C4) or under no constraint at all
//! (translations: the k² taps). Each indicator is divided by its row count r_k (entries per
//! row), so summing elements become means. **Identity fix:** for a square basis B_{i→i} whose
//! identity is a sum of several orbit indicators (S_m order 2→2: {y1=y2=x1=x2} and
//! {y1=x1≠y2=x2}), the first of them is replaced by I — still a basis, and I is an element as
//! the random block needs.

use crate::error::{Error, Result};
use crate::group::{tuple_digits, FieldType, Group, GroupKind};
use crate::kernel::Kernel;

/// One basis element: a sparse, row-normalised orbit indicator in filter space.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// (filter index, weight), sorted by index.
    pub filter: Vec<(u32, f64)>,
    /// Size of the orbit in filter space.
    pub orbit_size: usize,
    /// Entries per filter row (the normalisation divisor r_k).
    pub row_count: usize,
    /// Smallest filter index of the orbit (its canonical key).
    pub representative: usize,
    /// Whether this element is the identity (after the identity fix when needed).
    pub is_identity: bool,
    /// sqrt(‖b‖₁‖b‖∞) of the expanded operator: an upper bound on its spectral norm, exact for
    /// the S_m and trivial-group orbits (biregular 0/1 patterns).
    pub norm_bound: f64,
}

/// An orbit basis of the equivariant maps between two field types.
#[derive(Clone, Debug, PartialEq)]
pub struct Basis {
    /// The filter space the elements live in.
    pub kernel: Kernel,
    /// The elements b_1..b_K, ordered by representative.
    pub elements: Vec<Element>,
    /// Index of the identity element for a square basis.
    pub identity: Option<usize>,
    /// Whether the identity fix replaced an orbit (I was a sum of several orbits).
    pub identity_fixed: bool,
}

/// Union-find root with path halving.
fn root(parent: &mut [u32], mut i: usize) -> usize {
    while parent[i] as usize != i {
        parent[i] = parent[parent[i] as usize];
        i = parent[i] as usize;
    }
    i
}

impl Basis {
    /// The orbit basis of `kernel` under the filter-space permutations `generators` (entry f
    /// moves to `generators[g][f]`); `square` asks for the identity fix.
    pub fn from_orbits(kernel: Kernel, generators: &[Vec<u32>], square: bool) -> Basis {
        let n = kernel.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        for g in generators {
            for (f, &to) in g.iter().enumerate() {
                let (a, b) = (root(&mut parent, f), root(&mut parent, to as usize));
                if a != b {
                    let (lo, hi) = (a.min(b), a.max(b));
                    parent[hi] = lo as u32;
                }
            }
        }
        // Roots are the smallest index of each orbit, so iterating f ascending lists orbits by
        // representative and their entries ascending.
        let mut slot = vec![u32::MAX; n];
        let mut orbits: Vec<Vec<u32>> = Vec::new();
        for f in 0..n {
            let r = root(&mut parent, f);
            if slot[r] == u32::MAX {
                slot[r] = orbits.len() as u32;
                orbits.push(Vec::new());
            }
            orbits[slot[r] as usize].push(f as u32);
        }
        let mut elements: Vec<Element> = orbits
            .into_iter()
            .map(|orbit| {
                let first_row = kernel.filter_row(orbit[0] as usize);
                let row_count = orbit
                    .iter()
                    .filter(|&&f| kernel.filter_row(f as usize) == first_row)
                    .count();
                let w = 1.0 / row_count as f64;
                Element {
                    representative: orbit[0] as usize,
                    orbit_size: orbit.len(),
                    row_count,
                    filter: orbit.into_iter().map(|f| (f, w)).collect(),
                    is_identity: false,
                    norm_bound: 0.0,
                }
            })
            .collect();
        let (mut identity, mut identity_fixed) = (None, false);
        if square {
            let diagonal: Vec<usize> = (0..elements.len())
                .filter(|&e| {
                    elements[e]
                        .filter
                        .iter()
                        .all(|&(f, _)| kernel.is_diagonal(f as usize))
                })
                .collect();
            let all_diagonal: Vec<(u32, f64)> = (0..n)
                .filter(|&f| kernel.is_diagonal(f))
                .map(|f| (f as u32, 1.0))
                .collect();
            if let Some(&first) = diagonal.first() {
                if elements[first].filter != all_diagonal {
                    elements[first].filter = all_diagonal;
                    elements[first].row_count = 1;
                    identity_fixed = true;
                }
                elements[first].is_identity = true;
                identity = Some(first);
            }
        }
        for e in &mut elements {
            e.norm_bound = schur_bound(&kernel, &e.filter);
        }
        Basis {
            kernel,
            elements,
            identity,
            identity_fixed,
        }
    }

    /// The dense basis of maps between two permutation field types (S_m tensors, the trivial
    /// group, scalar fields).
    pub fn dense(out: &FieldType, inp: &FieldType, square: bool) -> Basis {
        let (rows, cols) = (out.dim, inp.dim);
        let generators: Vec<Vec<u32>> = out
            .generators
            .iter()
            .zip(&inp.generators)
            .map(|(po, pi)| {
                (0..rows * cols)
                    .map(|f| po[f / cols] * cols as u32 + pi[f % cols])
                    .collect()
            })
            .collect();
        Basis::from_orbits(Kernel::Dense { rows, cols }, &generators, square)
    }

    /// The C4-steerable convolution basis on a side×side grid with zero padding: `ch_in`,
    /// `ch_out` ∈ {1 (plain image), 4 (regular field)}, odd kernel `size`.
    pub fn c4_conv(side: usize, ch_out: usize, ch_in: usize, size: usize) -> Basis {
        let kernel = Kernel::Conv {
            side,
            ch_out,
            ch_in,
            size,
            periodic: false,
        };
        let rotation: Vec<u32> = (0..kernel.len())
            .map(|f| {
                let (o_out, o_in, ti, tj) = kernel.decode(f);
                let (o_out, o_in) = ((o_out + 1) % ch_out, (o_in + 1) % ch_in);
                (((o_out * ch_in + o_in) * size + tj) * size + size - 1 - ti) as u32
            })
            .collect();
        Basis::from_orbits(kernel, &[rotation], ch_in == ch_out)
    }

    /// The translation-equivariant convolution basis on a periodic side×side grid: the
    /// size² kernel taps (one orbit each).
    pub fn translation_conv(side: usize, size: usize) -> Basis {
        let kernel = Kernel::Conv {
            side,
            ch_out: 1,
            ch_in: 1,
            size,
            periodic: true,
        };
        Basis::from_orbits(kernel, &[], true)
    }

    /// Number of elements K.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the basis has no element (never for the bases built here).
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// β = max_k ‖b_k‖_op, bounded above by the Schur bound of each element.
    pub fn beta(&self) -> f64 {
        self.elements
            .iter()
            .map(|e| e.norm_bound)
            .fold(0.0, f64::max)
    }

    /// The dense filter `Σ_k coeffs[k]·b_k`, added to `out`.
    pub fn combine(&self, coeffs: &[f64], out: &mut [f64]) {
        for (e, &c) in self.elements.iter().zip(coeffs) {
            if c != 0.0 {
                for &(f, w) in &e.filter {
                    out[f as usize] += c * w;
                }
            }
        }
    }

    /// The gradient in the coefficients from the gradient in the filter:
    /// `out[k] += Σ_{(f, w) ∈ b_k} w·grad[f]`.
    pub fn project(&self, grad: &[f64], out: &mut [f64]) {
        for (e, o) in self.elements.iter().zip(out.iter_mut()) {
            *o += e
                .filter
                .iter()
                .map(|&(f, w)| w * grad[f as usize])
                .sum::<f64>();
        }
    }

    /// y += b_k x.
    pub fn apply_element(&self, k: usize, x: &[f64], y: &mut [f64]) {
        for &(f, w) in &self.elements[k].filter {
            self.kernel.apply_entry(f as usize, w, x, y);
        }
    }
}

/// sqrt(max column sum · max row sum) of |b| for the expanded operator of `filter`.
fn schur_bound(kernel: &Kernel, filter: &[(u32, f64)]) -> f64 {
    let mut rows = vec![0.0; kernel.rows()];
    let mut cols = vec![0.0; kernel.cols()];
    for &(f, w) in filter {
        kernel.for_each_position(f as usize, |r, c| {
            rows[r] += w.abs();
            cols[c] += w.abs();
        });
    }
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    (max(&rows) * max(&cols)).sqrt()
}

/// The basis of the maps from fields of order `order_in` to fields of order `order_out` of
/// `group` (kernel `kernel` for the convolution groups), with the identity fix when the orders
/// agree. No size checks: see [`BasisConfig::validate`] for those (m below the order sum gives
/// the degenerate S_m bases of spec pitfall 2, which tests use on purpose).
pub fn group_basis(
    group: Group,
    order_in: usize,
    order_out: usize,
    kernel: usize,
) -> Result<Basis> {
    let square = order_in == order_out;
    Ok(match group.kind {
        GroupKind::Trivial | GroupKind::Sn => {
            Basis::dense(&group.field(order_out)?, &group.field(order_in)?, square)
        }
        GroupKind::C4 => {
            group.field(order_in.max(order_out))?;
            let ch = |o: usize| if o == 1 { 4 } else { 1 };
            Basis::c4_conv(group.m, ch(order_out), ch(order_in), kernel)
        }
        GroupKind::Translation => {
            group.field(order_in.max(order_out))?;
            Basis::translation_conv(group.m, kernel)
        }
    })
}

/// Settings of the `basis` command: a group, its size, the orders in → out, the kernel size
/// (used by the convolution groups only).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BasisConfig {
    /// The group.
    pub group: GroupKind,
    /// Number of points (S_m, trivial) or grid side (C4, translations).
    pub m: usize,
    /// Input field order.
    pub order_in: usize,
    /// Output field order.
    pub order_out: usize,
    /// Kernel size for C4 (odd) and translations.
    pub kernel: usize,
}

/// Largest filter space the `basis` command builds (m^(k+l) entries for S_m).
pub const MAX_FILTER_LEN: usize = 1 << 22;

impl BasisConfig {
    /// Refuse orders the group lacks, m below the minimum for the orders (S_m: m ≥ k + l, so
    /// that the basis has Bell(k + l) elements) or the kernel (grids: m ≥ kernel), an even C4
    /// kernel, a zero kernel and filter spaces beyond [`MAX_FILTER_LEN`].
    pub fn validate(&self) -> Result<()> {
        let max = self.group.max_order();
        for order in [self.order_in, self.order_out] {
            if order > max {
                return Err(Error::UnsupportedOrder {
                    group: self.group.name(),
                    order,
                    max,
                });
            }
        }
        let conv = matches!(self.group, GroupKind::C4 | GroupKind::Translation);
        if conv {
            crate::error::in_range("kernel size", self.kernel, 1, 15)?;
            if self.group == GroupKind::C4 && self.kernel.is_multiple_of(2) {
                return Err(Error::EvenKernel {
                    kernel: self.kernel,
                });
            }
        }
        let minimum = match self.group {
            GroupKind::Sn => (self.order_in + self.order_out).max(1),
            GroupKind::Trivial => 1,
            GroupKind::C4 | GroupKind::Translation => self.kernel,
        };
        if self.m < minimum {
            return Err(Error::MTooSmall {
                m: self.m,
                order_in: self.order_in,
                order_out: self.order_out,
                minimum,
            });
        }
        let len = self.filter_len();
        if len > MAX_FILTER_LEN as u128 {
            return Err(Error::TooLarge {
                bytes: self.memory_bytes(),
                limit: (MAX_FILTER_LEN * 64) as u64,
            });
        }
        Ok(())
    }

    /// |F| of the larger of the two bases built (in→out and in→in).
    fn filter_len(&self) -> u128 {
        let m = self.m as u128;
        match self.group {
            GroupKind::Trivial | GroupKind::Sn => {
                let pow = |o: usize| m.saturating_pow(o as u32);
                pow(self.order_in) * pow(self.order_in).max(pow(self.order_out))
            }
            GroupKind::C4 | GroupKind::Translation => 16 * (self.kernel * self.kernel) as u128,
        }
    }

    /// Estimated peak memory: about 64 bytes per filter entry, plus the row and column sums of
    /// the expanded operators.
    pub fn memory_bytes(&self) -> u64 {
        let grid = match self.group {
            GroupKind::C4 | GroupKind::Translation => 4 * (self.m * self.m) as u128,
            _ => 0,
        };
        ((self.filter_len() + grid) * 64).min(u64::MAX as u128) as u64
    }
}

/// What the `basis` command reports about one element.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ElementReport {
    /// Canonical orbit key: the S_m equality pattern of (y; x) with first-occurrence letters,
    /// the index tuple for the trivial group, (o_out, o_in, δ) for convolutions, `I` for the
    /// identity.
    pub key: String,
    /// Orbit size in filter space.
    pub orbit_size: usize,
    /// Row count r_k (the normalisation divisor).
    pub row_count: usize,
    /// Non-zero entries of the expanded operator.
    pub nonzeros: usize,
    /// Upper bound on the spectral norm (exact for S_m and trivial orbits).
    pub norm_bound: f64,
    /// Whether this is the identity element.
    pub is_identity: bool,
}

/// Sizes and contents of the bases B_{in→out} and B_{in→in} for one group and orders.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BasisReport {
    /// The settings.
    pub config: BasisConfig,
    /// Input field dimension.
    pub dim_in: usize,
    /// Output field dimension.
    pub dim_out: usize,
    /// K = |B_{in→out}|.
    pub size: usize,
    /// K' = |B_{in→in}| (the first layer of a random block).
    pub square_size: usize,
    /// β of B_{in→out}.
    pub beta: f64,
    /// β of B_{in→in}.
    pub square_beta: f64,
    /// Whether B_{in→in} needed the identity fix.
    pub identity_fixed: bool,
    /// The elements of B_{in→out}.
    pub elements: Vec<ElementReport>,
    /// The elements of B_{in→in}.
    pub square_elements: Vec<ElementReport>,
}

/// The `basis` command: validate, build B_{in→out} and B_{in→in}, describe their elements.
pub fn basis_report(config: &BasisConfig) -> Result<BasisReport> {
    config.validate()?;
    let group = Group {
        kind: config.group,
        m: config.m,
    };
    let basis = group_basis(group, config.order_in, config.order_out, config.kernel)?;
    let square = group_basis(group, config.order_in, config.order_in, config.kernel)?;
    let describe = |b: &Basis, order_out: usize| -> Vec<ElementReport> {
        b.elements
            .iter()
            .map(|e| {
                let mut nonzeros = 0;
                for &(f, _) in &e.filter {
                    b.kernel.for_each_position(f as usize, |_, _| nonzeros += 1);
                }
                ElementReport {
                    key: if e.is_identity {
                        "I".into()
                    } else {
                        element_key(config, &b.kernel, e.representative, order_out)
                    },
                    orbit_size: e.orbit_size,
                    row_count: e.row_count,
                    nonzeros,
                    norm_bound: e.norm_bound,
                    is_identity: e.is_identity,
                }
            })
            .collect()
    };
    Ok(BasisReport {
        config: config.clone(),
        dim_in: basis.kernel.cols(),
        dim_out: basis.kernel.rows(),
        size: basis.len(),
        square_size: square.len(),
        beta: basis.beta(),
        square_beta: square.beta(),
        identity_fixed: square.identity_fixed,
        elements: describe(&basis, config.order_out),
        square_elements: describe(&square, config.order_in),
    })
}

/// The canonical key of the orbit with representative `f`.
fn element_key(config: &BasisConfig, kernel: &Kernel, f: usize, order_out: usize) -> String {
    let (a, b, ti, tj) = kernel.decode(f);
    match (config.group, kernel) {
        (GroupKind::Sn | GroupKind::Trivial, Kernel::Dense { .. }) => {
            let order_in = config.order_in;
            let y = tuple_digits(a, config.m, order_out);
            let x = tuple_digits(b, config.m, order_in);
            let shown: Vec<String> = if config.group == GroupKind::Sn {
                equality_pattern(&[y.clone(), x.clone()].concat())
                    .into_iter()
                    .map(|l| ((b'a' + l as u8) as char).to_string())
                    .collect()
            } else {
                y.iter().chain(&x).map(|d| d.to_string()).collect()
            };
            let (ys, xs) = shown.split_at(y.len());
            format!("y=({}) x=({})", ys.join(","), xs.join(","))
        }
        (_, Kernel::Conv { size, .. }) => {
            let r = (*size / 2) as isize;
            format!("o'={a} o={b} δ=({},{})", ti as isize - r, tj as isize - r)
        }
        _ => format!("{f}"),
    }
}

/// First-occurrence relabelling of a tuple: (3, 1, 3, 0) ↦ (0, 1, 0, 2). Two index tuples lie
/// in the same S_m orbit iff their patterns are equal.
pub fn equality_pattern(tuple: &[usize]) -> Vec<usize> {
    let mut seen: Vec<usize> = Vec::new();
    tuple
        .iter()
        .map(|v| match seen.iter().position(|s| s == v) {
            Some(p) => p,
            None => {
                seen.push(*v);
                seen.len() - 1
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::{rank, spectral_norm};
    use std::collections::HashSet;

    fn sn(m: usize) -> Group {
        Group {
            kind: GroupKind::Sn,
            m,
        }
    }

    fn c4(m: usize) -> Group {
        Group {
            kind: GroupKind::C4,
            m,
        }
    }

    /// Number of distinct equality patterns of (y, x) over [m]^(k+l): the orbit count of S_m
    /// computed without the union-find.
    fn pattern_count(m: usize, order_in: usize, order_out: usize) -> usize {
        let len = order_in + order_out;
        (0..m.pow(len as u32))
            .map(|i| equality_pattern(&tuple_digits(i, m, len)))
            .collect::<HashSet<_>>()
            .len()
    }

    /// Spec §8 item 1: S_5 orbit counts are the Bell numbers Bell(k + l) (2, 5, 5, 15, 2),
    /// S_3 2→2 has 14 (pitfall 2); C4 kernel counts are (k² + 3)/4, k², 4k² (3/9/36 at k = 3,
    /// 7/25/100 at k = 5); translations give the k² taps.
    #[test]
    fn orbit_counts() {
        for (m, k, l, bell) in [
            (5, 1, 1, 2),
            (5, 1, 2, 5),
            (5, 2, 1, 5),
            (5, 2, 2, 15),
            (5, 2, 0, 2),
            (3, 2, 2, 14),
        ] {
            let b = group_basis(sn(m), k, l, 1).unwrap();
            assert_eq!(b.len(), bell, "S_{m} {k}→{l}");
            assert_eq!(pattern_count(m, k, l), bell, "patterns S_{m} {k}→{l}");
        }
        for k in [3usize, 5] {
            let sizes =
                [(0, 0), (0, 1), (1, 1)].map(|(i, o)| group_basis(c4(7), i, o, k).unwrap().len());
            // (k² + 3)/4 for odd k: the centre tap plus (k² − 1)/4 orbits of four taps.
            assert_eq!(sizes, [(k * k).div_ceil(4), k * k, 4 * k * k], "k = {k}");
        }
        assert_eq!(group_basis(c4(7), 0, 0, 3).unwrap().len(), 3);
        assert_eq!(group_basis(c4(7), 1, 1, 5).unwrap().len(), 100);
        let t = Group {
            kind: GroupKind::Translation,
            m: 6,
        };
        assert_eq!(group_basis(t, 0, 0, 3).unwrap().len(), 9);
        assert_eq!(group_basis(t, 0, 0, 4).unwrap().len(), 16);
    }

    /// Row-major dense matrices of the elements.
    fn dense(b: &Basis) -> Vec<Vec<f64>> {
        b.elements
            .iter()
            .map(|e| b.kernel.to_dense(&e.filter))
            .collect()
    }

    /// Nullity of X ↦ (X P_in(g) − P_out(g) X)_g restricted to span(atoms): the dimension of
    /// the equivariant maps inside that span, from the group action alone.
    fn equivariant_dimension(atoms: &[Vec<f64>], out: &FieldType, inp: &FieldType) -> usize {
        let (rows, cols) = (out.dim, inp.dim);
        let gens = out.generators.len();
        // Column a of the constraint matrix: the commutators of atom a, stacked over g.
        let height = gens * rows * cols;
        let mut m = vec![0.0; height * atoms.len()];
        for (a, atom) in atoms.iter().enumerate() {
            for g in 0..gens {
                let (po, pi) = (&out.generators[g], &inp.generators[g]);
                for y in 0..rows {
                    for x in 0..cols {
                        // (P_out A P_in⁻¹)[π(y), π(x)] = A[y, x]; equivariance: that equals A.
                        let moved = atom[y * cols + x];
                        let here = atom[po[y] as usize * cols + pi[x] as usize];
                        let row = (g * rows + y) * cols + x;
                        m[row * atoms.len() + a] = here - moved;
                    }
                }
            }
        }
        atoms.len() - rank(&m, height, atoms.len(), 1e-10)
    }

    /// Spec §8 item 2: every element commutes exactly (difference 0 in f64) with the generators,
    /// the elements are linearly independent, and their number is the dimension of the
    /// equivariant maps (all maps for S_m; kernel-supported convolutions for C4).
    #[test]
    fn bases_are_equivariant_independent_and_complete() {
        let mut cases: Vec<(Group, usize, usize, usize)> = vec![
            (sn(5), 1, 1, 1),
            (sn(5), 1, 2, 1),
            (sn(5), 2, 1, 1),
            (sn(4), 2, 2, 1),
            (sn(3), 2, 2, 1),
            (sn(5), 2, 0, 1),
            (sn(8), 1, 1, 1),
        ];
        for (i, o) in [(0, 0), (0, 1), (1, 1), (1, 0)] {
            cases.push((c4(5), i, o, 3));
        }
        cases.push((
            Group {
                kind: GroupKind::Translation,
                m: 5,
            },
            0,
            0,
            3,
        ));
        for (group, k, l, kernel) in cases {
            let b = group_basis(group, k, l, kernel).unwrap();
            let (inp, out) = (group.field(k).unwrap(), group.field(l).unwrap());
            let mats = dense(&b);
            let (rows, cols) = (b.kernel.rows(), b.kernel.cols());
            for (e, m) in mats.iter().enumerate() {
                for g in 0..inp.generators.len() {
                    // b(g·x) = g·(b x) for the unit vectors x, compared exactly.
                    for x in 0..cols {
                        let mut ex = vec![0.0; cols];
                        ex[x] = 1.0;
                        let mut gx = vec![0.0; cols];
                        inp.act(g, &ex, &mut gx);
                        let bgx: Vec<f64> = (0..rows)
                            .map(|r| (0..cols).map(|c| m[r * cols + c] * gx[c]).sum())
                            .collect();
                        let bx: Vec<f64> = (0..rows).map(|r| m[r * cols + x]).collect();
                        let mut gbx = vec![0.0; rows];
                        out.act(g, &bx, &mut gbx);
                        assert_eq!(bgx, gbx, "{group:?} {k}→{l} element {e}");
                    }
                }
            }
            let flat: Vec<f64> = mats.concat();
            assert_eq!(
                rank(&flat, b.len(), rows * cols, 1e-10),
                b.len(),
                "{group:?} {k}→{l}"
            );
            // Atoms: every matrix unit (dense maps) or every kernel entry (convolutions).
            let atoms: Vec<Vec<f64>> = (0..b.kernel.len())
                .map(|f| b.kernel.to_dense(&[(f as u32, 1.0)]))
                .collect();
            assert_eq!(
                equivariant_dimension(&atoms, &out, &inp),
                b.len(),
                "{group:?} {k}→{l}"
            );
        }
    }

    /// Spec §8 item 3: I ∈ B_{i→i} for every square basis the targets use, exactly, with the
    /// identity fix needed exactly for S_m 2→2 (and the trivial group on R^m, m > 1).
    #[test]
    fn identity_is_an_element_of_every_square_basis() {
        for target in crate::targets::TargetKind::ALL {
            let arch = target.architecture(target.default_hidden()).unwrap();
            for layer in &arch.layers {
                let sq = &layer.square;
                let id = sq.identity.expect("identity present");
                let m = sq.kernel.to_dense(&sq.elements[id].filter);
                let d = sq.kernel.rows();
                for r in 0..d {
                    for c in 0..d {
                        assert_eq!(m[r * d + c], f64::from(u8::from(r == c)), "{target:?}");
                    }
                }
            }
        }
        assert!(group_basis(sn(5), 2, 2, 1).unwrap().identity_fixed);
        assert!(!group_basis(sn(8), 1, 1, 1).unwrap().identity_fixed);
        assert!(!group_basis(c4(8), 1, 1, 3).unwrap().identity_fixed);
        let trivial = Group {
            kind: GroupKind::Trivial,
            m: 3,
        };
        let b = group_basis(trivial, 1, 1, 1).unwrap();
        assert!(b.identity_fixed && b.len() == 9);
    }

    /// β: the Schur bound is never below the exact spectral norm, and equals it for the S_m
    /// orbits (biregular patterns).
    #[test]
    fn norm_bounds_hold_and_are_exact_for_permutation_orbits() {
        for (group, k, l, kernel) in [
            (sn(5), 2, 2, 1),
            (sn(5), 2, 0, 1),
            (sn(5), 1, 2, 1),
            (sn(8), 1, 1, 1),
            (c4(8), 1, 1, 3),
            (c4(8), 0, 0, 3),
        ] {
            let b = group_basis(group, k, l, kernel).unwrap();
            for e in &b.elements {
                let m = b.kernel.to_dense(&e.filter);
                let exact = spectral_norm(&m, b.kernel.rows(), b.kernel.cols());
                assert!(exact <= e.norm_bound * (1.0 + 1e-12), "{group:?}");
                if group.kind == GroupKind::Sn {
                    assert!((exact - e.norm_bound).abs() < 1e-12, "{group:?} {k}→{l}");
                }
            }
        }
    }

    #[test]
    fn the_basis_command_refuses_bad_settings() {
        let cfg = |group, m, order_in, order_out, kernel| BasisConfig {
            group,
            m,
            order_in,
            order_out,
            kernel,
        };
        assert_eq!(
            cfg(GroupKind::Sn, 3, 2, 2, 3).validate(),
            Err(Error::MTooSmall {
                m: 3,
                order_in: 2,
                order_out: 2,
                minimum: 4
            })
        );
        assert_eq!(
            cfg(GroupKind::C4, 8, 0, 1, 4).validate(),
            Err(Error::EvenKernel { kernel: 4 })
        );
        assert!(matches!(
            cfg(GroupKind::C4, 2, 0, 1, 3).validate(),
            Err(Error::MTooSmall { minimum: 3, .. })
        ));
        assert!(matches!(
            cfg(GroupKind::C4, 8, 0, 2, 3).validate(),
            Err(Error::UnsupportedOrder { max: 1, .. })
        ));
        assert!(matches!(
            cfg(GroupKind::Sn, 200, 3, 3, 3).validate(),
            Err(Error::TooLarge { .. })
        ));
        let r = basis_report(&cfg(GroupKind::Sn, 5, 2, 2, 3)).unwrap();
        assert_eq!((r.size, r.square_size, r.dim_in), (15, 15, 25));
        assert!(r.identity_fixed && r.elements.iter().filter(|e| e.is_identity).count() == 1);
        // The orbits partition the 625 entries; the identity (25 entries) replaced the 5-entry
        // orbit {y1 = y2 = x1 = x2}.
        assert_eq!(
            r.elements.iter().map(|e| e.nonzeros).sum::<usize>(),
            625 + 25 - 5
        );
        let c = basis_report(&cfg(GroupKind::C4, 8, 0, 1, 3)).unwrap();
        assert_eq!((c.size, c.square_size), (9, 3));
    }
}
