//! The samplers' random source ([`SamplerRng`]) and their standard normal draws: a 256-layer
//! ziggurat over whole vectors.

use lab::seed::Rng;
use rand::{Rng as _, RngExt, SeedableRng};
use rand_xoshiro::SplitMix64;

/// Lanes of [`SamplerRng`]'s bulk generator.
const LANES: usize = 8;

/// The samplers' random source: xoshiro256++ in eight independent lanes for the bulk u64
/// of whole vectors of normals (one u64 per lane per round, so the lanes advance side by side
/// in vector registers), and the run's own generator for everything else (ξ, the ziggurat's
/// rare extra draws). One xoshiro256++ produces a u64 only as fast as its chain of dependent
/// state updates allows (≈ 0.9 ns); eight side by side, eight in about the same time.
pub struct SamplerRng {
    /// Lane states, structure of arrays: `lanes[w][l]` is word w of lane l's state.
    lanes: [[u64; LANES]; 4],
    /// The run's generator.
    rng: Rng,
}

impl SamplerRng {
    /// From a run's generator: lane l is `Xoshiro256PlusPlus::seed_from_u64(s_l)` (its state:
    /// four SplitMix64 outputs from s_l, Vigna's recommended seeding), s_0..s_7 the next eight
    /// u64 of `rng`, which then goes on as the scalar source.
    pub fn new(mut rng: Rng) -> Self {
        let mut lanes = [[0; LANES]; 4];
        for l in 0..LANES {
            let mut seeder = SplitMix64::seed_from_u64(rng.next_u64());
            for word in &mut lanes {
                word[l] = seeder.next_u64();
            }
        }
        SamplerRng { lanes, rng }
    }
}

/// One round of the lanes (`lanes[w][l]`: word w of lane l's state): each lane's next
/// xoshiro256++ output.
#[inline(always)]
fn round(lanes: &mut [[u64; LANES]; 4]) -> [u64; LANES] {
    let mut out = [0; LANES];
    for l in 0..LANES {
        let (s0, s1, s2, s3) = (lanes[0][l], lanes[1][l], lanes[2][l], lanes[3][l]);
        out[l] = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
        let t = s1 << 17;
        let (s2, s3) = (s2 ^ s0, s3 ^ s1);
        let (s1, s0) = (s1 ^ s2, s0 ^ s3);
        lanes[0][l] = s0;
        lanes[1][l] = s1;
        lanes[2][l] = s2 ^ t;
        lanes[3][l] = s3.rotate_left(45);
    }
    out
}

/// [`round`] in AVX-512 registers, eight lanes in one (the compiler keeps the lanes apart
/// otherwise): the same integer operations, so the same outputs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn round_avx512(lanes: &mut [[u64; LANES]; 4]) -> [u64; LANES] {
    use std::arch::x86_64::*;
    let mut out = [0; LANES];
    // SAFETY: each word of the state is eight u64, as is `out`.
    unsafe {
        let [s0, s1, s2, s3] = lanes
            .each_ref()
            .map(|w| _mm512_loadu_si512(w.as_ptr().cast()));
        let sum = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(s0, s3)), s0);
        _mm512_storeu_si512(out.as_mut_ptr().cast(), sum);
        let t = _mm512_slli_epi64::<17>(s1);
        let (s2, s3) = (_mm512_xor_si512(s2, s0), _mm512_xor_si512(s3, s1));
        let (s1, s0) = (_mm512_xor_si512(s1, s2), _mm512_xor_si512(s0, s3));
        let next = [s0, s1, _mm512_xor_si512(s2, t), _mm512_rol_epi64::<45>(s3)];
        for (w, x) in lanes.iter_mut().zip(next) {
            _mm512_storeu_si512(w.as_mut_ptr().cast(), x);
        }
    }
    out
}

