//! Region maps: a rectangle of two parameters on linear axes, coloured by categorical region
//! (a phase diagram), with boundary segments, marked points and a legend beside the map.

use crate::plot::{draw_err, text_scale, tick_label, Draw, PlotError, FONT, PALETTE};
use crate::table::{Table, Value};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Natural size of a [`RegionMap`] in pixels.
pub const REGION_MAP_SIZE: (u32, u32) = (1300, 800);

/// Share of the width (below the title) given to the legend on the right of the map.
const LEGEND_SHARE: f64 = 0.36;

/// Colour of the hatching lines.
const HATCH_LINE: RGBColor = RGBColor(0x73, 0x73, 0x73);

/// Distance in pixels between hatching lines on the map (along each axis).
const HATCH_SPACING: f64 = 12.0;

/// Legend layout in pixels (before scaling with the text): padding, swatch side, text line
/// height, gap between entries.
const PAD: f64 = 10.0;
const SWATCH: f64 = 22.0;
const LINE_HEIGHT: f64 = 20.0;
const ENTRY_GAP: f64 = 12.0;

/// A category of the map, listed in the legend.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Legend text; long labels wrap onto several lines.
    pub label: String,
    /// Index into the tab10-like palette of [`crate::plot`] (wraps around); the fill is the
    /// colour lightened halfway to white (three quarters when `hatched`).
    pub color: usize,
    /// Drawn paler with diagonal hatching, meaning e.g. "no formula here".
    pub hatched: bool,
}

/// A rectangle of the map belonging to one region.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Extent on the x axis (either order); the part outside the map's x range is not drawn.
    pub x: (f64, f64),
    /// Extent on the y axis (either order); the part outside the map's y range is not drawn.
    pub y: (f64, f64),
    /// Index into [`RegionMap::regions`].
    pub region: usize,
}

/// A 2-D map of the rectangle `x_range` × `y_range` coloured by region, drawn with the legend to
/// the right of the map.
///
/// Its [`crate::plot::Render::data`] has one row per region (`kind` = `region`, its number and
/// label), per cell (`cell`, its region's number, its `x0`, `x1`, `y0`, `y1` as given), per
/// boundary segment (`line`, from (`x0`, `y0`) to (`x1`, `y1`)) and per marked point (`point`,
/// with its label, at `x0 = x1`, `y0 = y1`; points outside the map included).
#[derive(Clone, Debug, PartialEq)]
pub struct RegionMap {
    /// Title above the map and legend.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// The x axis, `(low, high)` with low < high.
    pub x_range: (f64, f64),
    /// The y axis, `(low, high)` with low < high.
    pub y_range: (f64, f64),
    /// The categories, each listed in the legend in this order.
    pub regions: Vec<Region>,
    /// Coloured rectangles, drawn in order (later ones on top). Each is filled on whole
    /// pixels, its edges rounded to the nearest pixel boundary, so that cells sharing an edge
    /// tile without gaps or overlaps.
    pub cells: Vec<Cell>,
    /// Boundary segments `(from, to)`, drawn black over the cells and clipped to the map.
    pub lines: Vec<((f64, f64), (f64, f64))>,
    /// Marked points `(x, y, label)`, drawn as black dots with their label on a white box over
    /// everything else; those outside the map are left out.
    pub points: Vec<(f64, f64, String)>,
}

