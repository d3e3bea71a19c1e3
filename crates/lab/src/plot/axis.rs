//! Axes: linear or logarithmic scales chosen per axis, their ranges and their ticks.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use std::ops::Range;

/// How values are placed along an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Equal distances for equal differences.
    Linear,
    /// Equal distances for equal ratios (base 10 ticks); only positive values can be drawn.
    Log,
}

/// A labelled axis with its scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Text under (x) or beside (y) the axis.
    pub label: String,
    /// Linear or logarithmic.
    pub scale: Scale,
}

impl Axis {
    /// A linear axis labelled `label`.
    pub fn linear(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            scale: Scale::Linear,
        }
    }

    /// A logarithmic axis labelled `label`.
    pub fn log(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            scale: Scale::Log,
        }
    }
}

/// Largest magnitude drawn on a linear axis: beyond it the axis span can overflow, and
/// plotters' tick search then never ends.
const MAX_LINEAR: f64 = 1e300;

/// Largest value (and inverse of the smallest) drawn on a log axis: the padded axis must span
/// fewer than ~308 decades, or the tick search overflows.
const MAX_LOG: f64 = 1e140;

impl Scale {
    /// Whether `v` can be placed on an axis of this scale: within [1/MAX_LOG, MAX_LOG] on a log
    /// axis, at most [`MAX_LINEAR`] in magnitude on a linear one (so non-finite values never are).
    pub(crate) fn drawable(self, v: f64) -> bool {
        match self {
            Scale::Log => (MAX_LOG.recip()..=MAX_LOG).contains(&v),
            Scale::Linear => v.abs() <= MAX_LINEAR,
        }
    }

    /// Axis limits covering the drawable `values` with a small margin (4% of the span, in the
    /// axis' own scale); a default range when there are none.
    pub(crate) fn range(self, values: impl Iterator<Item = f64>) -> (f64, f64) {
        let (lo, hi) = values
            .filter(|&v| self.drawable(v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if lo > hi {
            return match self {
                Scale::Log => (1.0, 10.0),
                Scale::Linear => (0.0, 1.0),
            };
        }
        match self {
            Scale::Log => {
                let (a, b) = (lo.ln(), hi.ln());
                let pad = if b > a {
                    0.04 * (b - a)
                } else {
                    std::f64::consts::LN_2
                };
                ((a - pad).exp(), (b + pad).exp())
            }
            Scale::Linear => {
                let pad = if hi > lo {
                    0.04 * (hi - lo)
                } else {
                    0.5 * lo.abs().max(1.0)
                };
                (lo - pad, hi + pad)
            }
        }
    }

    /// The position of `v` in `lo..hi` as a fraction (0 at `lo`, 1 at `hi`) in this scale.
    pub(crate) fn fraction(self, v: f64, (lo, hi): (f64, f64)) -> f64 {
        match self {
            Scale::Linear => (v - lo) / (hi - lo),
            Scale::Log => (v.ln() - lo.ln()) / (hi.ln() - lo.ln()),
        }
    }

    /// The value at fraction `t` of `lo..hi` in this scale (the inverse of [`Scale::fraction`]).
    pub(crate) fn at(self, t: f64, (lo, hi): (f64, f64)) -> f64 {
        match self {
            Scale::Linear => lo + t * (hi - lo),
            Scale::Log => (lo.ln() + t * (hi.ln() - lo.ln())).exp(),
        }
    }
}

/// A plotters coordinate for one axis: plotters' own linear mapping and ticks on a linear
/// axis; on a log axis the mapping of ln v, with ticks at 1, 2 and 5 times powers of ten when
/// the axis spans a decade or more and evenly spaced round values when it spans less.
#[derive(Clone, Debug)]
pub(crate) struct Coord {
    scale: Scale,
    range: (f64, f64),
    /// The linear mapping: of v on a linear axis, of ln v on a log axis.
    mapped: (f64, f64),
}

impl Coord {
    /// The axis `lo..hi` (both drawable) in `scale`.
    pub(crate) fn new(scale: Scale, (lo, hi): (f64, f64)) -> Coord {
        let mapped = match scale {
            Scale::Linear => (lo, hi),
            Scale::Log => (lo.ln(), hi.ln()),
        };
        Coord {
            scale,
            range: (lo, hi),
            mapped,
        }
    }

    /// The width of the range, used to round tick values near zero to zero (0 on log axes).
    pub(crate) fn span(&self) -> f64 {
        match self.scale {
            Scale::Linear => (self.range.1 - self.range.0).abs(),
            Scale::Log => 0.0,
        }
    }
}

impl Ranged for Coord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let v = match self.scale {
            Scale::Linear => *v,
            Scale::Log => v.ln(),
        };
        RangedCoordf64::from(self.mapped.0..self.mapped.1).map(&v, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let (lo, hi) = self.range;
        match self.scale {
            Scale::Linear => RangedCoordf64::from(lo..hi).key_points(hint.max_num_points()),
            Scale::Log if hint.weight().allow_light_points() => {
                log_light_ticks(lo, hi, hint.max_num_points())
            }
            Scale::Log => log_ticks(lo, hi, hint.max_num_points()),
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.0..self.range.1
    }
}

/// The labelled ticks of a log axis `lo..hi` (0 < lo < hi), at most `max` of them: 1, 2 and 5
/// times powers of ten if that gives at least three, thinned to powers of ten (every k-th) when
/// they are too many; on shorter axes the multiples of the largest round step (1, 2, 5 times a
/// power of ten) that gives at least four ticks and at most `max`.
pub(crate) fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) || max == 0 {
        return Vec::new();
    }
    let decades = decade_range(lo, hi);
    let pick = |mantissas: &[f64], every: i32| -> Vec<f64> {
        decades
            .clone()
            .filter(|k| k.rem_euclid(every) == 0)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|&v| within(v, lo, hi))
            .collect()
    };
    let one_two_five = pick(&[1.0, 2.0, 5.0], 1);
    if one_two_five.len() >= 3 {
        if one_two_five.len() <= max {
            return one_two_five;
        }
        let mut every = 1;
        loop {
            let powers = pick(&[1.0], every);
            if powers.len() <= max || every > 400 {
                return powers;
            }
            every += 1;
        }
    }
    round_steps(lo, hi, 4, max)
}