/// [`round`] in AVX2 registers, four lanes in each of two (rotations by shifts): the same
/// integer operations, so the same outputs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn round_avx2(lanes: &mut [[u64; LANES]; 4]) -> [u64; LANES] {
    use std::arch::x86_64::*;
    let rotl = |x: __m256i, k: i32| {
        _mm256_or_si256(
            _mm256_sll_epi64(x, _mm_cvtsi32_si128(k)),
            _mm256_srl_epi64(x, _mm_cvtsi32_si128(64 - k)),
        )
    };
    let mut out = [0; LANES];
    for half in 0..2 {
        // SAFETY: each word's half and `out`'s half are four u64.
        unsafe {
            let [s0, s1, s2, s3] = lanes
                .each_ref()
                .map(|w| _mm256_loadu_si256(w[4 * half..].as_ptr().cast()));
            let sum = _mm256_add_epi64(rotl(_mm256_add_epi64(s0, s3), 23), s0);
            _mm256_storeu_si256(out[4 * half..].as_mut_ptr().cast(), sum);
            let t = _mm256_slli_epi64::<17>(s1);
            let (s2, s3) = (_mm256_xor_si256(s2, s0), _mm256_xor_si256(s3, s1));
            let (s1, s0) = (_mm256_xor_si256(s1, s2), _mm256_xor_si256(s0, s3));
            let next = [s0, s1, _mm256_xor_si256(s2, t), rotl(s3, 45)];
            for (w, x) in lanes.iter_mut().zip(next) {
                _mm256_storeu_si256(w[4 * half..].as_mut_ptr().cast(), x);
            }
        }
    }
    out
}

/// Fills `out` with independent N(0, 1) draws by the 256-layer ziggurat (Marsaglia & Tsang
/// 2000, as in `rand_distr`): entry k takes its u64 from lane k mod 8 of round ⌊k/8⌋ (a
/// vector of n entries uses ⌈n/8⌉ rounds; the unused outputs of the last are dropped), and
/// is a draw at once where it falls inside its layer's rectangle; the rare others are finished
/// afterwards, in order, drawing afresh from the run's generator. Runs in an AVX-512 or AVX2
/// copy where the CPU has it (the same integer and f64 operations, so the same bits).
#[inline]
pub(crate) fn fill_normals(rng: &mut SamplerRng, out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F.
            return unsafe { fill_avx512(rng, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2.
            return unsafe { fill_avx2(rng, out) };
        }
    }
    fill::<PLAIN>(rng, out)
}

/// [`fill`] with the round and the candidates in AVX-512 registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fill_avx512(rng: &mut SamplerRng, out: &mut [f64]) {
    fill::<AVX512>(rng, out)
}

/// [`fill`] with the round and the candidates in AVX2 registers (four lanes to a register).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_avx2(rng: &mut SamplerRng, out: &mut [f64]) {
    fill::<AVX2>(rng, out)
}

/// Copy of [`fill`]: plain code.
const PLAIN: u8 = 0;
/// Copy of [`fill`]: the round and the candidates in AVX2 registers.
const AVX2: u8 = 1;
/// Copy of [`fill`]: the round and the candidates in AVX-512 registers.
const AVX512: u8 = 2;

/// [`fill_normals`]'s body; `ISA`: [`PLAIN`], [`AVX2`] or [`AVX512`].
#[inline(always)]
fn fill<const ISA: u8>(rng: &mut SamplerRng, out: &mut [f64]) {
    let zig = &*ZIGGURAT;
    let n = out.len();
    let mut lanes = rng.lanes;
    let mut rejected = Rejected::default();
    let (full, tail) = out.as_chunks_mut::<LANES>();
    for (c, chunk) in full.iter_mut().enumerate() {
        place::<ISA>(zig, &mut lanes, chunk, c * LANES, n, &mut rejected);
    }
    if !tail.is_empty() {
        let mut chunk = [0.0; LANES];
        place::<ISA>(
            zig,
            &mut lanes,
            &mut chunk,
            n - tail.len(),
            n,
            &mut rejected,
        );
        tail.copy_from_slice(&chunk[..tail.len()]);
    }
    rng.lanes = lanes;
    for k in rejected.indices() {
        out[k] = zig.draw(&mut rng.rng, out[k].to_bits());
    }
}