impl RegionMap {
    /// Checks that the ranges are non-empty, every coordinate finite and every cell's region
    /// known.
    fn check(&self) -> Result<(), PlotError> {
        let name = &self.title;
        for (axis, (lo, hi)) in [("x", self.x_range), ("y", self.y_range)] {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(PlotError::Data(format!(
                    "region map '{name}': the {axis} range [{lo}, {hi}] must be finite with \
                     low < high"
                )));
            }
        }
        let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
        for (i, cell) in self.cells.iter().enumerate() {
            if !finite(&[cell.x.0, cell.x.1, cell.y.0, cell.y.1]) {
                return Err(PlotError::Data(format!(
                    "region map '{name}': cell {i} has a non-finite corner {:?} x {:?}",
                    cell.x, cell.y
                )));
            }
            if cell.region >= self.regions.len() {
                return Err(PlotError::Data(format!(
                    "region map '{name}': cell {i} refers to region {}, but there are only {} \
                     regions",
                    cell.region,
                    self.regions.len()
                )));
            }
        }
        for (i, &((a, b), (c, d))) in self.lines.iter().enumerate() {
            if !finite(&[a, b, c, d]) {
                return Err(PlotError::Data(format!(
                    "region map '{name}': line {i} has a non-finite end point"
                )));
            }
        }
        for (x, y, label) in &self.points {
            if !finite(&[*x, *y]) {
                return Err(PlotError::Data(format!(
                    "region map '{name}': the point '{label}' is not finite ({x}, {y})"
                )));
            }
        }
        Ok(())
    }

    /// Draws axes, cells, hatching, boundary lines and points on `area`, text and fixed sizes
    /// scaled by `k`.
    fn draw_map<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        k: f64,
    ) -> Result<(), PlotError> {
        let px = |v: f64| (v * k).round() as i32;
        let ((x0, x1), (y0, y1)) = (self.x_range, self.y_range);
        let mut chart = ChartBuilder::on(area)
            .margin(px(20.0))
            .x_label_area_size(px(50.0))
            .y_label_area_size(px(80.0))
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .x_labels(10)
            .y_labels(10)
            .label_style((FONT, px(15.0)))
            .axis_desc_style((FONT, px(18.0)))
            .draw()
            .map_err(draw_err)?;

        // Fill and hatch on whole pixels of the plot area (origin at its top left corner).
        let plot = chart.plotting_area().strip_coord_spec();
        let (width, height) = plot.dim_in_pixel();
        let raster = Raster::of(self, width as usize, height as usize);
        for (cols, rows, region) in raster.blocks() {
            let corners = [(cols.0, rows.0), (cols.1, rows.1)];
            plot.draw(&Rectangle::new(
                corners,
                fill(&self.regions[region]).filled(),
            ))
            .map_err(draw_err)?;
        }
        let hatched = |region: usize| self.regions[region].hatched;
        for ends in raster.hatching(hatched, HATCH_SPACING * k) {
            plot.draw(&PathElement::new(ends, HATCH_LINE.stroke_width(1)))
                .map_err(draw_err)?;
        }

        let frame = Rectangle::new([(x0, y0), (x1, y1)], BLACK.stroke_width(1));
        chart
            .draw_series(std::iter::once(frame))
            .map_err(draw_err)?;
        let line_width = px(2.0).max(1) as u32;
        let lines = self
            .lines
            .iter()
            .filter_map(|&(p, q)| clip_segment(p, q, self.x_range, self.y_range))
            .map(|(p, q)| PathElement::new([p, q], BLACK.stroke_width(line_width)));
        chart.draw_series(lines).map_err(draw_err)?;
        let inside = |x: f64, y: f64| (x0..=x1).contains(&x) && (y0..=y1).contains(&y);
        let points: Vec<_> = self
            .points
            .iter()
            .filter(|(x, y, _)| inside(*x, *y))
            .collect();
        let dots = points
            .iter()
            .map(|(x, y, _)| Circle::new((*x, *y), px(4.0), BLACK.filled()));
        chart.draw_series(dots).map_err(draw_err)?;
        // Labels last, each on a white box, so that no line or dot runs through the text.
        let style = TextStyle::from((FONT, px(15.0)).into_font()).color(&BLACK);
        let (dx, dy, halo) = (px(8.0), px(-20.0), px(3.0));
        for (x, y, label) in points {
            let (w, h) = area.estimate_text_size(label, &style).map_err(draw_err)?;
            let (w, h) = (w as i32, h as i32);
            let boxed = EmptyElement::at((*x, *y))
                + Rectangle::new(
                    [(dx - halo, dy - halo), (dx + w + halo, dy + h + halo)],
                    WHITE.mix(0.9).filled(),
                )
                + Text::new(label.clone(), (dx, dy), style.clone());
            chart
                .draw_series(std::iter::once(boxed))
                .map_err(draw_err)?;
        }
        Ok(())
    }

    /// Draws one swatch and the wrapped label of every region, top to bottom, on `area`.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        k: f64,
    ) -> Result<(), PlotError> {
        let px = |v: f64| (v * k).round() as i32;
        let (pad, swatch_side, line_height, entry_gap) =
            (px(PAD), px(SWATCH), px(LINE_HEIGHT), px(ENTRY_GAP));
        let style = TextStyle::from((FONT, px(15.0)).into_font()).color(&BLACK);
        let text_x = 2 * pad + swatch_side;
        let text_width = (area.dim_in_pixel().0 as i32 - text_x - pad).max(0) as u32;
        let width_of = |text: &str| {
            area.estimate_text_size(text, &style)
                .map(|(w, _)| w)
                .map_err(draw_err)
        };
        let mut top = px(20.0);
        for region in &self.regions {
            let swatch = [(pad, top), (pad + swatch_side, top + swatch_side)];
            area.draw(&Rectangle::new(swatch, fill(region).filled()))
                .map_err(draw_err)?;
            if region.hatched {
                // The hatch works in a y-up frame; screen rows grow downwards.
                let u = (f64::from(pad), f64::from(pad + swatch_side));
                let v = (-f64::from(top + swatch_side), -f64::from(top));
                for (a, b) in hatch(u, v, 6.0 * k) {
                    let ends = [a, b].map(|(x, y)| (x.round() as i32, (-y).round() as i32));
                    area.draw(&PathElement::new(ends, HATCH_LINE.stroke_width(1)))
                        .map_err(draw_err)?;
                }
            }
            area.draw(&Rectangle::new(swatch, BLACK.stroke_width(1)))
                .map_err(draw_err)?;
            let lines = wrap(&region.label, text_width, width_of)?;
            for (i, line) in lines.iter().enumerate() {
                let at = (text_x, top + 2 + i as i32 * line_height);
                area.draw(&Text::new(line.as_str(), at, style.clone()))
                    .map_err(draw_err)?;
            }
            top += swatch_side.max(lines.len() as i32 * line_height) + entry_gap;
        }
        Ok(())
    }
}

