//! Heatmaps: a grid of values over an x and a y range, coloured by viridis on a linear or log
//! colour scale, with a labelled colour bar.

use super::axis::{text_scale, Axis, Coord, Scale};
use super::color::viridis;
use super::{draw_err, tick_label, titled, Draw, PlotError, FONT};
use crate::table::Table;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Natural size of a [`Heatmap`] in pixels.
pub const HEATMAP_SIZE: (u32, u32) = (1000, 760);

/// Number of colour steps drawn in the colour bar.
const BAR_STEPS: usize = 256;

/// How values become colours.
#[derive(Clone, Debug, PartialEq)]
pub struct ColorBar {
    /// Text beside the colour bar (what the values are).
    pub label: String,
    /// Linear or logarithmic colour scale; on a log scale values ≤ 0 are left blank.
    pub scale: Scale,
    /// The values mapped to the two ends of viridis (others are clamped to them); `None`:
    /// the smallest and largest value that can be coloured.
    pub range: Option<(f64, f64)>,
}

impl ColorBar {
    /// A linear colour scale over the data's range.
    pub fn linear(label: impl Into<String>) -> ColorBar {
        ColorBar {
            label: label.into(),
            scale: Scale::Linear,
            range: None,
        }
    }

    /// A logarithmic colour scale over the data's positive range.
    pub fn log(label: impl Into<String>) -> ColorBar {
        ColorBar {
            label: label.into(),
            scale: Scale::Log,
            range: None,
        }
    }
}

/// Values on a grid of equal cells (equal in each axis' own scale, so geometric on a log axis)
/// spanning `x_range` × `y_range`, coloured by viridis; NaN cells (and cells that the colour
/// scale cannot place) are left blank. A colour bar with ticks on the colour scale stands to
/// the right.
///
/// Its [`crate::plot::Render::data`] has one row per cell, rows of the grid first: `x` and `y`
/// at the cell's centre (in the axis' scale, so geometric on a log axis) and its `value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Title above the map.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// The x extent of the grid, `(low, high)`.
    pub x_range: (f64, f64),
    /// The y extent of the grid, `(low, high)`.
    pub y_range: (f64, f64),
    /// `values[row][column]`: rows from low to high y, columns from low to high x; all rows
    /// as long.
    pub values: Vec<Vec<f64>>,
    /// The colour scale and its bar.
    pub color: ColorBar,
}

impl Heatmap {
    /// Number of columns and rows.
    fn shape(&self) -> (usize, usize) {
        (self.values.first().map_or(0, Vec::len), self.values.len())
    }

    /// Checks the ranges, the grid's shape and the colour range.
    fn check(&self) -> Result<(), PlotError> {
        let name = &self.title;
        for (axis, scale, (lo, hi)) in [
            ("x", self.x.scale, self.x_range),
            ("y", self.y.scale, self.y_range),
        ] {
            if !(scale.drawable(lo) && scale.drawable(hi) && lo < hi) {
                return Err(PlotError::Data(format!(
                    "heatmap '{name}': the {axis} range [{lo}, {hi}] must be finite with low < \
                     high{}",
                    if scale == Scale::Log {
                        " and positive (log axis)"
                    } else {
                        ""
                    }
                )));
            }
        }
        let (columns, rows) = self.shape();
        if rows == 0 || columns == 0 {
            return Err(PlotError::Data(format!("heatmap '{name}' has no cells")));
        }
        if let Some(row) = self.values.iter().position(|r| r.len() != columns) {
            return Err(PlotError::Data(format!(
                "heatmap '{name}': row {row} has {} values, row 0 has {columns}",
                self.values[row].len()
            )));
        }
        if let Some((lo, hi)) = self.color.range {
            let scale = self.color.scale;
            if !(scale.drawable(lo) && scale.drawable(hi) && lo < hi) {
                return Err(PlotError::Data(format!(
                    "heatmap '{name}': the colour range [{lo}, {hi}] must be finite with low < \
                     high (and positive on a log colour scale)"
                )));
            }
        }
        Ok(())
    }