/// One round into the eight entries of `chunk` (entries base.. of a vector of n): all lanes
/// without branches (so the round stays in vector registers), then the rare entries outside
/// their rectangle, their u64 kept in place for later (those at or past n are dropped).
#[inline(always)]
fn place<const ISA: u8>(
    zig: &Ziggurat,
    lanes: &mut [[u64; LANES]; 4],
    chunk: &mut [f64; LANES],
    base: usize,
    n: usize,
    rejected: &mut Rejected,
) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `fill::<AVX512>` and `fill::<AVX2>` run only where the CPU has them.
    let bits = match ISA {
        AVX512 => unsafe { round_avx512(lanes) },
        AVX2 => unsafe { round_avx2(lanes) },
        _ => round(lanes),
    };
    #[cfg(not(target_arch = "x86_64"))]
    let bits = round(lanes);
    let outside;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `fill::<AVX512>` and `fill::<AVX2>` run only where the CPU has them.
    match ISA {
        AVX512 => (*chunk, outside) = unsafe { zig.candidates_avx512(&bits) },
        AVX2 => (*chunk, outside) = unsafe { zig.candidates_avx2(&bits) },
        _ => (*chunk, outside) = zig.candidates(&bits),
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        (*chunk, outside) = zig.candidates(&bits);
    }
    if outside != 0 {
        for l in (0..LANES).filter(|&l| outside >> l & 1 == 1 && base + l < n) {
            chunk[l] = f64::from_bits(bits[l]);
            rejected.push(base + l);
        }
    }
}

/// Indices of a vector's entries outside their rectangle, in order: the first 32 on the
/// stack (about 6 are expected per 500 entries).
#[derive(Default)]
struct Rejected {
    few: [u32; 32],
    count: usize,
    more: Vec<usize>,
}

impl Rejected {
    /// Records entry k.
    #[inline(always)]
    fn push(&mut self, k: usize) {
        if self.count < self.few.len() {
            self.few[self.count] = k as u32;
            self.count += 1;
        } else {
            self.more.push(k);
        }
    }

    /// The recorded entries, in order.
    fn indices(self) -> impl Iterator<Item = usize> {
        let few = self.few;
        (0..self.count)
            .map(move |i| few[i] as usize)
            .chain(self.more)
    }
}

/// One N(0, 1) draw from the run's generator (the ziggurat, one u64 and the rare extras).
#[inline(always)]
pub(crate) fn normal(rng: &mut SamplerRng) -> f64 {
    scalar_normal(&mut rng.rng)
}

/// One N(0, 1) draw from `rng` by the ziggurat.
#[inline(always)]
fn scalar_normal(rng: &mut Rng) -> f64 {
    let bits = rng.next_u64();
    ZIGGURAT.draw(rng, bits)
}

/// The ziggurat's layer edges x_i (x_0 = V/f(R), x_1 = R, x_256 = 0) and f(x_i) = e^{−x_i²/2}.
struct Ziggurat {
    x: [f64; 257],
    f: [f64; 257],
}

/// The tables, built once from R and V in f64 (top layer's area equals V to ~1e-13).
static ZIGGURAT: std::sync::LazyLock<Ziggurat> = std::sync::LazyLock::new(Ziggurat::new);

impl Ziggurat {
    /// Right edge of the base layer.
    const R: f64 = 3.654152885361009;
    /// Area of each layer: R·f(R) + √(π/2)·erfc(R/√2).
    const V: f64 = 4.928673233974655e-3;

    /// Layer edges by the recurrence x_{i+1} = f⁻¹(V/x_i + f(x_i)).
    fn new() -> Ziggurat {
        let f = |x: f64| (-0.5 * x * x).exp();
        let mut x = [0.0; 257];
        x[0] = Self::V / f(Self::R);
        x[1] = Self::R;
        for i in 1..255 {
            x[i + 1] = (-2.0 * (Self::V / x[i] + f(x[i])).ln()).sqrt();
        }
        Ziggurat { x, f: x.map(f) }
    }

    /// The draw of the u64 `bits` where it needs nothing else ([`Self::candidate`] inside its
    /// rectangle).
    #[inline(always)]
    fn fast(&self, bits: u64) -> Option<f64> {
        let (x, inside) = self.candidate(bits);
        inside.then_some(x)
    }

    /// [`Self::candidate`] of eight u64, and a mask of those outside (bit l for entry l).
    #[inline(always)]
    fn candidates(&self, bits: &[u64; LANES]) -> ([f64; LANES], u8) {
        let (mut draws, mut outside) = ([0.0; LANES], 0);
        for l in 0..LANES {
            let inside;
            (draws[l], inside) = self.candidate(bits[l]);
            outside |= u8::from(!inside) << l;
        }
        (draws, outside)
    }

