//! Where a legend goes: a coarse map of the plot area's drawn pixels, and the first candidate
//! box that covers none of them.

use std::ops::Range;

/// Side in pixels of the squares the plot area is divided into.
const CELL: i32 = 3;

/// Which squares of the plot area hold drawn data ("ink").
#[derive(Clone, Debug)]
pub(crate) struct Ink {
    x: Range<i32>,
    y: Range<i32>,
    cols: usize,
    rows: usize,
    filled: Vec<bool>,
}

impl Ink {
    /// An empty map of the plot area `x` × `y` (pixel ranges).
    pub(crate) fn new(x: Range<i32>, y: Range<i32>) -> Ink {
        let cols = ((x.end - x.start).max(0) / CELL + 1) as usize;
        let rows = ((y.end - y.start).max(0) / CELL + 1) as usize;
        Ink {
            x,
            y,
            cols,
            rows,
            filled: vec![false; cols * rows],
        }
    }

    /// Marks the pixel `(x, y)`; pixels outside the plot area are ignored.
    fn mark(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let (col, row) = (
            (x.round() as i64 - i64::from(self.x.start)).div_euclid(i64::from(CELL)),
            (y.round() as i64 - i64::from(self.y.start)).div_euclid(i64::from(CELL)),
        );
        if (0..self.cols as i64).contains(&col) && (0..self.rows as i64).contains(&row) {
            self.filled[row as usize * self.cols + col as usize] = true;
        }
    }

    /// Marks the pixels along the segment from `a` to `b`.
    fn segment(&mut self, a: (f64, f64), b: (f64, f64)) {
        let length = (b.0 - a.0).abs().max((b.1 - a.1).abs());
        if !length.is_finite() {
            return;
        }
        // At most one sample per pixel, and no more than the plot area can hold.
        let limit = f64::from((self.x.end - self.x.start) + (self.y.end - self.y.start)).max(1.0);
        let steps = length.min(limit).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            self.mark(a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
        }
    }

    /// Marks the pixels along a polyline (a single point marks that point).
    pub(crate) fn polyline(&mut self, points: &[(f64, f64)]) {
        if let [p] = points {
            self.mark(p.0, p.1);
        }
        for pair in points.windows(2) {
            self.segment(pair[0], pair[1]);
        }
    }

    /// Marks the area between two polylines over the same pixel columns (`lower[i].0 ==
    /// upper[i].0`), as for a band or a stacked layer.
    pub(crate) fn between(&mut self, lower: &[(f64, f64)], upper: &[(f64, f64)]) {
        for (l, u) in lower.windows(2).zip(upper.windows(2)) {
            let (x0, x1) = (l[0].0, l[1].0);
            let steps = (x1 - x0).abs().ceil().clamp(1.0, 10_000.0) as usize;
            for i in 0..=steps {
                let t = i as f64 / steps as f64;
                let x = x0 + t * (x1 - x0);
                let lo = l[0].1 + t * (l[1].1 - l[0].1);
                let hi = u[0].1 + t * (u[1].1 - u[0].1);
                self.segment((x, lo), (x, hi));
            }
        }
        if let ([l], [u]) = (lower, upper) {
            self.segment(*l, *u);
        }
    }

    /// How many marked squares meet the pixel rectangle `x` × `y`.
    pub(crate) fn count(&self, x: Range<i32>, y: Range<i32>) -> usize {
        let col = |p: i32| ((p - self.x.start).div_euclid(CELL)).clamp(0, self.cols as i32 - 1);
        let row = |p: i32| ((p - self.y.start).div_euclid(CELL)).clamp(0, self.rows as i32 - 1);
        if x.end <= self.x.start
            || y.end <= self.y.start
            || x.start >= self.x.end
            || y.start >= self.y.end
        {
            return 0;
        }
        let (c0, c1) = (col(x.start), col(x.end - 1));
        let (r0, r1) = (row(y.start), row(y.end - 1));
        (r0..=r1)
            .flat_map(|r| (c0..=c1).map(move |c| (r as usize, c as usize)))
            .filter(|&(r, c)| self.filled[r * self.cols + c])
            .count()
    }

    /// The offset inside the plot area of the first legend box of `size` pixels, `gap` from the
    /// edges, that covers no ink (with `clearance` pixels around it): the upper right corner
    /// first, then upper left, lower right, lower left, top and bottom middle, right and left
    /// middle. `None` when every candidate covers some ink or the box does not fit.
    pub(crate) fn free_spot(
        &self,
        size: (i32, i32),
        gap: i32,
        clearance: i32,
    ) -> Option<(i32, i32)> {
        let (w, h) = (self.x.end - self.x.start, self.y.end - self.y.start);
        let (bw, bh) = size;
        if bw + 2 * gap > w || bh + 2 * gap > h {
            return None;
        }
        let (left, right, centre) = (gap, w - gap - bw, (w - bw) / 2);
        let (top, bottom, middle) = (gap, h - gap - bh, (h - bh) / 2);
        let candidates = [
            (right, top),
            (left, top),
            (right, bottom),
            (left, bottom),
            (centre, top),
            (centre, bottom),
            (right, middle),
            (left, middle),
        ];
        candidates.into_iter().find(|&(dx, dy)| {
            let (x0, y0) = (self.x.start + dx, self.y.start + dy);
            self.count(
                x0 - clearance..x0 + bw + clearance,
                y0 - clearance..y0 + bh + clearance,
            ) == 0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_empty_corner_is_chosen() {
        let mut ink = Ink::new(100..400, 50..250);
        assert_eq!(ink.free_spot((60, 40), 10, 2), Some((230, 10)));
        // A line rising to the upper right corner: the upper left is next.
        ink.polyline(&[(250.0, 200.0), (399.0, 51.0)]);
        assert!(ink.count(380..400, 50..80) > 0);
        assert_eq!(ink.free_spot((60, 40), 10, 2), Some((10, 10)));
        // A band across the whole top half: the lower right corner is next.
        ink.between(
            &[(100.0, 150.0), (400.0, 150.0)],
            &[(100.0, 50.0), (400.0, 50.0)],
        );
        assert_eq!(ink.free_spot((60, 40), 10, 2), Some((230, 150)));
        // Ink everywhere: no spot; a box larger than the area: no spot.
        ink.between(
            &[(100.0, 250.0), (400.0, 250.0)],
            &[(100.0, 50.0), (400.0, 50.0)],
        );
        assert_eq!(ink.free_spot((60, 40), 10, 2), None);
        assert_eq!(Ink::new(0..100, 0..100).free_spot((90, 20), 10, 0), None);
    }

    #[test]
    fn counting_ignores_what_lies_outside() {
        let mut ink = Ink::new(0..90, 0..60);
        ink.polyline(&[(-50.0, -50.0), (-10.0, -10.0)]);
        ink.polyline(&[(f64::NAN, 3.0), (5.0, 5.0)]);
        assert_eq!(ink.count(0..90, 0..60), 0);
        ink.polyline(&[(45.0, 30.0)]);
        assert_eq!(ink.count(0..90, 0..60), 1);
        assert_eq!(ink.count(50..90, 0..60), 0);
        assert_eq!(ink.count(200..300, 0..60), 0);
    }
}