    /// The values mapped to the ends of the colour map.
    fn color_range(&self) -> (f64, f64) {
        if let Some(range) = self.color.range {
            return range;
        }
        let scale = self.color.scale;
        let (lo, hi) = self
            .values
            .iter()
            .flatten()
            .filter(|&&v| scale.drawable(v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        match (lo < hi, lo == hi, scale) {
            (true, _, _) => (lo, hi),
            (false, true, Scale::Linear) => {
                (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
            }
            (false, true, Scale::Log) => (lo / 2.0, hi * 2.0),
            (false, false, Scale::Linear) => (0.0, 1.0),
            (false, false, Scale::Log) => (1.0, 10.0),
        }
    }

    /// The colour of `v` on the colour scale over `range`; `None` for blank cells.
    fn color_of(&self, v: f64, range: (f64, f64)) -> Option<RGBColor> {
        let scale = self.color.scale;
        scale
            .drawable(v)
            .then(|| viridis(scale.fraction(v, range)).rgb())
    }

    /// The cell edges along one axis.
    fn edges(scale: Scale, range: (f64, f64), n: usize) -> Vec<f64> {
        (0..=n)
            .map(|i| scale.at(i as f64 / n as f64, range))
            .collect()
    }
}

impl Draw for Heatmap {
    /// Draws the title, the cells with their axes, and the colour bar on the right.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        self.check()?;
        let k = text_scale(area.dim_in_pixel().0);
        let px = |v: f64| (v * k).round() as i32;
        let body = titled(area, &self.title, k)?;
        let bar_width = px(124.0).min(body.dim_in_pixel().0 as i32 / 3);
        let (map, bar) = body.split_horizontally(body.dim_in_pixel().0 as i32 - bar_width);
        let (margin, x_area) = (px(8.0), px(50.0));

        let mut chart = ChartBuilder::on(&map)
            .margin(margin)
            .x_label_area_size(x_area)
            .y_label_area_size(px(84.0))
            .build_cartesian_2d(
                Coord::new(self.x.scale, self.x_range),
                Coord::new(self.y.scale, self.y_range),
            )
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x.label)
            .y_desc(&self.y.label)
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .x_labels(10)
            .y_labels(10)
            .label_style((FONT, px(15.0)))
            .axis_desc_style((FONT, px(18.0)))
            .draw()
            .map_err(draw_err)?;
        let (columns, rows) = self.shape();
        let xs = Heatmap::edges(self.x.scale, self.x_range, columns);
        let ys = Heatmap::edges(self.y.scale, self.y_range, rows);
        let range = self.color_range();
        // Neighbouring cells share the very same edge values, so they tile without gaps.
        let cells = self.values.iter().enumerate().flat_map(|(j, row)| {
            let (xs, ys) = (&xs, &ys);
            row.iter().enumerate().filter_map(move |(i, &v)| {
                let color = self.color_of(v, range)?;
                Some(Rectangle::new(
                    [(xs[i], ys[j]), (xs[i + 1], ys[j + 1])],
                    color.filled(),
                ))
            })
        });
        chart.draw_series(cells).map_err(draw_err)?;

        let scale = self.color.scale;
        let mut legend = ChartBuilder::on(&bar)
            .margin(margin)
            .margin_left(px(16.0))
            .x_label_area_size(x_area)
            .set_label_area_size(LabelAreaPosition::Right, bar_width - px(16.0 + 8.0 + 30.0))
            .build_cartesian_2d(0.0..1.0, Coord::new(scale, range))
            .map_err(draw_err)?;
        let steps = (0..BAR_STEPS).map(|s| {
            let (t0, t1) = (
                s as f64 / BAR_STEPS as f64,
                (s + 1) as f64 / BAR_STEPS as f64,
            );
            let color = viridis(s as f64 / (BAR_STEPS - 1) as f64).rgb();
            Rectangle::new(
                [(0.0, scale.at(t0, range)), (1.0, scale.at(t1, range))],
                color.filled(),
            )
        });
        legend.draw_series(steps).map_err(draw_err)?;
        let span = match scale {
            Scale::Linear => range.1 - range.0,
            Scale::Log => 0.0,
        };
        legend
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(&self.color.label)
            .y_label_formatter(&|v| tick_label(super::axis::snap(*v, span)))
            .y_labels(8)
            .label_style((FONT, px(15.0)))
            .axis_desc_style((FONT, px(18.0)))
            .draw()
            .map_err(draw_err)?;
        Ok(())
    }

    /// [`HEATMAP_SIZE`].
    fn natural_size(&self) -> (u32, u32) {
        HEATMAP_SIZE
    }

    /// See [`Heatmap`].
    fn plotted(&self) -> Table {
        let mut table = Table::new(["x", "y", "value"]);
        let (columns, rows) = self.shape();
        let centre =
            |scale: Scale, range, i: usize, n: usize| scale.at((i as f64 + 0.5) / n as f64, range);
        for (j, row) in self.values.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                table.push(vec![
                    centre(self.x.scale, self.x_range, i, columns).into(),
                    centre(self.y.scale, self.y_range, j, rows).into(),
                    v.into(),
                ]);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testing::{decode, has_text, texts};
    use crate::plot::{Render, Rgb};
    use crate::table::Value;

    /// A 20 x 10 density on log x, linear y: value = column + 20·row + 1, one NaN cell.
    fn density() -> Heatmap {
        let mut values: Vec<Vec<f64>> = (0..10)
            .map(|j| (0..20).map(|i| f64::from(i + 20 * j + 1)).collect())
            .collect();
        values[5][10] = f64::NAN;
        Heatmap {
            title: "Density".into(),
            x: Axis::log("learning rate"),
            y: Axis::linear("step"),
            x_range: (1e-4, 1e-1),
            y_range: (0.0, 100.0),
            values,
            color: ColorBar::linear("count"),
        }
    }

    fn rgb(c: Rgb) -> [u8; 3] {
        [c.0, c.1, c.2]
    }

    #[test]
    fn colour_bar_ends_are_the_colour_maps_ends() {
        let map = density();
        let (w, h) = map.size();
        let (_, _, pixels) = decode(&map.render_png(w, h).unwrap());
        let column = |x: u32| -> Vec<[u8; 3]> {
            (0..h)
                .map(|y| {
                    let i = 3 * (y * w + x) as usize;
                    [pixels[i], pixels[i + 1], pixels[i + 2]]
                })
                .collect()
        };
        // The bar, right of the map: a column whose pixels include both ends of viridis, the
        // high end on top.
        let (low, high) = (rgb(viridis(0.0)), rgb(viridis(1.0)));
        let map_width = w - 140;
        let bar_x = (map_width..w)
            .find(|&x| column(x).contains(&low) && column(x).contains(&high))
            .expect("a colour bar column");
        let col = column(bar_x);
        let first = col.iter().position(|p| *p == high).unwrap();
        let last = col.iter().rposition(|p| *p == low).unwrap();
        assert!(first + 300 < last, "high end on top: {first}, {last}");
        // Halfway down the bar: viridis' middle (to the rounding of 256 steps).
        let mid = col[(first + last) / 2];
        let v = rgb(viridis(0.5));
        assert!(
            (0..3).all(|i| (i32::from(mid[i]) - i32::from(v[i])).abs() <= 3),
            "{mid:?}"
        );
        // The smallest value is coloured with the low end, the largest with the high end,
        // each over a whole cell of the map.
        let in_map = |c: [u8; 3]| {
            (0..h)
                .flat_map(|y| (0..map_width).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let i = 3 * (y * w + x) as usize;
                    pixels[i..i + 3] == c
                })
                .count()
        };
        assert!(in_map(low) > 300 && in_map(high) > 300);
        let svg = map.render_svg(w, h).unwrap();
        assert!(has_text(&svg, "count") && has_text(&svg, "learning rate"));
    }

    #[test]
    fn nan_cells_stay_blank_and_cells_tile() {
        let mut map = density();
        // All cells but the NaN one share one value: the map is one colour with a hole.
        for row in &mut map.values {
            for v in row.iter_mut().filter(|v| !v.is_nan()) {
                *v = 7.0;
            }
        }
        map.color.range = Some((0.0, 14.0));
        let (w, h) = map.size();
        let (_, _, pixels) = decode(&map.render_png(w, h).unwrap());
        let at = |x: u32, y: u32| {
            let i = 3 * (y * w + x) as usize;
            [pixels[i], pixels[i + 1], pixels[i + 2]]
        };
        let mid = rgb(viridis(0.5));
        // The map's extent: the box around the pixels of its colour, left of the colour bar.
        let map_width = w - 140;
        let inside: Vec<(u32, u32)> = (0..h)
            .flat_map(|y| (0..map_width).map(move |x| (x, y)))
            .filter(|&(x, y)| at(x, y) == mid)
            .collect();
        let x0 = inside.iter().map(|p| p.0).min().unwrap();
        let x1 = inside.iter().map(|p| p.0).max().unwrap();
        let y0 = inside.iter().map(|p| p.1).min().unwrap();
        let y1 = inside.iter().map(|p| p.1).max().unwrap();
        // Inside it every pixel is the cells' colour, except the NaN cell, left white: no gap
        // between cells, and a hole the size of one cell (1/20 x 1/10 of the map).
        let mut white = 0;
        for y in y0..=y1 {
            for x in x0..=x1 {
                let p = at(x, y);
                if p == [255, 255, 255] {
                    white += 1;
                } else {
                    assert_eq!(p, mid, "at ({x}, {y})");
                }
            }
        }
        let cell = f64::from(x1 - x0 + 1) / 20.0 * f64::from(y1 - y0 + 1) / 10.0;
        assert!(
            (f64::from(white) - cell).abs() < 0.1 * cell,
            "{white} vs {cell}"
        );
    }

    #[test]
    fn log_colour_scale_and_data() {
        let mut map = density();
        map.color = ColorBar::log("density");
        map.values[0][0] = 0.0; // blank on a log scale
        let (w, h) = map.size();
        let svg = map.render_svg(w, h).unwrap();
        // The bar spans 2..200 (the positive values): ticks across two decades.
        let ticks: Vec<f64> = texts(&svg)
            .iter()
            .filter_map(|t| t.3.parse().ok())
            .filter(|v: &f64| (2.0..=200.0).contains(v))
            .collect();
        assert!(ticks.contains(&10.0) && ticks.contains(&100.0), "{ticks:?}");

        let data = map.data();
        assert_eq!(data.columns, ["x", "y", "value"]);
        assert_eq!(data.rows.len(), 200);
        // The first cell's centre: geometric middle on log x, arithmetic on linear y.
        let x = 1e-4 * (1e3f64).powf(0.5 / 20.0);
        match (&data.rows[0][0], &data.rows[0][1]) {
            (Value::Float(a), Value::Float(b)) => {
                assert!((a - x).abs() < 1e-12 * x && (b - 5.0).abs() < 1e-12);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(data.rows[21][2], Value::Float(22.0));
        assert!(matches!(data.rows[110][2], Value::Float(v) if v.is_nan()));
    }

    #[test]
    fn bad_heatmaps_are_errors() {
        let mut map = density();
        map.values[3].pop();
        assert!(map
            .render_png(1000, 760)
            .unwrap_err()
            .to_string()
            .contains("row 3 has 19"));
        let mut map = density();
        map.x_range = (0.0, 1.0);
        assert!(map
            .render_svg(1000, 760)
            .unwrap_err()
            .to_string()
            .contains("x range"));
        let mut map = density();
        map.values.clear();
        assert!(map
            .render_svg(1000, 760)
            .unwrap_err()
            .to_string()
            .contains("no cells"));
        let mut map = density();
        map.color = ColorBar {
            range: Some((-1.0, 1.0)),
            ..ColorBar::log("c")
        };
        assert!(map
            .render_svg(1000, 760)
            .unwrap_err()
            .to_string()
            .contains("colour range"));
    }
}