impl Draw for RegionMap {
    /// Draws the title, then the map with the legend to its right.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        self.check()?;
        let k = text_scale(area.dim_in_pixel().0);
        area.fill(&WHITE).map_err(draw_err)?;
        let body = area
            .margin((10.0 * k) as i32, 0, 0, 0)
            .titled(&self.title, (FONT, (24.0 * k) as i32))
            .map_err(draw_err)?;
        let width = body.dim_in_pixel().0;
        let legend_width = (f64::from(width) * LEGEND_SHARE).round() as u32;
        let (map, legend) = body.split_horizontally(width - legend_width);
        self.draw_map(&map, k)?;
        self.draw_legend(&legend, k)
    }

    /// [`REGION_MAP_SIZE`].
    fn natural_size(&self) -> (u32, u32) {
        REGION_MAP_SIZE
    }

    /// See [`RegionMap`].
    fn plotted(&self) -> Table {
        let mut table = Table::new(["kind", "region", "label", "x0", "x1", "y0", "y1"]);
        let mut push = |kind: &str, region: Value, label: &str, corners: Option<[f64; 4]>| {
            let mut row = vec![kind.into(), region, label.into()];
            row.extend(
                corners.map_or([Value::Null, Value::Null, Value::Null, Value::Null], |c| {
                    c.map(Value::from)
                }),
            );
            table.push(row);
        };
        for (i, region) in self.regions.iter().enumerate() {
            push("region", i.into(), &region.label, None);
        }
        for cell in &self.cells {
            let corners = [cell.x.0, cell.x.1, cell.y.0, cell.y.1];
            push("cell", cell.region.into(), "", Some(corners));
        }
        for &((a, b), (c, d)) in &self.lines {
            push("line", Value::Null, "", Some([a, c, b, d]));
        }
        for (x, y, label) in &self.points {
            push("point", Value::Null, label, Some([*x, *x, *y, *y]));
        }
        table
    }
}

/// The map's cells on the plot area's pixels (row 0 at the top): each cell covers the pixels
/// between its edges rounded to pixel boundaries (later cells on top), so cells sharing an edge
/// neither gap nor overlap.
struct Raster {
    width: usize,
    height: usize,
    /// The region of each pixel, row by row; `None` where no cell lies.
    pixels: Vec<Option<usize>>,
}

/// A rectangle of pixels: columns [c0, c1), rows [r0, r1) and its region.
type Block = ((i32, i32), (i32, i32), usize);

impl Raster {
    /// The cells of `map` on `width` x `height` pixels.
    fn of(map: &RegionMap, width: usize, height: usize) -> Raster {
        let ((x0, x1), (y0, y1)) = (map.x_range, map.y_range);
        let (w, h) = (width as f64, height as f64);
        let column = |x: f64| ((x - x0) / (x1 - x0) * w).round().clamp(0.0, w) as usize;
        let row = |y: f64| ((y1 - y) / (y1 - y0) * h).round().clamp(0.0, h) as usize;
        let mut pixels: Vec<Option<usize>> = vec![None; width * height];
        for cell in &map.cells {
            let (Some(x), Some(y)) = (
                clip_interval(cell.x, map.x_range),
                clip_interval(cell.y, map.y_range),
            ) else {
                continue;
            };
            let (c0, c1) = (column(x.0), column(x.1));
            for r in row(y.1)..row(y.0) {
                pixels[r * width + c0..r * width + c1].fill(Some(cell.region));
            }
        }
        Raster {
            width,
            height,
            pixels,
        }
    }

