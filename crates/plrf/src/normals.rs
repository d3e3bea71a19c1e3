//! Standard normal draws for the samplers: a 256-layer ziggurat over whole vectors.

use lab::seed::Rng;
use rand::{Rng as _, RngExt};

/// Fills `out` with independent N(0, 1) draws by the 256-layer ziggurat (Marsaglia & Tsang
/// 2000, as in `rand_distr`): one u64 per entry from a local copy of the generator (its
/// state stays in registers), each turned into a draw at once where it falls inside its
/// layer's rectangle; the rare others are finished afterwards, in order, drawing afresh from
/// `rng` (so the stream is: d u64, then the rejections' extra draws).
#[inline(always)]
pub(crate) fn fill_normals(rng: &mut Rng, out: &mut [f64]) {
    let zig = &*ZIGGURAT;
    let mut local = rng.clone();
    let (mut few, mut count, mut more) = ([0u32; 32], 0, Vec::new());
    for (k, x) in out.iter_mut().enumerate() {
        let bits = local.next_u64();
        match zig.fast(bits) {
            Some(draw) => *x = draw,
            None => {
                *x = f64::from_bits(bits);
                if count < few.len() {
                    few[count] = k as u32;
                    count += 1;
                } else {
                    more.push(k);
                }
            }
        }
    }
    *rng = local;
    for k in few[..count].iter().map(|&k| k as usize).chain(more) {
        out[k] = zig.draw(rng, out[k].to_bits());
    }
}

/// One N(0, 1) draw (see [`fill_normals`]).
#[inline(always)]
pub(crate) fn normal(rng: &mut Rng) -> f64 {
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

    /// The draw of the u64 `bits` where it needs nothing else: layer i from the low 8 bits, a
    /// signed uniform u from the high 52, x = u·x_i, inside the layer's rectangle.
    #[inline(always)]
    fn fast(&self, bits: u64) -> Option<f64> {
        let (i, u) = Self::layer(bits);
        let x = u * self.x[i];
        (x.abs() < self.x[i + 1]).then_some(x)
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
            normal(rng)
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
    fn one_pass_fill_gives_the_two_pass_stream() {
        // Reference: all u64 first, then each turned into a draw in order, the rejections
        // drawing afresh from the generator (the stream fill_normals documents). 2·10⁵ draws
        // in vectors of 1..=2000 entries (about 30 rejections are expected per 2000, so the
        // long ones often overflow the 32 indices kept on the stack).
        let zig = &*ZIGGURAT;
        let (mut rng, mut reference) = (
            Seed(8).stream("test.fill", 0),
            Seed(8).stream("test.fill", 0),
        );
        let mut total = 0;
        for len in (1..=2000).step_by(37).cycle().take(200) {
            let mut got = vec![0.0; len];
            fill_normals(&mut rng, &mut got);
            let bits: Vec<u64> = (0..len).map(|_| reference.next_u64()).collect();
            let want: Vec<f64> = bits.iter().map(|&b| zig.draw(&mut reference, b)).collect();
            assert_eq!(
                got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "length {len}"
            );
            total += len;
        }
        assert_eq!(rng.next_u64(), reference.next_u64(), "the streams parted");
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
        let mut rng = Seed(12).stream("test.normals", 0);
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
}