    /// [`Self::candidates`] in AVX-512 registers: the same operations, so the same bits. The
    /// sixteen table entries are loaded one by one ([`Self::layer_edges`]): the compiler's
    /// alternative, two gather instructions, made the whole step twice as slow on Zen 4.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn candidates_avx512(&self, bits: &[u64; LANES]) -> ([f64; LANES], u8) {
        use std::arch::x86_64::*;
        let (mut draws, edge) = self.layer_edges(bits);
        // SAFETY: each array is eight u64 or f64.
        unsafe {
            let b = _mm512_loadu_si512(bits.as_ptr().cast());
            let high = _mm512_or_si512(_mm512_srli_epi64::<12>(b), _mm512_set1_epi64(1 << 62));
            let u = _mm512_sub_pd(_mm512_castsi512_pd(high), _mm512_set1_pd(3.0));
            let x = _mm512_mul_pd(u, _mm512_loadu_pd(draws.as_ptr()));
            let inside =
                _mm512_cmp_pd_mask::<_CMP_LT_OQ>(_mm512_abs_pd(x), _mm512_loadu_pd(edge.as_ptr()));
            _mm512_storeu_pd(draws.as_mut_ptr(), x);
            (draws, !inside)
        }
    }

    /// [`Self::candidates_avx512`] in two AVX2 registers of four.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    fn candidates_avx2(&self, bits: &[u64; LANES]) -> ([f64; LANES], u8) {
        use std::arch::x86_64::*;
        let (mut draws, edge) = self.layer_edges(bits);
        let mut outside = 0;
        for half in (0..LANES).step_by(4) {
            // SAFETY: each slice from `half` holds four u64 or f64.
            unsafe {
                let b = _mm256_loadu_si256(bits[half..].as_ptr().cast());
                let high = _mm256_or_si256(_mm256_srli_epi64::<12>(b), _mm256_set1_epi64x(1 << 62));
                let u = _mm256_sub_pd(_mm256_castsi256_pd(high), _mm256_set1_pd(3.0));
                let x = _mm256_mul_pd(u, _mm256_loadu_pd(draws[half..].as_ptr()));
                let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
                let inside =
                    _mm256_cmp_pd::<_CMP_LT_OQ>(abs, _mm256_loadu_pd(edge[half..].as_ptr()));
                _mm256_storeu_pd(draws[half..].as_mut_ptr(), x);
                outside |= ((!_mm256_movemask_pd(inside) & 0xf) as u8) << half;
            }
        }
        (draws, outside)
    }

    /// x_i and x_{i+1} of each u64's layer i, loaded one by one (the compiler's alternative,
    /// gather instructions, is slow on Zen 4).
    #[inline(always)]
    fn layer_edges(&self, bits: &[u64; LANES]) -> ([f64; LANES], [f64; LANES]) {
        let i = bits.map(|b| (b & 0xff) as usize);
        (i.map(|i| self.x[i]), i.map(|i| self.x[i + 1]))
    }

    /// x = u·x_i of the u64 `bits` (layer i from the low 8 bits, a signed uniform u from the
    /// high 52) and whether it lies inside the layer's rectangle, |x| < x_{i+1}.
    #[inline(always)]
    fn candidate(&self, bits: u64) -> (f64, bool) {
        let (i, u) = Self::layer(bits);
        let x = u * self.x[i];
        (x, x.abs() < self.x[i + 1])
    }

    /// Layer i and signed uniform u of the u64 `bits`.
    #[inline(always)]
    fn layer(bits: u64) -> (usize, f64) {
        let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
        ((bits & 0xff) as usize, u)
    }

    /// One draw from the u64 `bits`: [`Self::fast`], else the edge (with fresh draws).
    #[inline(always)]
    fn draw(&self, rng: &mut Rng, bits: u64) -> f64 {
        self.fast(bits).unwrap_or_else(|| {
            let (i, u) = Self::layer(bits);
            self.edge(rng, i, u, u * self.x[i])
        })
    }

    /// The rare rest of the ziggurat: the tail beyond R (layer 0) or the wedge test, and on
    /// rejection a fresh draw.
    #[cold]
    #[inline(never)]
    fn edge(&self, rng: &mut Rng, i: usize, u: f64, x: f64) -> f64 {
        if i == 0 {
            // Marsaglia's tail method.
            loop {
                let t = open01(rng).ln() / Self::R;
                let y = open01(rng).ln();
                if -2.0 * y >= t * t {
                    return if u < 0.0 { t - Self::R } else { Self::R - t };
                }
            }
        }
        let v: f64 = rng.random();
        if self.under_curve(i, x.abs(), self.f[i + 1] + (self.f[i] - self.f[i + 1]) * v) {
            x
        } else {
            scalar_normal(rng)
        }
    }

    /// Whether the point (a, y) of layer i's wedge (x_{i+1} ≤ a ≤ x_i) lies under the curve:
    /// y < e^{−a²/2}. Where the layer is wholly convex (x_{i+1} ≥ 1) or concave (x_i ≤ 1),
    /// the chord and the tangent at one end bound the curve, and a point clear of both (by a
    /// relative 10⁻⁹, far beyond rounding) is decided without the exponential: the same
    /// answer, about 10 times cheaper.
    #[inline]
    fn under_curve(&self, i: usize, a: f64, y: f64) -> bool {
        let (below, above) = self
            .wedge_bounds(i, a)
            .unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        const MARGIN: f64 = 1e-9;
        if y < below * (1.0 - MARGIN) {
            true
        } else if y >= above * (1.0 + MARGIN) {
            false
        } else {
            y < (-0.5 * a * a).exp()
        }
    }

    /// Lower and upper bounds of e^{−a²/2} at x_{i+1} ≤ a ≤ x_i where layer i is wholly
    /// convex (tangent at x_i below, chord above) or concave (chord below, tangent at x_{i+1}
    /// above); `None` for the layer that holds the inflection point a = 1.
    #[inline]
    fn wedge_bounds(&self, i: usize, a: f64) -> Option<(f64, f64)> {
        let (xl, xr, fl, fr) = (self.x[i + 1], self.x[i], self.f[i + 1], self.f[i]);
        let chord = fl + (fr - fl) * ((a - xl) / (xr - xl));
        if xl >= 1.0 {
            Some((fr * (1.0 - xr * (a - xr)), chord))
        } else if xr <= 1.0 {
            Some((chord, fl * (1.0 - xl * (a - xl))))
        } else {
            None
        }
    }
}