    /// The filled pixels as rectangles of columns and rows `[start, end)` with their region:
    /// runs of one region along each row, merged downwards while the next row has the same run.
    fn blocks(&self) -> Vec<Block> {
        let (width, height) = (self.width, self.height);
        let mut done = Vec::new();
        // Open rectangles: (columns, region, first row).
        let mut open: Vec<((usize, usize), usize, usize)> = Vec::new();
        for r in 0..=height {
            let mut runs = Vec::new();
            if r < height {
                let line = &self.pixels[r * width..(r + 1) * width];
                let mut c = 0;
                while c < width {
                    let start = c;
                    while c < width && line[c] == line[start] {
                        c += 1;
                    }
                    if let Some(region) = line[start] {
                        runs.push(((start, c), region));
                    }
                }
            }
            let (kept, closed): (Vec<_>, Vec<_>) = open
                .into_iter()
                .partition(|&(cols, region, _)| runs.contains(&(cols, region)));
            done.extend(
                closed
                    .into_iter()
                    .map(|(cols, region, first)| (cols, (first, r), region)),
            );
            open = kept;
            for (cols, region) in runs {
                if !open.iter().any(|&(c, g, _)| (c, g) == (cols, region)) {
                    open.push((cols, region, r));
                }
            }
        }
        let to_i32 = |(a, b): (usize, usize)| (a as i32, b as i32);
        done.into_iter()
            .map(|(cols, rows, region)| (to_i32(cols), to_i32(rows), region))
            .collect()
    }