/// Light grid lines of a log axis: every integer mantissa on longer axes when at most `max`,
/// else every power of ten; on shorter axes a finer round step than the labelled ticks.
fn log_light_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) || max == 0 {
        return Vec::new();
    }
    let mantissas: Vec<f64> = (1..10).map(f64::from).collect();
    let all: Vec<f64> = decade_range(lo, hi)
        .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
        .filter(|&v| within(v, lo, hi))
        .collect();
    if all.len() >= 4 {
        if all.len() <= max {
            return all;
        }
        return all
            .into_iter()
            .filter(|v| (v.log10() - v.log10().round()).abs() < 1e-9)
            .take(max)
            .collect();
    }
    round_steps(lo, hi, max / 2, max)
}

/// The decades (powers of ten) that can hold ticks of `lo..hi`.
fn decade_range(lo: f64, hi: f64) -> std::ops::RangeInclusive<i32> {
    (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32)
}

/// Whether `v` lies in `lo..=hi` up to rounding (1e-9 relative).
fn within(v: f64, lo: f64, hi: f64) -> bool {
    v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9)
}

/// The multiples in `lo..=hi` of the largest step from 1, 2, 5 times a power of ten that gives
/// at least `min` of them (and at most `max`; the smallest step giving at most `max` when
/// none gives `min`).
fn round_steps(lo: f64, hi: f64, min: usize, max: usize) -> Vec<f64> {
    let multiples = |step: f64| -> Vec<f64> {
        let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
        (first..=last).map(|i| i as f64 * step).collect()
    };
    let top = (hi - lo).log10().ceil() as i32;
    let mut best = Vec::new();
    for k in (top - 3..=top).rev() {
        for m in [5.0, 2.0, 1.0] {
            let ticks = multiples(m * 10f64.powi(k));
            if ticks.len() > max {
                return best;
            }
            best = ticks;
            if best.len() >= min {
                return best;
            }
        }
    }
    best
}

/// How much to scale text and fixed sizes for an image `width` pixels wide, so that it stays
/// legible when a report shows it at most [`REPORT_WIDTH`] wide: 1 up to that width, then in
/// proportion.
pub(crate) fn text_scale(width: u32) -> f64 {
    (f64::from(width) / f64::from(REPORT_WIDTH)).max(1.0)
}

/// Largest width in pixels at which reports show figures (the report page's `max-width`):
/// wider images get their text scaled up in proportion, so that it reads at the same size
/// once the page shrinks them to this width.
pub const REPORT_WIDTH: u32 = 1400;

/// The maximal runs of consecutive points drawable on both axes.
pub(crate) fn runs(points: &[(f64, f64)], x: Scale, y: Scale) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|&(a, b)| !(x.drawable(a) && y.drawable(b)))
        .filter(|run| !run.is_empty())
        .map(<[_]>::to_vec)
        .collect()
}