/// A uniform draw in the open interval (0, 1).
fn open01(rng: &mut Rng) -> f64 {
    rng.sample(rand::distr::Open01)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::seed::Seed;

    #[test]
    fn fill_gives_the_documented_stream() {
        // Reference, built from rand_xoshiro's own xoshiro256++: lane l seeded by
        // seed_from_u64 with the run's l-th u64; entry k of a vector takes lane k mod 8's
        // output of round ⌊k/8⌋ (a round draws from all eight lanes); then each u64 is turned
        // into a draw in order, the rejections drawing afresh from the run's generator.
        // 2·10⁵ draws in vectors of 1..=2000 entries (about 30 rejections are expected per
        // 2000, so the long ones often overflow the 32 indices kept on the stack), by every
        // copy of the fill this CPU can run: plain, AVX2, AVX-512.
        let zig = &*ZIGGURAT;
        let mut run = Seed(8).stream("test.fill", 0);
        type Fill = fn(&mut SamplerRng, &mut [f64]);
        let mut fills: Vec<(&str, Fill)> = vec![("plain", |r, o| fill::<PLAIN>(r, o))];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2.
                fills.push(("avx2", |r, o| unsafe { fill_avx2(r, o) }));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F.
                fills.push(("avx512", |r, o| unsafe { fill_avx512(r, o) }));
            }
        }
        let mut rngs: Vec<SamplerRng> =
            fills.iter().map(|_| SamplerRng::new(run.clone())).collect();
        let mut lanes: Vec<Rng> = (0..LANES)
            .map(|_| Rng::seed_from_u64(run.next_u64()))
            .collect();
        let as_bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let mut total = 0;
        for len in (1..=2000).step_by(37).cycle().take(200) {
            let mut bits = Vec::new();
            while bits.len() < len {
                bits.extend(lanes.iter_mut().map(|lane| lane.next_u64()));
            }
            let want: Vec<f64> = bits[..len].iter().map(|&b| zig.draw(&mut run, b)).collect();
            for ((name, fill), rng) in fills.iter().zip(&mut rngs) {
                let mut got = vec![0.0; len];
                fill(rng, &mut got);
                assert_eq!(as_bits(&got), as_bits(&want), "length {len}, {name} fill");
            }
            total += len;
        }
        let next = run.next_u64();
        let want: Vec<u64> = lanes.iter_mut().map(|lane| lane.next_u64()).collect();
        for ((name, _), rng) in fills.iter().zip(&mut rngs) {
            assert_eq!(rng.rng.next_u64(), next, "the streams parted, {name} fill");
            assert_eq!(
                round(&mut rng.lanes).to_vec(),
                want,
                "the lanes parted, {name} fill"
            );
        }
        assert!(total > 100_000);
    }

    #[test]
    fn wedge_bounds_decide_as_the_exponential_does() {
        // 10⁶ points in every layer's wedge, many within 1e-7 of the curve.
        let z = &*ZIGGURAT;
        let mut rng = Seed(3).stream("test.wedge", 0);
        let (mut quick, mut total) = (0, 0);
        for k in 0..1_000_000 {
            let i = 1 + k % 255;
            let a = z.x[i + 1] + (z.x[i] - z.x[i + 1]) * rng.random::<f64>();
            let f = (-0.5 * a * a).exp();
            let y = if k % 3 == 0 {
                f * (1.0 + 1e-7 * (rng.random::<f64>() - 0.5))
            } else {
                z.f[i + 1] + (z.f[i] - z.f[i + 1]) * rng.random::<f64>()
            };
            assert_eq!(z.under_curve(i, a, y), y < f, "layer {i}, a = {a}, y = {y}");
            if let (true, Some((below, above))) = (k % 3 != 0, z.wedge_bounds(i, a)) {
                total += 1;
                quick += usize::from(y < below || y >= above);
            }
        }
        // Most uniform wedge points are decided by the bounds alone.
        assert!(quick as f64 > 0.8 * total as f64, "{quick} of {total}");
    }

    #[test]
    fn ziggurat_layers_have_equal_areas_and_draws_have_normal_tails() {
        let z = &*ZIGGURAT;
        assert_eq!(z.x[256], 0.0);
        // Every layer i ≥ 1 (rectangle x_i·(f(x_{i+1}) − f(x_i))) has area V, the top one too.
        for i in 1..256 {
            let area = z.x[i] * (z.f[i + 1] - z.f[i]);
            assert!(
                (area / Ziggurat::V - 1.0).abs() < 1e-11,
                "layer {i}: {area}"
            );
        }
        // P(X > q) for 4·10⁶ draws within 5 standard errors, q on both sides of R.
        let n = 4_000_000;
        let mut rng = SamplerRng::new(Seed(12).stream("test.normals", 0));
        let mut draws = vec![0.0; n];
        fill_normals(&mut rng, &mut draws);
        let tails = [
            (0.0, 0.5),
            (1.0, 0.15865525393145707),
            (2.0, 0.02275013194817921),
            (3.0, 0.0013498980316300946),
            (4.0, 3.1671241833119857e-5),
        ];
        for (q, p) in tails {
            for sign in [1.0, -1.0] {
                let count = draws.iter().filter(|&&x| sign * x > q).count() as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt();
                assert!((count / n as f64 - p).abs() < 5.0 * se, "P(±X > {q})");
            }
        }
    }

    #[test]
    fn neighbouring_draws_are_uncorrelated() {
        // Entries 1..8 apart come from different lanes, 8 apart from one lane's successive
        // outputs: E[x_k x_{k+lag}] = 0 within 5 standard errors (1/√n each) over 4·10⁶ draws.
        let n = 4_000_000;
        let mut rng = SamplerRng::new(Seed(13).stream("test.lanes", 0));
        let mut x = vec![0.0; n + 16];
        fill_normals(&mut rng, &mut x);
        for lag in 1..=16 {
            let mean = (0..n).map(|k| x[k] * x[k + lag]).sum::<f64>() / n as f64;
            assert!(mean.abs() < 5.0 / (n as f64).sqrt(), "lag {lag}: {mean}");
        }
    }
}