    /// Hatching of the pixels whose region is `hatched`: the rising diagonals x + y = c (in
    /// pixels, y down) for c a multiple of `spacing`, cut into one segment per run of hatched
    /// pixels along each, so the lines run unbroken across neighbouring cells.
    fn hatching(&self, hatched: impl Fn(usize) -> bool, spacing: f64) -> Vec<[(i32, i32); 2]> {
        let (w, h) = (self.width as i64, self.height as i64);
        let mut segments = Vec::new();
        if w == 0 || h == 0 {
            return segments;
        }
        let last = ((w + h - 2) as f64 / spacing).floor() as i64;
        for k in 0..=last {
            let c = (k as f64 * spacing).round() as i64;
            let mut start: Option<i64> = None;
            let (first_x, last_x) = ((c - (h - 1)).max(0), c.min(w - 1));
            for x in first_x..=last_x + 1 {
                let on = x <= last_x && {
                    let y = c - x;
                    self.pixels[(y * w + x) as usize].is_some_and(&hatched)
                };
                match (on, start) {
                    (true, None) => start = Some(x),
                    (false, Some(x0)) => {
                        let x1 = x - 1;
                        segments.push([(x0 as i32, (c - x0) as i32), (x1 as i32, (c - x1) as i32)]);
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        segments
    }
}

/// The fill colour of a region: the palette colour halfway to white, or three quarters of
/// the way for hatched regions (so the hatching stays readable and regions stay apart).
fn fill(region: &Region) -> RGBColor {
    let RGBColor(r, g, b) = PALETTE[region.color % PALETTE.len()];
    let share: u16 = if region.hatched { 3 } else { 1 };
    let lighten = |c: u8| ((u16::from(c) + share * 255) / (share + 1)) as u8;
    RGBColor(lighten(r), lighten(g), lighten(b))
}

/// The part of the interval `a` (either order) inside `range`; `None` when it has zero width.
fn clip_interval(a: (f64, f64), range: (f64, f64)) -> Option<(f64, f64)> {
    let lo = a.0.min(a.1).max(range.0);
    let hi = a.0.max(a.1).min(range.1);
    (lo < hi).then_some((lo, hi))
}

/// The part of the segment from `p` to `q` inside the rectangle `x` × `y` (Liang–Barsky), or
/// `None` when they do not meet.
fn clip_segment(
    p: (f64, f64),
    q: (f64, f64),
    x: (f64, f64),
    y: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    // Each pair (d, r) is the constraint d·t ≤ r on the segment parameter t.
    for (d, r) in [
        (-dx, p.0 - x.0),
        (dx, x.1 - p.0),
        (-dy, p.1 - y.0),
        (dy, y.1 - p.1),
    ] {
        if d == 0.0 {
            if r < 0.0 {
                return None;
            }
        } else if d < 0.0 {
            t0 = t0.max(r / d);
        } else {
            t1 = t1.min(r / d);
        }
    }
    let at = |t: f64| (p.0 + t * dx, p.1 + t * dy);
    (t0 <= t1).then(|| (at(t0), at(t1)))
}

/// Hatching segments of the rectangle `u` × `v` (in a y-up frame): the parts inside it of the
/// rising diagonals u − v = k·`spacing` for all integers k, so hatching of neighbouring
/// rectangles lines up.
fn hatch(u: (f64, f64), v: (f64, f64), spacing: f64) -> Vec<((f64, f64), (f64, f64))> {
    let first = ((u.0 - v.1) / spacing).ceil() as i64;
    let last = ((u.1 - v.0) / spacing).floor() as i64;
    (first..=last)
        .filter_map(|k| {
            let c = k as f64 * spacing;
            let (a, b) = (u.0.max(v.0 + c), u.1.min(v.1 + c));
            (a < b).then_some(((a, a - c), (b, b - c)))
        })
        .collect()
}

/// `text` broken at spaces into lines at most `max_width` wide as measured by `width_of` (a
/// single word wider than that gets a line of its own); at least one line.
fn wrap(
    text: &str,
    max_width: u32,
    width_of: impl Fn(&str) -> Result<u32, PlotError>,
) -> Result<Vec<String>, PlotError> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if line.is_empty() {
            line = word.to_string();
            continue;
        }
        let longer = format!("{line} {word}");
        if width_of(&longer)? <= max_width {
            line = longer;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testing::{self, decode};
    use crate::plot::Render;

    const LONG: &str = "Ia: SGD η=p/(2α+1), DANA-decaying η=p(4α−1)/(4α²+4α−1) and \
                        DANA-constant η=p/(2α+1) while 2β > 1 − 1/α, measured at d = 1000";

    /// Region 0 left of x = 1, region 1 bottom right, hatched region 2 top right.
    fn phase_map() -> RegionMap {
        let n = 20;
        let mut cells = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let (x, y) = (2.0 * i as f64 / n as f64, j as f64 / n as f64);
                let region = if i < n / 2 {
                    0
                } else if j < n / 2 {
                    1
                } else {
                    2
                };
                let (dx, dy) = (2.0 / n as f64, 1.0 / n as f64);
                cells.push(Cell {
                    x: (x, x + dx),
                    y: (y + dy, y), // either order is accepted
                    region,
                });
            }
        }
        RegionMap {
            title: "Phase diagram".into(),
            x_label: "alpha".into(),
            y_label: "beta".into(),
            x_range: (0.0, 2.0),
            y_range: (0.0, 1.0),
            regions: vec![
                Region {
                    label: LONG.into(),
                    color: 0,
                    hatched: false,
                },
                Region {
                    label: "II: short".into(),
                    color: 2,
                    hatched: false,
                },
                Region {
                    label: "no formula here".into(),
                    color: 0,
                    hatched: true,
                },
            ],
            cells,
            lines: vec![((1.0, -5.0), (1.0, 5.0)), ((1.0, 0.5), (2.0, 0.5))],
            points: vec![(0.5, 0.3, "E2 point".into()), (3.0, 0.5, "outside".into())],
        }
    }

    /// The contents of the SVG's text elements, in drawing order.
    fn texts(svg: &str) -> Vec<String> {
        testing::texts(svg).into_iter().map(|t| t.3).collect()
    }

    #[test]
    fn png_colours_the_map_and_puts_the_legend_beside_it() {
        let map = phase_map();
        assert_eq!(map.size(), REGION_MAP_SIZE);
        let (w, h) = map.size();
        let (pw, ph, rgb) = decode(&map.render_png(w, h).unwrap());
        assert_eq!((pw, ph), (w, h));
        let pixel = |x: u32, y: u32| {
            let i = 3 * (y * w + x) as usize;
            RGBColor(rgb[i], rgb[i + 1], rgb[i + 2])
        };
        let region_colours: Vec<RGBColor> = map.regions.iter().map(fill).collect();
        let legend_x = w - (f64::from(w) * LEGEND_SHARE).round() as u32;
        let count = |colour: RGBColor, xs: std::ops::Range<u32>| {
            (0..h)
                .flat_map(|y| xs.clone().map(move |x| (x, y)))
                .filter(|&(x, y)| pixel(x, y) == colour)
                .count()
        };
        for colour in &region_colours {
            // A large area of the map, one swatch (21x21 inside its border) in the legend.
            assert!(count(*colour, 0..legend_x) > 50_000);
            let swatch = count(*colour, legend_x..w);
            assert!((100..=441).contains(&swatch), "{swatch}");
        }
        assert!(count(HATCH_LINE, 0..legend_x) > 1000);
        // The top right of the plot is hatched region everywhere: nothing (such as a legend
        // box) is drawn over it, only its pale fill and the hatching (anti-aliased between).
        let pale = fill(&map.regions[2]);
        let mut seen = [0usize; 2];
        for (x, y) in (700..790).flat_map(|x| (100..300).map(move |y| (x, y))) {
            let p = pixel(x, y);
            let line = [HATCH_LINE.0, HATCH_LINE.1, HATCH_LINE.2];
            let between = |i: usize, c: [u8; 3]| {
                let (lo, hi) = (line[i].min(c[i]), line[i].max(c[i]));
                (lo..=hi).contains(&[p.0, p.1, p.2][i])
            };
            let pale_rgb = [pale.0, pale.1, pale.2];
            assert!((0..3).all(|i| between(i, pale_rgb)), "{p:?} at ({x}, {y})");
            seen[usize::from((p.0, p.1, p.2) == (pale.0, pale.1, pale.2))] += 1;
        }
        assert!(
            seen[0] > 0 && seen[1] > 0,
            "both fill and hatching: {seen:?}"
        );
        // The left half of the plot is region 0, apart from the marked point.
        assert_eq!(pixel(200, 200), region_colours[0]);
        assert_eq!(pixel(600, 600), region_colours[1]);

        let (sw, sh, _) = decode(&map.render_png(300, 200).unwrap());
        assert_eq!((sw, sh), (300, 200));
    }

    #[test]
    fn svg_holds_title_labels_points_and_every_legend_entry() {
        let map = phase_map();
        let (w, h) = map.size();
        let svg = map.render_svg(w, h).unwrap();
        let texts = texts(&svg);
        let has = |text: &str| texts.iter().any(|t| t == text);
        for text in [
            "Phase diagram",
            "alpha",
            "beta",
            "II: short",
            "no formula here",
        ] {
            assert!(has(text), "missing {text}");
        }
        assert!(has("E2 point") && !has("outside"));
        // The long label is wrapped onto consecutive lines that read back as the label.
        assert!(!has(LONG));
        assert!(texts.join(" ").contains(LONG));
    }

    #[test]
    fn bad_maps_are_errors() {
        let mut map = phase_map();
        map.cells[7].region = 3;
        let err = map.render_png(1300, 800).unwrap_err().to_string();
        assert!(err.contains("cell 7 refers to region 3") && err.contains("3 regions"));

        let mut map = phase_map();
        map.x_range = (1.0, 1.0);
        assert!(map
            .render_svg(1300, 800)
            .unwrap_err()
            .to_string()
            .contains("x range"));
        let mut map = phase_map();
        map.y_range = (0.0, f64::INFINITY);
        assert!(map
            .render_svg(1300, 800)
            .unwrap_err()
            .to_string()
            .contains("y range"));
        let mut map = phase_map();
        map.cells[0].y.1 = f64::NAN;
        assert!(map
            .render_svg(1300, 800)
            .unwrap_err()
            .to_string()
            .contains("cell 0"));
        let mut map = phase_map();
        map.lines[1].1 .0 = f64::NAN;
        assert!(map
            .render_svg(1300, 800)
            .unwrap_err()
            .to_string()
            .contains("line 1"));
        let mut map = phase_map();
        map.points[0].1 = f64::NAN;
        assert!(map
            .render_svg(1300, 800)
            .unwrap_err()
            .to_string()
            .contains("E2 point"));
        assert!(phase_map().render_png(100, 100).is_err());
    }

    #[test]
    fn clipping() {
        let unit = (0.0, 1.0);
        assert_eq!(clip_interval((2.0, -1.0), unit), Some((0.0, 1.0)));
        assert_eq!(clip_interval((0.25, 0.5), unit), Some((0.25, 0.5)));
        assert_eq!(clip_interval((1.0, 3.0), unit), None);
        assert_eq!(
            clip_segment((-1.0, 0.5), (3.0, 0.5), unit, unit),
            Some(((0.0, 0.5), (1.0, 0.5)))
        );
        assert_eq!(
            clip_segment((0.5, 2.0), (0.5, -2.0), unit, unit),
            Some(((0.5, 1.0), (0.5, 0.0)))
        );
        assert_eq!(
            clip_segment((-1.0, -1.0), (2.0, 2.0), unit, unit),
            Some(((0.0, 0.0), (1.0, 1.0)))
        );
        assert_eq!(
            clip_segment((0.2, 0.3), (0.4, 0.1), unit, unit),
            Some(((0.2, 0.3), (0.4, 0.1)))
        );
        assert_eq!(clip_segment((2.0, 0.0), (2.0, 1.0), unit, unit), None);
        assert_eq!(clip_segment((-1.0, 0.5), (0.5, 2.0), unit, unit), None);
    }

    #[test]
    fn hatching_covers_the_rectangle_on_a_shared_lattice() {
        let segments = hatch((0.0, 10.0), (0.0, 10.0), 5.0);
        assert_eq!(
            segments,
            vec![
                ((0.0, 5.0), (5.0, 10.0)),
                ((0.0, 0.0), (10.0, 10.0)),
                ((5.0, 0.0), (10.0, 5.0)),
            ]
        );
        // A shifted rectangle uses the same diagonals (u − v a multiple of the spacing).
        for ((a, b), (c, d)) in hatch((12.0, 31.0), (-7.0, 4.0), 5.0) {
            assert_eq!((a - b) % 5.0, 0.0);
            assert_eq!(a - b, c - d);
            assert!((12.0..=31.0).contains(&a) && (12.0..=31.0).contains(&c));
            assert!((-7.0..=4.0).contains(&b) && (-7.0..=4.0).contains(&d));
            assert!(a < c);
        }
        assert!(hatch((0.0, 0.0), (0.0, 10.0), 5.0).is_empty());
    }

    #[test]
    fn wrapping_breaks_at_spaces() {
        let width = |s: &str| Ok(10 * s.chars().count() as u32);
        assert_eq!(
            wrap("aa bb cc dddddd e", 50, width).unwrap(),
            ["aa bb", "cc", "dddddd", "e"]
        );
        assert_eq!(wrap("", 50, width).unwrap(), [""]);
        assert_eq!(wrap("  one  ", 10, width).unwrap(), ["one"]);
        let failing = |_: &str| Err(PlotError::Font);
        assert_eq!(wrap("a b", 50, failing).unwrap_err(), PlotError::Font);
    }

    #[test]
    fn cells_tile_the_pixels_exactly() {
        // 37 x 23 cells with edges computed as running sums (not exact multiples) on a raster
        // whose pixels do not divide evenly: every pixel is covered, by exactly one block.
        let (nx, ny) = (37, 23);
        let (mut cells, mut x) = (Vec::new(), 0.0);
        for i in 0..nx {
            let (dx, mut y) = (1.0 / f64::from(nx), 0.0);
            for j in 0..ny {
                let dy = 0.7 / f64::from(ny);
                cells.push(Cell {
                    x: (x, x + dx),
                    y: (y, y + dy),
                    region: ((i + j) % 2) as usize,
                });
                y += dy;
            }
            x += 1.0 / f64::from(nx);
        }
        let map = RegionMap {
            x_range: (0.0, 1.0),
            y_range: (0.0, 0.7),
            cells,
            lines: vec![],
            points: vec![],
            ..phase_map()
        };
        let (w, h) = (333, 217);
        let raster = Raster::of(&map, w, h);
        assert!(
            raster.pixels.iter().all(Option::is_some),
            "a pixel without a cell"
        );
        let mut covered = vec![0u8; w * h];
        for ((c0, c1), (r0, r1), region) in raster.blocks() {
            for r in r0..r1 {
                for c in c0..c1 {
                    let i = r as usize * w + c as usize;
                    covered[i] += 1;
                    assert_eq!(raster.pixels[i], Some(region));
                }
            }
        }
        assert!(covered.iter().all(|&n| n == 1));
        // A checkerboard of 37 x 23 cells: merging leaves one block per cell.
        assert_eq!(raster.blocks().len(), 37 * 23);
        // In the image, no white pixel inside the map's frame.
        let (iw, ih) = map.size();
        let (_, _, rgb) = decode(&map.render_png(iw, ih).unwrap());
        let fills = [fill(&map.regions[0]), fill(&map.regions[1])];
        let is_fill = |x: u32, y: u32| {
            let i = 3 * (y * iw + x) as usize;
            fills.iter().any(|f| rgb[i..i + 3] == [f.0, f.1, f.2])
        };
        // The map spans from its first to its last filled pixel on the middle row and column.
        let mid_row = (0..iw).filter(|&x| is_fill(x, ih / 2)).collect::<Vec<_>>();
        let mid_col = (0..ih).filter(|&y| is_fill(iw / 4, y)).collect::<Vec<_>>();
        let (xa, xb) = (mid_row[0] + 1, *mid_row.last().unwrap() - 1);
        let (ya, yb) = (mid_col[0] + 1, *mid_col.last().unwrap() - 1);
        for y in ya..=yb {
            for x in xa..=xb {
                assert!(is_fill(x, y), "gap at ({x}, {y})");
            }
        }
    }

    #[test]
    fn hatching_runs_unbroken_across_cells() {
        let mut map = phase_map();
        map.cells = vec![
            Cell {
                x: (0.0, 1.0),
                y: (0.0, 1.0),
                region: 2,
            },
            Cell {
                x: (1.0, 2.0),
                y: (0.0, 1.0),
                region: 2,
            },
        ];
        let raster = Raster::of(&map, 200, 100);
        let segments = raster.hatching(|r| map.regions[r].hatched, 12.0);
        // One segment per diagonal crossing the whole raster, none cut at the cell edge x=100.
        assert_eq!(segments.len(), (200 + 100 - 2) / 12 + 1);
        for [(x0, y0), (x1, y1)] in &segments {
            assert_eq!(x0 + y0, x1 + y1, "a rising 45° line");
            assert!(*x0 == 0 || *y0 == 99, "starts on the left or bottom edge");
            assert!(*x1 == 199 || *y1 == 0, "ends on the right or top edge");
        }
        // Unhatched regions get none.
        assert!(raster.hatching(|_| false, 12.0).is_empty());
    }

    #[test]
    fn point_labels_are_drawn_last_on_a_white_box() {
        let mut map = phase_map();
        // A point whose label box sits across the boundary line x = 1.
        map.points = vec![(0.97, 0.42, "on the line".into())];
        let (w, h) = map.size();
        let svg = map.render_svg(w, h).unwrap();
        let label_at = svg.find("\non the line\n").unwrap();
        // Every boundary line (black polyline) comes before the label, and a white box right
        // before it.
        let black_lines: Vec<usize> = svg
            .match_indices("<polyline")
            .filter(|(i, _)| {
                let tag = svg[*i..].split('>').next().unwrap();
                tag.contains("stroke=\"#000000\" stroke-width=\"2\"")
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(black_lines.len(), 2, "the two boundary lines");
        assert!(black_lines.iter().all(|&i| i < label_at));
        let before = &svg[..label_at];
        let last_rect = before.rfind("<rect").unwrap();
        assert!(
            before[last_rect..].contains("fill=\"#FFFFFF\""),
            "{}",
            &before[last_rect..]
        );
    }

    #[test]
    fn data_lists_regions_cells_lines_and_points() {
        let map = phase_map();
        let data = map.data();
        assert_eq!(
            data.columns,
            ["kind", "region", "label", "x0", "x1", "y0", "y1"]
        );
        let count = |kind: &str| data.rows.iter().filter(|r| r[0] == kind.into()).count();
        assert_eq!(count("region"), 3);
        assert_eq!(count("cell"), 400);
        assert_eq!(count("line"), 2);
        assert_eq!(count("point"), 2);
        assert_eq!(data.rows.len(), 3 + 400 + 2 + 2);
        assert_eq!(data.rows[1][2], "II: short".into());
        let cell = &data.rows[3 + 21];
        let given = &map.cells[21];
        assert_eq!(cell[1], given.region.into());
        assert_eq!(
            cell[3..],
            [
                given.x.0.into(),
                given.x.1.into(),
                given.y.0.into(),
                given.y.1.into()
            ]
        );
        let point = data.rows.last().unwrap();
        assert_eq!(point[2], "outside".into());
        assert_eq!(point[3..], [3.0.into(), 3.0.into(), 0.5.into(), 0.5.into()]);
    }
}