/// `v`, or 0 when it is below 10⁻⁹ of the axis span (rounding noise around zero).
pub(crate) fn snap(v: f64, span: f64) -> f64 {
    if v.abs() < 1e-9 * span {
        0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `v > 0` is 1, 2 or 5 times a power of ten (to 10⁻⁶).
    fn one_two_five(v: f64) -> bool {
        let mantissa = v / 10f64.powf(v.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .any(|c| (mantissa - c).abs() < 1e-6 * c)
    }

    #[test]
    fn one_two_five_recognises_round_values() {
        for v in [1e5, 2e5, 5e5, 1e6, 1e6 * (1.0 - 1e-12), 2e-3, 5.0] {
            assert!(one_two_five(v), "{v}");
        }
        for v in [3e5, 7e5, 9e5, 1.5e6, 4e-3] {
            assert!(!one_two_five(v), "{v}");
        }
    }

    #[test]
    fn log_ticks_over_decades_are_one_two_five() {
        let ticks = log_ticks(0.8, 120.0, 10);
        assert_eq!(ticks, vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        // Many decades: powers of ten only, thinned to at most 10.
        let ticks = log_ticks(1e-3, 1e9, 10);
        assert!(ticks.len() <= 10 && ticks.len() >= 4, "{ticks:?}");
        assert!(ticks
            .iter()
            .all(|&t| one_two_five(t) && (1e-3..=1e9).contains(&t)));
        let ticks = log_ticks(1.0, 1e30, 10);
        assert!(ticks.len() <= 10 && ticks.len() >= 5, "{ticks:?}");
        // Every value is 1·10^k there.
        assert!(ticks
            .iter()
            .all(|t| (t.log10() - t.log10().round()).abs() < 1e-9));
    }

    #[test]
    fn log_ticks_below_a_decade_are_round_values() {
        let ticks = log_ticks(1.5, 4.0, 10);
        assert_eq!(ticks, vec![1.5, 2.0, 2.5, 3.0, 3.5, 4.0]);
        let ticks = log_ticks(2.05, 2.6, 10);
        assert!(ticks.len() >= 3 && ticks.len() <= 10, "{ticks:?}");
        assert!(ticks.iter().all(|&t| (2.05..=2.6).contains(&t)));
        let ticks = log_ticks(0.013, 0.021, 10);
        assert!(ticks.len() >= 3, "{ticks:?}");
        assert!(ticks.iter().all(|&t| (0.013..=0.021).contains(&t)));
        // 1.2 to 9 holds only 2 and 5 as 1-2-5 values: too few, round steps are used.
        assert_eq!(log_ticks(1.2, 9.0, 10), vec![2.0, 4.0, 6.0, 8.0]);
        assert_eq!(log_ticks(1.2, 12.0, 10), vec![2.0, 5.0, 10.0]);
        // Light lines below a decade are finer than the labelled ticks.
        let light = log_light_ticks(1.5, 4.0, 40);
        assert!(light.len() > 6 && light.len() <= 40, "{light:?}");
        assert!(log_ticks(2.0, 1.0, 10).is_empty() && log_ticks(-1.0, 1.0, 10).is_empty());
    }

    #[test]
    fn runs_and_ranges() {
        let (log, lin) = (Scale::Log, Scale::Linear);
        let pts = [(1.0, 1.0), (2.0, 0.0), (3.0, 3.0), (4.0, 4.0)];
        assert_eq!(
            runs(&pts, log, log),
            vec![vec![(1.0, 1.0)], vec![(3.0, 3.0), (4.0, 4.0)]]
        );
        assert_eq!(runs(&pts, lin, lin).len(), 1);
        assert_eq!(runs(&pts, lin, log).len(), 2);
        assert_eq!(runs(&[(1.0, 1e-200), (1.0, 1e200)], log, log).len(), 0);
        assert_eq!(runs(&[(1.0, 1e-200), (1.0, 1e200)], lin, lin).len(), 1);

        let (lo, hi) = log.range([1e-3, 1e3, -1.0, f64::NAN].into_iter());
        let pad = 10f64.powf(6.0 * 0.04);
        assert!((lo - 1e-3 / pad).abs() < 1e-15 && (hi - 1e3 * pad).abs() < 1e-9);
        let (lo, hi) = log.range([5.0].into_iter());
        assert!((lo - 2.5).abs() < 1e-14 && (hi - 10.0).abs() < 1e-14);
        assert_eq!(lin.range(std::iter::empty()), (0.0, 1.0));
        assert_eq!(lin.range([0.0, 10.0].into_iter()), (-0.4, 10.4));
    }

    #[test]
    fn fractions_invert() {
        for scale in [Scale::Linear, Scale::Log] {
            let r = (0.5, 200.0);
            for v in [0.5, 3.0, 200.0] {
                let t = scale.fraction(v, r);
                assert!((scale.at(t, r) - v).abs() < 1e-12 * v);
            }
        }
        assert!((Scale::Log.fraction(10.0, (1.0, 100.0)) - 0.5).abs() < 1e-15);
        assert_eq!(text_scale(1000), 1.0);
        assert!((text_scale(2800) - 2.0).abs() < 1e-15);
    }
}
