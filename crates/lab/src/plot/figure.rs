//! Figures on one set of axes (lines, steps, scatter, mean ± band, stacked areas, vertical
//! markers) and grids of them.

use super::axis::{runs, text_scale, Axis, Coord, Scale};
use super::color::Rgb;
use super::legend::Ink;
use super::{
    draw_err, png_of, svg_of, tick_label_in, titled, Draw, PlotError, Render, DEFAULT_SIZE, FONT,
    MIN_SIZE,
};
use crate::table::{Table, Value};
use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::element::{DashedPathElement, MultiLineText};
use plotters::prelude::*;

/// How a [`Series`], a [`Band`]'s mean or a [`VLine`] is stroked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// A 3 px line (larger markers), for the main result.
    Bold,
    /// A 2 px line.
    #[default]
    Normal,
    /// A thin, mostly transparent line (small pale markers), for individual runs behind a mean;
    /// drawn before the other series.
    Faded,
    /// A 2 px dashed line (hollow markers), for references such as theoretical predictions.
    Dashed,
    /// A 2 px dotted line (hollow markers), a third line style for families.
    Dotted,
}

/// How the points of a [`Series`] are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mark {
    /// A polyline through the points.
    #[default]
    Line,
    /// Piecewise constant: each point's y holds from its x to the next point's x, where a
    /// vertical riser joins the next level; the last point only ends the line (repeat the last
    /// y at the end of its interval to close it).
    Step,
    /// A marker at each point, no line.
    Scatter,
}

/// A sequence of points drawn as a line, steps or markers. Points that cannot be drawn on the
/// axes break the line and are left out of the axis ranges: non-finite ones, on a log axis
/// those outside [1e-140, 1e140] (non-positive included), on a linear axis those beyond ±1e300.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Name of the series: its legend entry (unless `legend` is false) and its key in the
    /// figure's [`Render::data`]; unlabelled series are left out of the legend.
    pub label: Option<String>,
    /// Points `(x, y)` in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Colour: [`Rgb::tab`] for categories, [`super::color_for`] for ordered families.
    pub color: Rgb,
    /// Stroke (lines and steps) or marker kind (scatter).
    pub style: Style,
    /// Line, steps or markers.
    pub mark: Mark,
    /// Whether a labelled series is listed in the legend (true unless a family is keyed by
    /// legend-only entries, see [`Series::key`]).
    pub legend: bool,
}

impl Series {
    /// A normal line through `points`, unlabelled, in palette colour 0.
    pub fn line(points: Vec<(f64, f64)>) -> Series {
        Series {
            label: None,
            points,
            color: Rgb::tab(0),
            style: Style::Normal,
            mark: Mark::Line,
            legend: true,
        }
    }

    /// Steps through `points` (see [`Mark::Step`]).
    pub fn step(points: Vec<(f64, f64)>) -> Series {
        Series {
            mark: Mark::Step,
            ..Series::line(points)
        }
    }

    /// Markers at `points`.
    pub fn scatter(points: Vec<(f64, f64)>) -> Series {
        Series {
            mark: Mark::Scatter,
            ..Series::line(points)
        }
    }

    /// A legend entry with nothing to draw: keys a colour or line style shared by several
    /// unlisted series (e.g. one entry per optimizer for families coloured by size).
    pub fn key(label: impl Into<String>) -> Series {
        Series::line(Vec::new()).label(label)
    }

    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Series {
        self.label = Some(label.into());
        self
    }

    /// Sets the colour.
    pub fn color(mut self, color: Rgb) -> Series {
        self.color = color;
        self
    }

    /// Sets the style.
    pub fn style(mut self, style: Style) -> Series {
        self.style = style;
        self
    }

    /// Keeps a labelled series out of the legend (its label still names it in the data).
    pub fn unlisted(mut self) -> Series {
        self.legend = false;
        self
    }

    /// The points as drawn: the corners of the steps for [`Mark::Step`], else the points.
    fn path(&self) -> Vec<(f64, f64)> {
        match self.mark {
            Mark::Step => steps(&self.points),
            Mark::Line | Mark::Scatter => self.points.clone(),
        }
    }
}

/// One point of a [`Band`]: the mean and the interval around it (a standard deviation, a
/// confidence interval: the caller's choice), with `lower ≤ mean ≤ upper`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPoint {
    /// Position on the x axis.
    pub x: f64,
    /// Lower edge of the band.
    pub lower: f64,
    /// The line drawn inside the band.
    pub mean: f64,
    /// Upper edge of the band.
    pub upper: f64,
}

/// A mean line with a filled, semi-transparent band between a lower and an upper curve; drawn
/// before the series. Points with a coordinate that cannot be drawn break the fill (and the
/// line where the mean cannot be drawn).
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Legend entry and data key.
    pub label: Option<String>,
    /// The points in drawing order.
    pub points: Vec<BandPoint>,
    /// Colour of the line; the fill is the same colour, mostly transparent.
    pub color: Rgb,
    /// Stroke of the mean line.
    pub style: Style,
}

impl Band {
    /// The x values and the (lower, upper) edges of the fill.
    fn edges(&self) -> (Vec<f64>, Vec<(f64, f64)>) {
        self.points
            .iter()
            .map(|p| (p.x, (p.lower, p.upper)))
            .unzip()
    }

    /// The points of the mean line.
    fn means(&self) -> Vec<(f64, f64)> {
        self.points.iter().map(|p| (p.x, p.mean)).collect()
    }
}

/// Components stacked on top of each other over shared x values, e.g. shares over rounds
/// summing to 1; each component is filled in its colour and listed in the legend. Drawn first,
/// on a linear y axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    /// The shared x values, in drawing order.
    pub x: Vec<f64>,
    /// The components, bottom first; each has one value (≥ 0) per x.
    pub parts: Vec<StackPart>,
}

/// One component of a [`Stack`].
#[derive(Clone, Debug, PartialEq)]
pub struct StackPart {
    /// Legend entry and data key.
    pub label: String,
    /// One non-negative value per x of the stack.
    pub values: Vec<f64>,
    /// Fill colour.
    pub color: Rgb,
}

/// A dashed vertical line across the full height of the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct VLine {
    /// Position on the x axis.
    pub x: f64,
    /// Legend entry, if any.
    pub label: Option<String>,
    /// Colour.
    pub color: Rgb,
}

/// Where the legend goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Legend {
    /// Inside the plot where it covers no drawn data (the upper right corner first, then the
    /// other corners and the middles of the sides); to the right of the plot when every such
    /// place would cover data.
    #[default]
    Auto,
    /// Always to the right of the plot.
    Outside,
}

/// A plot with a title and two axes, each linear or logarithmic, holding any mix of stacked
/// areas, bands, series (lines, steps, markers) and vertical markers, drawn in that order.
///
/// Its [`Render::data`] has one row per point given, drawable or not: `series` (the element's
/// number, counting stacked components, bands, series and vertical lines in that order),
/// `label` (empty when none), `kind` (`area`, `band`, `line`, `step`, `scatter`, `vline`),
/// `x`, `y`, and for areas and bands `lower` and `upper` (a stacked component's `y` is its own
/// value, `lower`/`upper` its stacked edges; a vertical line has no `y`).
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Title above the plot.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// Stacked areas, drawn first.
    pub stack: Option<Stack>,
    /// Mean lines with bands, drawn after the stack.
    pub bands: Vec<Band>,
    /// Lines, steps and markers, drawn in order (faded ones first).
    pub series: Vec<Series>,
    /// Vertical markers, drawn over the series.
    pub vlines: Vec<VLine>,
    /// Placement of the legend, which lists every labelled element.
    pub legend: Legend,
}

impl Figure {
    /// An empty figure on the axes `x` and `y`, e.g.
    /// `Figure::new("Risk", Axis::log("t"), Axis::linear("risk"))`.
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> Figure {
        Figure {
            title: title.into(),
            x,
            y,
            stack: None,
            bands: Vec::new(),
            series: Vec::new(),
            vlines: Vec::new(),
            legend: Legend::Auto,
        }
    }

    /// Encoded PNG (8-bit RGB) of the figure at `width` x `height` pixels; the same as
    /// [`Render::render_png`], callable without importing the trait.
    pub fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
        png_of(self, width, height)
    }

    /// SVG document of the figure at `width` x `height` pixels, text kept as text; the same as
    /// [`Render::render_svg`], callable without importing the trait.
    pub fn render_svg(&self, width: u32, height: u32) -> Result<String, PlotError> {
        svg_of(self, width, height)
    }

    /// Checks the bands' order (lower ≤ mean ≤ upper where all three are numbers) and the
    /// stack's lengths and values.
    fn check(&self) -> Result<(), PlotError> {
        let name = &self.title;
        for (b, band) in self.bands.iter().enumerate() {
            let which = band.label.as_deref().unwrap_or("unlabelled");
            for (i, p) in band.points.iter().enumerate() {
                if p.lower > p.mean || p.mean > p.upper {
                    return Err(PlotError::Data(format!(
                        "figure '{name}': band {b} ({which}) point {i} has lower {} ≤ mean {} ≤ \
                         upper {} violated",
                        p.lower, p.mean, p.upper
                    )));
                }
            }
        }
        if let Some(stack) = &self.stack {
            for part in &stack.parts {
                if part.values.len() != stack.x.len() {
                    return Err(PlotError::Data(format!(
                        "figure '{name}': the stacked component '{}' has {} values for {} x \
                         values",
                        part.label,
                        part.values.len(),
                        stack.x.len()
                    )));
                }
                if let Some(v) = part.values.iter().find(|v| v.is_nan() || **v < 0.0) {
                    return Err(PlotError::Data(format!(
                        "figure '{name}': the stacked component '{}' has the value {v} (values \
                         must be numbers ≥ 0)",
                        part.label
                    )));
                }
            }
        }
        Ok(())
    }

    /// The stack's layers as (lower, upper) edges per x, bottom first.
    fn layers(&self) -> Vec<(&StackPart, Vec<(f64, f64)>)> {
        let Some(stack) = &self.stack else {
            return Vec::new();
        };
        let mut base = vec![0.0; stack.x.len()];
        stack
            .parts
            .iter()
            .map(|part| {
                let edges = base
                    .iter_mut()
                    .zip(&part.values)
                    .map(|(b, v)| {
                        let lower = *b;
                        *b += v;
                        (lower, *b)
                    })
                    .collect();
                (part, edges)
            })
            .collect()
    }

    /// Every x and every y value the figure places (drawable or not).
    fn coordinates(&self) -> (Vec<f64>, Vec<f64>) {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        let (sx, sy) = (self.x.scale, self.y.scale);
        for (_, edges) in self.layers() {
            let stack_x = self.stack.iter().flat_map(|s| &s.x);
            for (&x, &(lo, hi)) in stack_x.zip(&edges) {
                if sx.drawable(x) {
                    xs.push(x);
                    ys.extend([lo, hi]);
                }
            }
        }
        for p in self.bands.iter().flat_map(|b| &b.points) {
            if sx.drawable(p.x) {
                xs.push(p.x);
                ys.extend(
                    [p.lower, p.mean, p.upper]
                        .into_iter()
                        .filter(|&v| sy.drawable(v)),
                );
            }
        }
        for &(x, y) in self.series.iter().flat_map(|s| &s.points) {
            if sx.drawable(x) && sy.drawable(y) {
                xs.push(x);
                ys.push(y);
            }
        }
        xs.extend(self.vlines.iter().map(|v| v.x));
        (xs, ys)
    }

    /// The legend entries: label and swatch, the stack's components top first (as they are
    /// stacked), then the rest in drawing order.
    fn entries(&self) -> Vec<(String, Swatch)> {
        let mut entries = Vec::new();
        for part in self.stack.iter().flat_map(|s| s.parts.iter().rev()) {
            entries.push((part.label.clone(), Swatch::Area(part.color)));
        }
        for band in &self.bands {
            if let Some(label) = &band.label {
                entries.push((label.clone(), Swatch::Band(band.color, band.style)));
            }
        }
        for s in self.drawing_order() {
            if let (Some(label), true) = (&s.label, s.legend) {
                let swatch = match s.mark {
                    Mark::Scatter => Swatch::Marker(s.color, s.style),
                    Mark::Line | Mark::Step => Swatch::Line(s.color, s.style),
                };
                entries.push((label.clone(), swatch));
            }
        }
        for v in &self.vlines {
            if let Some(label) = &v.label {
                entries.push((label.clone(), Swatch::Line(v.color, Style::Dashed)));
            }
        }
        entries
    }

    /// The series, faded ones first.
    fn drawing_order(&self) -> Vec<&Series> {
        let mut series: Vec<&Series> = self.series.iter().collect();
        series.sort_by_key(|s| s.style != Style::Faded);
        series
    }

    /// Draws the figure on `area` with text and fixed sizes scaled by `k`.
    pub(crate) fn draw_scaled<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        k: f64,
    ) -> Result<(), PlotError> {
        self.check()?;
        let px = |v: f64| (v * k).round() as i32;
        let body = titled(area, &self.title, k)?;
        let (xs, ys) = self.coordinates();
        let (sx, sy) = (self.x.scale, self.y.scale);
        let y_range = sy.range(ys.into_iter());
        let (xc, yc) = (
            Coord::new(sx, sx.range(xs.into_iter())),
            Coord::new(sy, y_range),
        );
        let build = |on: &DrawingArea<DB, Shift>| {
            ChartBuilder::on(on)
                .margin(px(8.0))
                .margin_right(px(16.0))
                .x_label_area_size(px(50.0))
                .y_label_area_size(px(84.0))
                .build_cartesian_2d(xc.clone(), yc.clone())
                .map_err(draw_err)
        };

        let legend = LegendStyle::new(self.entries(), k)?;
        let gap = px(10.0);
        let inside = match (&legend, self.legend) {
            (Some(legend), Legend::Auto) => {
                let probe = build(&body)?;
                self.ink(&probe, k, y_range)
                    .free_spot(legend.size, gap, px(3.0))
            }
            (None, _) | (Some(_), Legend::Outside) => None,
        };
        // A legend that fits nowhere inside gets a strip of its own right of the plot.
        let (plot, strip) = match (&legend, inside) {
            (Some(legend), None) => {
                let width = body.dim_in_pixel().0 as i32;
                let (plot, strip) = body.split_horizontally(width - legend.size.0 - gap);
                (plot, Some(strip))
            }
            _ => (body.clone(), None),
        };
        let mut chart = build(&plot)?;
        let (x_span, y_span) = (xc.span(), yc.span());
        chart
            .configure_mesh()
            .x_desc(&self.x.label)
            .y_desc(&self.y.label)
            .x_label_formatter(&|v| tick_label_in(*v, x_span))
            .y_label_formatter(&|v| tick_label_in(*v, y_span))
            .x_labels(10)
            .y_labels(10)
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(4)
            .label_style((FONT, px(15.0)))
            .axis_desc_style((FONT, px(18.0)))
            .draw()
            .map_err(draw_err)?;
        self.draw_marks(&mut chart, k, y_range)?;

        match (legend, inside, strip) {
            (Some(legend), Some(at), _) => legend.draw(&mut chart, at, k),
            (Some(legend), None, Some(strip)) => {
                let mut holder = ChartBuilder::on(&strip)
                    .margin_top(px(8.0))
                    .build_cartesian_2d(
                        Coord::new(Scale::Linear, (0.0, 1.0)),
                        Coord::new(Scale::Linear, (0.0, 1.0)),
                    )
                    .map_err(draw_err)?;
                legend.draw(&mut holder, (0, 0), k)
            }
            _ => Ok(()),
        }
    }

    /// Draws the stack, bands, series (faded ones first) and vertical lines.
    fn draw_marks<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<DB, Cartesian2d<Coord, Coord>>,
        k: f64,
        (y_lo, y_hi): (f64, f64),
    ) -> Result<(), PlotError> {
        let (sx, sy) = (self.x.scale, self.y.scale);
        let stack_x: &[f64] = self.stack.as_ref().map_or(&[], |s| &s.x);
        let polygons = |x: &[f64], edges: &[(f64, f64)], fill: ShapeStyle| {
            fills(x, edges, sx, sy)
                .into_iter()
                .map(move |outline| Polygon::new(outline, fill))
        };
        for (part, edges) in self.layers() {
            let fill = Swatch::Area(part.color).fill();
            chart
                .draw_series(polygons(stack_x, &edges, fill))
                .map_err(draw_err)?;
        }
        for band in &self.bands {
            let (x, edges) = band.edges();
            let fill = Swatch::Band(band.color, band.style).fill();
            chart
                .draw_series(polygons(&x, &edges, fill))
                .map_err(draw_err)?;
            self.stroke(chart, &band.means(), band.style, band.color, k)?;
        }
        for s in self.drawing_order() {
            match s.mark {
                Mark::Scatter => {
                    let (radius, style) = marker(s.style, s.color, k);
                    let points = runs(&s.points, sx, sy).into_iter().flatten();
                    chart
                        .draw_series(points.map(move |p| Circle::new(p, radius, style)))
                        .map_err(draw_err)?;
                }
                Mark::Line | Mark::Step => self.stroke(chart, &s.path(), s.style, s.color, k)?,
            }
        }
        for v in self.vlines.iter().filter(|v| sx.drawable(v.x)) {
            let line = [(v.x, y_lo), (v.x, y_hi)];
            self.stroke(chart, &line, Style::Dashed, v.color, k)?;
        }
        Ok(())
    }

    /// Strokes the drawable runs of `points` in `style` (a run of one point as a dot).
    fn stroke<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<DB, Cartesian2d<Coord, Coord>>,
        points: &[(f64, f64)],
        style: Style,
        color: Rgb,
        k: f64,
    ) -> Result<(), PlotError> {
        let shape = style.shape(color, k);
        for run in runs(points, self.x.scale, self.y.scale) {
            let dot = if run.len() == 1 { (3.0 * k) as u32 } else { 0 };
            match style.dashes(k) {
                (0, _) => chart.draw_series(LineSeries::new(run, shape).point_size(dot)),
                (dash, space) => chart.draw_series(DashedLineSeries::new(run, dash, space, shape)),
            }
            .map_err(draw_err)?;
        }
        Ok(())
    }

    /// The plot area's ink: pixels covered by what [`Figure::draw_marks`] draws.
    fn ink<DB: DrawingBackend>(
        &self,
        chart: &ChartContext<DB, Cartesian2d<Coord, Coord>>,
        k: f64,
        (y_lo, y_hi): (f64, f64),
    ) -> Ink {
        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut ink = Ink::new(px, py);
        let (sx, sy) = (self.x.scale, self.y.scale);
        let at = |p: &(f64, f64)| {
            let (x, y) = chart.backend_coord(p);
            (f64::from(x), f64::from(y))
        };
        let mut area = |x: &[f64], edges: &[(f64, f64)]| {
            for outline in fills(x, edges, sx, sy) {
                // A fill outline runs along the upper edge, then back along the lower one.
                let half = outline.len() / 2;
                let upper: Vec<_> = outline[..half].iter().map(at).collect();
                let lower: Vec<_> = outline[half..].iter().rev().map(at).collect();
                ink.between(&lower, &upper);
            }
        };
        let stack_x: &[f64] = self.stack.as_ref().map_or(&[], |s| &s.x);
        for (_, edges) in self.layers() {
            area(stack_x, &edges);
        }
        for band in &self.bands {
            let (x, edges) = band.edges();
            area(&x, &edges);
        }
        for band in &self.bands {
            for run in runs(&band.means(), sx, sy) {
                ink.polyline(&run.iter().map(at).collect::<Vec<_>>());
            }
        }
        for s in &self.series {
            for run in runs(&s.path(), sx, sy) {
                let pixels: Vec<_> = run.iter().map(at).collect();
                if s.mark == Mark::Scatter {
                    let r = marker(s.style, s.color, k).0 as f64;
                    for p in pixels {
                        ink.between(
                            &[(p.0 - r, p.1 + r), (p.0 + r, p.1 + r)],
                            &[(p.0 - r, p.1 - r), (p.0 + r, p.1 - r)],
                        );
                    }
                } else {
                    ink.polyline(&pixels);
                }
            }
        }
        for v in self.vlines.iter().filter(|v| sx.drawable(v.x)) {
            ink.polyline(&[at(&(v.x, y_lo)), at(&(v.x, y_hi))]);
        }
        ink
    }
}

/// The closed outlines (upper edge left to right, then lower edge back) of the fill between
/// `edges[i] = (lower, upper)` at `x[i]`, one per run of points drawable on both axes.
fn fills(x: &[f64], edges: &[(f64, f64)], sx: Scale, sy: Scale) -> Vec<Vec<(f64, f64)>> {
    let ok =
        |(&x, &(lo, hi)): (&f64, &(f64, f64))| sx.drawable(x) && sy.drawable(lo) && sy.drawable(hi);
    let pairs: Vec<_> = x.iter().zip(edges).collect();
    pairs
        .split(|p| !ok(*p))
        .filter(|run| !run.is_empty())
        .map(|run| {
            let upper = run.iter().map(|(&x, &(_, hi))| (x, hi));
            let lower = run.iter().rev().map(|(&x, &(lo, _))| (x, lo));
            upper.chain(lower).collect()
        })
        .collect()
}

/// The corners of the piecewise-constant path through `points` (see [`Mark::Step`]); a point
/// that cannot be drawn (NaN) stays in place and breaks the path.
fn steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut path = Vec::with_capacity(2 * points.len());
    for (i, &(x, y)) in points.iter().enumerate() {
        if i > 0 {
            let (_, prev_y) = points[i - 1];
            if prev_y.is_finite() && y.is_finite() && x.is_finite() {
                path.push((x, prev_y));
            }
        }
        path.push((x, y));
    }
    path
}

/// Radius and style of a scatter marker.
fn marker(style: Style, color: Rgb, k: f64) -> (i32, ShapeStyle) {
    let c = color.rgb();
    let (radius, shape) = match style {
        Style::Bold => (5.0, c.filled()),
        Style::Normal => (3.5, c.filled()),
        Style::Faded => (2.5, c.mix(0.35).filled()),
        Style::Dashed | Style::Dotted => (4.0, c.stroke_width((1.5 * k).round().max(1.0) as u32)),
    };
    ((radius * k).round() as i32, shape)
}

/// A legend: its entries, its font and its measured size in pixels.
struct LegendStyle {
    entries: Vec<(String, Swatch)>,
    font: FontDesc<'static>,
    /// Room for a swatch left of the text.
    swatch: i32,
    /// Padding inside the box.
    margin: i32,
    /// Width and height of the box.
    size: (i32, i32),
}

impl LegendStyle {
    /// The legend of `entries` with text scaled by `k`; `None` when there are no entries.
    fn new(entries: Vec<(String, Swatch)>, k: f64) -> Result<Option<LegendStyle>, PlotError> {
        if entries.is_empty() {
            return Ok(None);
        }
        let px = |v: f64| (v * k).round() as i32;
        let font = (FONT, px(15.0)).into_font();
        let (swatch, margin) = (px(34.0), px(8.0));
        // Measured as plotters lays the box out: the lines of text, the swatch room, padding.
        let mut text = MultiLineText::<_, &str>::new((0, 0), font.clone());
        for (label, _) in &entries {
            text.push_line(label.as_str());
        }
        let (w, h) = text
            .estimate_dimension()
            .map_err(|e| PlotError::Draw(format!("cannot measure the legend: {e}")))?;
        Ok(Some(LegendStyle {
            entries,
            font,
            swatch,
            margin,
            size: (w + swatch + 2 * margin, h + 2 * margin),
        }))
    }

    /// Draws the legend box with its top left corner at `at` in `chart`'s plot area: each entry
    /// becomes an empty series of the chart carrying its label and swatch.
    fn draw<'a, DB: DrawingBackend + 'a>(
        self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<Coord, Coord>>,
        (x, y): (i32, i32),
        k: f64,
    ) -> Result<(), PlotError> {
        for (label, swatch) in &self.entries {
            let anno = chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(draw_err)?;
            swatch.attach(anno, label, k);
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::Coordinate(x, y))
            .legend_area_size(self.swatch)
            .margin(self.margin)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font(self.font)
            .draw()
            .map_err(draw_err)
    }
}

/// What a legend entry shows.
#[derive(Clone, Copy, Debug)]
enum Swatch {
    /// A short line in a style.
    Line(Rgb, Style),
    /// One marker.
    Marker(Rgb, Style),
    /// A filled square.
    Area(Rgb),
    /// A pale box with a line across.
    Band(Rgb, Style),
}

impl Swatch {
    /// The fill of areas and bands.
    fn fill(self) -> ShapeStyle {
        match self {
            Swatch::Area(c) => c.rgb().mix(0.85).filled(),
            Swatch::Band(c, _) | Swatch::Line(c, _) | Swatch::Marker(c, _) => {
                c.rgb().mix(0.22).filled()
            }
        }
    }

    /// Labels `anno` and gives it this swatch, drawn with its left middle at the legend's
    /// anchor.
    fn attach<'a, DB: DrawingBackend + 'a>(
        self,
        anno: &mut SeriesAnno<'a, DB>,
        label: &str,
        k: f64,
    ) {
        let px = |v: f64| (v * k).round() as i32;
        let (w, h) = (px(24.0), px(6.0));
        anno.label(label);
        match self {
            Swatch::Line(c, style) => match style.dashes(k) {
                (0, _) => anno.legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + w, y)], style.shape(c, k))
                }),
                (dash, space) => anno.legend(move |(x, y)| {
                    DashedPathElement::new([(x, y), (x + w, y)], dash, space, style.shape(c, k))
                }),
            },
            Swatch::Marker(c, style) => {
                let (radius, shape) = marker(style, c, k);
                anno.legend(move |(x, y)| Circle::new((x + w / 2, y), radius, shape))
            }
            Swatch::Area(_) => {
                anno.legend(move |(x, y)| Rectangle::new([(x, y - h), (x + w, y + h)], self.fill()))
            }
            Swatch::Band(c, style) => anno.legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + Rectangle::new([(0, -h), (w, h)], self.fill())
                    + PathElement::new([(0, 0), (w, 0)], style.shape(c, k))
            }),
        };
    }
}

impl Style {
    /// The stroke of this style in `color`, widths scaled by `k`.
    fn shape(self, color: Rgb, k: f64) -> ShapeStyle {
        let (alpha, width) = match self {
            Style::Bold => (1.0, 3.0),
            Style::Normal | Style::Dashed | Style::Dotted => (1.0, 2.0),
            Style::Faded => (0.15, 1.0),
        };
        ShapeStyle {
            color: color.rgb().mix(alpha),
            filled: false,
            stroke_width: (width * k).round().max(1.0) as u32,
        }
    }

    /// Dash and gap lengths in pixels; a dash of 0 for solid lines.
    fn dashes(self, k: f64) -> (i32, i32) {
        let px = |v: f64| (v * k).round() as i32;
        match self {
            Style::Dashed => (px(12.0), px(6.0)),
            Style::Dotted => (px(2.0).max(1), px(5.0)),
            Style::Bold | Style::Normal | Style::Faded => (0, 0),
        }
    }
}

impl Draw for Figure {
    /// Picks the axis ranges from the drawable data and draws on `area`, text scaled to the
    /// area's width.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        self.draw_scaled(area, text_scale(area.dim_in_pixel().0))
    }

    /// [`DEFAULT_SIZE`].
    fn natural_size(&self) -> (u32, u32) {
        DEFAULT_SIZE
    }

    /// See [`Figure`].
    fn plotted(&self) -> Table {
        let mut rows = Rows {
            table: Table::new(DATA_COLUMNS),
            index: 0,
        };
        let stack_x: &[f64] = self.stack.as_ref().map_or(&[], |s| &s.x);
        for (part, edges) in self.layers() {
            for ((&x, &v), &e) in stack_x.iter().zip(&part.values).zip(&edges) {
                rows.push(Some(&part.label), "area", x, v.into(), Some(e));
            }
            rows.index += 1;
        }
        for band in &self.bands {
            for p in &band.points {
                let edges = Some((p.lower, p.upper));
                rows.push(band.label.as_deref(), "band", p.x, p.mean.into(), edges);
            }
            rows.index += 1;
        }
        for s in &self.series {
            let kind = match s.mark {
                Mark::Line => "line",
                Mark::Step => "step",
                Mark::Scatter => "scatter",
            };
            for &(x, y) in &s.points {
                rows.push(s.label.as_deref(), kind, x, y.into(), None);
            }
            rows.index += 1;
        }
        for v in &self.vlines {
            rows.push(v.label.as_deref(), "vline", v.x, Value::Null, None);
            rows.index += 1;
        }
        rows.table
    }
}

/// Columns of a figure's [`Render::data`].
const DATA_COLUMNS: [&str; 7] = ["series", "label", "kind", "x", "y", "lower", "upper"];

/// A figure's data table being filled, with the number of the current element.
struct Rows {
    table: Table,
    index: usize,
}

impl Rows {
    fn push(
        &mut self,
        label: Option<&str>,
        kind: &str,
        x: f64,
        y: Value,
        band: Option<(f64, f64)>,
    ) {
        let (lo, hi) = band.map_or((Value::Null, Value::Null), |(l, u)| (l.into(), u.into()));
        self.table.push(vec![
            self.index.into(),
            label.unwrap_or("").into(),
            kind.into(),
            x.into(),
            y,
            lo,
            hi,
        ]);
    }
}

/// Most figures per row of [`Panels`]: more would shrink tick labels below legibility at
/// report width.
pub const MAX_COLUMNS: usize = 2;

/// Figures in a grid, filled row by row, under one overall title. Its [`Render::data`] holds
/// the rows of every figure's data (see [`Figure`]), each preceded by `panel`, the figure's
/// number in reading order.
#[derive(Clone, Debug, PartialEq)]
pub struct Panels {
    /// Title above the grid.
    pub title: String,
    /// The figures, in reading order.
    pub panels: Vec<Figure>,
    /// Figures per row (at least 1); more than [`MAX_COLUMNS`] are laid out as
    /// [`MAX_COLUMNS`], the extra figures going to further rows.
    pub columns: usize,
}

impl Panels {
    /// Figures per row as drawn: `columns`, at most [`MAX_COLUMNS`].
    fn grid_columns(&self) -> usize {
        self.columns.min(MAX_COLUMNS)
    }

    /// Number of rows of the grid (at least 1).
    fn rows(&self) -> usize {
        self.panels
            .len()
            .div_ceil(self.grid_columns().max(1))
            .max(1)
    }
}

impl Draw for Panels {
    /// Draws the title, then each figure on its cell of the grid below it, all text scaled to
    /// the whole grid's width.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        if self.columns == 0 {
            return Err(PlotError::Data(format!(
                "the panel grid '{}' has 0 columns (it needs at least 1)",
                self.title
            )));
        }
        if self.panels.is_empty() {
            return Err(PlotError::Data(format!(
                "the panel grid '{}' has no figures",
                self.title
            )));
        }
        let (columns, rows) = (self.grid_columns(), self.rows());
        let k = text_scale(area.dim_in_pixel().0);
        area.fill(&WHITE).map_err(draw_err)?;
        let grid = area
            .margin((10.0 * k) as i32, 0, 0, 0)
            .titled(&self.title, (FONT, (28.0 * k) as i32))
            .map_err(draw_err)?;
        let (width, height) = grid.dim_in_pixel();
        let cell = (width / columns as u32, height / rows as u32);
        let (min_w, min_h) = MIN_SIZE;
        if cell.0 < min_w || cell.1 < min_h {
            return Err(PlotError::Data(format!(
                "the panel grid '{}' leaves {}x{} pixels per figure ({columns} columns, {rows} \
                 rows), less than the minimum {min_w}x{min_h}",
                self.title, cell.0, cell.1
            )));
        }
        let cells = grid.split_evenly((rows, columns));
        for (figure, cell) in self.panels.iter().zip(&cells) {
            figure.draw_scaled(cell, k)?;
        }
        Ok(())
    }

    /// [`DEFAULT_SIZE`] per figure, at most [`MAX_COLUMNS`] across and as many rows as needed.
    fn natural_size(&self) -> (u32, u32) {
        let (w, h) = DEFAULT_SIZE;
        let (columns, rows) = (self.grid_columns().max(1) as u32, self.rows() as u32);
        (w * columns, h * rows)
    }

    /// See [`Panels`].
    fn plotted(&self) -> Table {
        let mut columns = vec!["panel".to_string()];
        columns.extend(DATA_COLUMNS.iter().map(|c| c.to_string()));
        let mut table = Table::new(columns);
        for (i, figure) in self.panels.iter().enumerate() {
            for row in figure.data().rows {
                let mut full = vec![i.into()];
                full.extend(row);
                table.push(full);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testing::{count_color, decode, has_text, smallest_shown_font, texts};
    use crate::plot::{color_for, Axis};

    const BLUE: [u8; 3] = [0x1f, 0x77, 0xb4];

    fn power_law_figure() -> Figure {
        let mut fig = Figure::new("Risk versus time", Axis::log("time t"), Axis::log("risk"));
        let sim = (1..=100).map(|i| (i as f64, (i as f64).powf(-0.5)));
        fig.series.push(
            Series::line(sim.collect())
                .label("simulation")
                .style(Style::Bold),
        );
        fig.series.push(
            Series::line(vec![(1.0, 1.2), (100.0, 0.12)])
                .label("theory t^-1/2")
                .color(Rgb::tab(1))
                .style(Style::Dashed),
        );
        fig.series.push(
            Series::line(vec![(1.0, 0.9), (100.0, 0.09)])
                .color(Rgb::tab(2))
                .style(Style::Faded),
        );
        fig.vlines.push(VLine {
            x: 30.0,
            label: Some("crossover".into()),
            color: Rgb::tab(3),
        });
        fig
    }

    #[test]
    fn png_has_requested_size_and_draws_series() {
        let bytes = power_law_figure().render_png(640, 480).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let (w, h, rgb) = decode(&bytes);
        assert_eq!((w, h), (640, 480));
        // The bold series is drawn in palette colour 0.
        assert!(count_color(&rgb, BLUE) > 300);

        let empty = Figure::new("empty", Axis::log("x"), Axis::log("y"));
        let (_, _, rgb) = decode(&empty.render_png(640, 480).unwrap());
        assert_eq!(count_color(&rgb, BLUE), 0);
        // Frame and text are drawn: not all pixels are white.
        assert!(rgb.iter().any(|&c| c < 128));
    }

    #[test]
    fn svg_holds_title_and_legend_labels() {
        let svg = power_law_figure().render_svg(800, 600).unwrap();
        assert!(svg.starts_with("<svg"));
        for text in [
            "Risk versus time",
            "time t",
            "simulation",
            "theory t^-1/2",
            "crossover",
        ] {
            assert!(has_text(&svg, text), "missing {text}");
        }
        assert!(svg.contains("#1F77B4") || svg.contains("#1f77b4"));
        // Only labelled series and lines get a legend entry (same data, so the same ticks).
        let count = |fig: &Figure| texts(&fig.render_svg(800, 600).unwrap()).len();
        let mut fig = power_law_figure();
        let all = count(&fig);
        fig.series[0].label = None;
        assert_eq!(count(&fig), all - 1);
        fig.series[1].label = None;
        fig.vlines[0].label = None;
        assert_eq!(count(&fig), all - 3);
    }

    #[test]
    fn the_legend_lists_every_labelled_element() {
        let mut fig = Figure::new("Family", Axis::log("f"), Axis::log("P"));
        let n = 8;
        for i in 0..n {
            let d = 200 << i;
            let points = (0..50)
                .map(|j| {
                    let f = 10f64.powf(f64::from(j) / 10.0) * f64::from(d);
                    (f, f.powf(-0.3) + 1.0 / f64::from(d))
                })
                .collect();
            fig.series.push(
                Series::line(points)
                    .label(format!("d = {d}"))
                    .color(color_for(i, n)),
            );
        }
        fig.series.push(
            Series::line(vec![(200.0, 0.3), (1e8, 0.01)])
                .label("envelope")
                .color(Rgb::BLACK)
                .style(Style::Bold),
        );
        fig.series
            .push(Series::scatter(vec![(1e4, 0.05), (1e5, 0.03)]).label("measured"));
        fig.series
            .push(Series::step(vec![(1e3, 0.1), (1e4, 0.05), (1e5, 0.05)]).label("predicted"));
        fig.bands.push(Band {
            label: Some("mean ± sd".into()),
            points: vec![
                BandPoint {
                    x: 1e3,
                    lower: 0.05,
                    mean: 0.07,
                    upper: 0.09,
                },
                BandPoint {
                    x: 1e6,
                    lower: 0.01,
                    mean: 0.02,
                    upper: 0.03,
                },
            ],
            color: Rgb::tab(3),
            style: Style::Normal,
        });
        fig.series.push(
            Series::line(vec![(1e3, 0.2), (1e6, 0.02)])
                .label("hidden")
                .unlisted(),
        );
        fig.series
            .push(Series::key("key only").style(Style::Dotted));
        let svg = fig.render_svg(1000, 700).unwrap();
        let mut labels: Vec<String> = (0..n).map(|i| format!("d = {}", 200 << i)).collect();
        labels.extend(
            ["envelope", "measured", "predicted", "mean ± sd", "key only"].map(String::from),
        );
        for label in &labels {
            assert_eq!(
                texts(&svg).iter().filter(|t| &t.3 == label).count(),
                1,
                "{label} listed once"
            );
        }
        assert!(!has_text(&svg, "hidden"));
        // 8 model sizes get 8 colours, none of them the envelope's.
        let colours: std::collections::HashSet<Rgb> =
            fig.series[..n].iter().map(|s| s.color).collect();
        assert_eq!(colours.len(), n);
        assert!(!colours.contains(&Rgb::BLACK) && !colours.contains(&Rgb::GREY));
    }

    /// The (x, y) of the text element reading `text`.
    fn text_at(svg: &str, text: &str) -> (f64, f64) {
        let t = texts(svg).into_iter().find(|t| t.3 == text).unwrap();
        (t.0, t.1)
    }

    #[test]
    fn the_legend_goes_where_there_is_no_data() {
        // Data in the upper right corner (a curve rising there, as E3's late rise): the legend
        // moves to the upper left.
        let mut fig = Figure::new("rise", Axis::log("t"), Axis::linear("slope"));
        let rise = (0..60).map(|i| {
            let t = 10f64.powf(f64::from(i) / 6.0);
            (t, if t < 1e7 { -0.5 } else { -0.5 + (t / 1e7).ln() })
        });
        fig.series
            .push(Series::line(rise.collect()).label("dana-constant"));
        let svg = fig.render_svg(1000, 700).unwrap();
        let (x, y) = text_at(&svg, "dana-constant");
        assert!(x < 500.0 && y < 350.0, "upper left expected, at ({x}, {y})");

        // Add a diagonal from the upper left to the lower right corner: with the flat start
        // along the bottom, every corner holds data, the top middle does not.
        fig.series
            .push(Series::line(vec![(1.0, 6.5), (1e10, -0.6)]).label("diagonal"));
        let svg = fig.render_svg(1000, 700).unwrap();
        let (x, y) = text_at(&svg, "diagonal");
        assert!(
            (300.0..700.0).contains(&x) && y < 200.0,
            "top middle expected, at ({x}, {y})"
        );

        // A stack covers the whole plot: the legend goes to its right, beyond every tick.
        let mut shares = Figure::new("shares", Axis::linear("round"), Axis::linear("share"));
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let part = |label: &str, i: usize, values: Vec<f64>| StackPart {
            label: label.into(),
            values,
            color: Rgb::tab(i),
        };
        shares.stack = Some(Stack {
            parts: vec![
                part("a", 0, x.iter().map(|r| 0.2 + 0.01 * r).collect()),
                part("b", 1, vec![0.3; 20]),
                part("c", 2, x.iter().map(|r| 0.5 - 0.01 * r).collect()),
            ],
            x,
        });
        let svg = shares.render_svg(1000, 700).unwrap();
        let rightmost_tick = texts(&svg)
            .iter()
            .filter(|t| t.3.parse::<f64>().is_ok())
            .map(|t| t.0)
            .fold(f64::MIN, f64::max);
        for label in ["a", "b", "c"] {
            let (x, _) = text_at(&svg, label);
            assert!(
                x > rightmost_tick,
                "{label} at {x}, ticks up to {rightmost_tick}"
            );
        }
        shares.legend = Legend::Outside;
        assert_eq!(texts(&shares.render_svg(1000, 700).unwrap()), texts(&svg));
    }

    #[test]
    fn stacked_shares_render_and_tabulate() {
        let x = vec![1.0, 2.0, 3.0, 4.0];
        let shares = [
            [0.5, 0.4, 0.3, 0.2],
            [0.3, 0.3, 0.3, 0.3],
            [0.2, 0.3, 0.4, 0.5],
        ];
        let mut fig = Figure::new("shares", Axis::linear("round"), Axis::linear("share"));
        fig.stack = Some(Stack {
            x: x.clone(),
            parts: shares
                .iter()
                .enumerate()
                .map(|(i, v)| StackPart {
                    label: format!("part {i}"),
                    values: v.to_vec(),
                    color: Rgb::tab(i),
                })
                .collect(),
        });
        let (_, _, rgb) = decode(&fig.render_png(1000, 700).unwrap());
        // Each component is filled in its colour at 85% over white.
        let over_white = |c: Rgb| {
            let mix = |v: u8| (0.85 * f64::from(v) + 0.15 * 255.0).round() as i32;
            [mix(c.0), mix(c.1), mix(c.2)]
        };
        let near = |p: &[u8], c: [i32; 3]| (0..3).all(|i| (i32::from(p[i]) - c[i]).abs() <= 2);
        for i in 0..3 {
            let colour = over_white(Rgb::tab(i));
            let n = rgb.chunks(3).filter(|p| near(p, colour)).count();
            assert!(n > 20_000, "part {i}: {n} pixels");
        }
        let data = fig.data();
        assert_eq!(data.rows.len(), 12);
        let tops: Vec<f64> = data.rows[8..]
            .iter()
            .map(|r| match r[6] {
                Value::Float(v) => v,
                _ => f64::NAN,
            })
            .collect();
        for top in tops {
            assert!((top - 1.0).abs() < 1e-12, "the shares sum to 1: {top}");
        }
        // part 1 at round 2: own share 0.3 stacked on 0.4.
        assert_eq!(
            data.rows[5],
            vec![
                1usize.into(),
                "part 1".into(),
                "area".into(),
                2.0.into(),
                0.3.into(),
                0.4.into(),
                Value::Float(0.4 + 0.3)
            ]
        );
        fig.stack.as_mut().unwrap().parts[2].values.pop();
        let err = fig.render_png(1000, 700).unwrap_err().to_string();
        assert!(
            err.contains("part 2") && err.contains("3 values for 4"),
            "{err}"
        );
        fig.stack.as_mut().unwrap().parts[2].values.push(f64::NAN);
        assert!(fig
            .render_svg(1000, 700)
            .unwrap_err()
            .to_string()
            .contains("NaN"));
    }

    #[test]
    fn the_data_table_is_exactly_the_points_given() {
        let mut fig = power_law_figure();
        fig.series
            .push(Series::scatter(vec![(2.0, f64::NAN), (3.0, 0.5)]).label("dots"));
        fig.bands.push(Band {
            label: None,
            points: vec![
                BandPoint {
                    x: 1.0,
                    lower: 0.8,
                    mean: 1.0,
                    upper: 1.3,
                },
                BandPoint {
                    x: 10.0,
                    lower: 0.2,
                    mean: 0.3,
                    upper: 0.3,
                },
            ],
            color: Rgb::tab(4),
            style: Style::Normal,
        });
        let data = fig.data();
        assert_eq!(data.columns, DATA_COLUMNS);
        let expected: usize = 2 + 100 + 2 + 2 + 2 + 1;
        assert_eq!(data.rows.len(), expected);
        let float = |v: &Value| match v {
            Value::Float(f) => *f,
            _ => f64::NAN,
        };
        // Bands first (element 0), with lower ≤ mean ≤ upper.
        for row in &data.rows[..2] {
            assert_eq!(row[0], Value::Int(0));
            assert_eq!(row[2], "band".into());
            assert!(float(&row[5]) <= float(&row[4]) && float(&row[4]) <= float(&row[6]));
        }
        // Then every series point in order, values as given (NaN included).
        let mut at = 2;
        for (i, s) in fig.series.iter().enumerate() {
            for &(x, y) in &s.points {
                let row = &data.rows[at];
                assert_eq!(row[0], Value::Int(1 + i as i64));
                assert_eq!(row[1], s.label.as_deref().unwrap_or("").into());
                assert_eq!(float(&row[3]).to_bits(), x.to_bits());
                assert_eq!(float(&row[4]).to_bits(), y.to_bits());
                assert_eq!((&row[5], &row[6]), (&Value::Null, &Value::Null));
                at += 1;
            }
        }
        assert_eq!(data.rows[at - 1][2], "scatter".into());
        assert_eq!(
            data.rows[at],
            vec![
                5usize.into(),
                "crossover".into(),
                "vline".into(),
                30.0.into(),
                Value::Null,
                Value::Null,
                Value::Null
            ]
        );

        // A band out of order is refused, naming it.
        fig.bands[0].points[1].mean = 0.35;
        let err = fig.render_png(640, 480).unwrap_err().to_string();
        assert!(err.contains("band 0") && err.contains("point 1"), "{err}");
    }

    #[test]
    fn bands_steps_and_scatter_draw_on_shared_axes() {
        let mut fig = Figure::new("mix", Axis::linear("x"), Axis::linear("y"));
        fig.bands.push(Band {
            label: Some("band".into()),
            points: (0..=10)
                .map(|i| {
                    let x = f64::from(i);
                    BandPoint {
                        x,
                        lower: x - 2.0,
                        mean: x,
                        upper: x + 2.0,
                    }
                })
                .collect(),
            color: Rgb::tab(0),
            style: Style::Bold,
        });
        fig.series.push(
            Series::step(vec![(0.0, 8.0), (5.0, 9.0), (10.0, 9.0)])
                .label("steps")
                .color(Rgb::tab(3)),
        );
        fig.series.push(
            Series::scatter(vec![(2.0, -1.0), (8.0, 1.0)])
                .label("dots")
                .color(Rgb::tab(2)),
        );
        let (_, _, rgb) = decode(&fig.render_png(1000, 700).unwrap());
        // The mean line in full colour, the band in its pale fill, the step line and markers.
        assert!(count_color(&rgb, BLUE) > 1000);
        let pale =
            [0x1f, 0x77, 0xb4].map(|c: u8| (0.22 * f64::from(c) + 0.78 * 255.0).round() as u8);
        let near = |p: &[u8]| (0..3).all(|i| (i32::from(p[i]) - i32::from(pale[i])).abs() <= 2);
        assert!(rgb.chunks(3).filter(|p| near(p)).count() > 20_000);
        assert!(count_color(&rgb, [0xd6, 0x27, 0x28]) > 500);
        assert!(count_color(&rgb, [0x2c, 0xa0, 0x2c]) > 40);
        // The step path: a level, a riser, a level.
        assert_eq!(
            steps(&[(0.0, 8.0), (5.0, 9.0), (10.0, 9.0)]),
            vec![(0.0, 8.0), (5.0, 8.0), (5.0, 9.0), (10.0, 9.0), (10.0, 9.0)]
        );
        // A point that cannot be drawn breaks the path without a riser.
        let path = steps(&[(1.0, 1.0), (f64::NAN, f64::NAN), (3.0, 2.0)]);
        assert_eq!(path.len(), 3);
        assert!(path[1].0.is_nan() && path[2] == (3.0, 2.0));
    }

    #[test]
    fn log_axes_below_a_decade_label_their_ticks() {
        let mut fig = Figure::new("narrow", Axis::log("tokens"), Axis::log("loss"));
        fig.series
            .push(Series::line(vec![(1e6, 1.62), (2e6, 1.55), (4e6, 1.49)]).label("loss"));
        let svg = fig.render_svg(1000, 700).unwrap();
        let numbers: Vec<f64> = texts(&svg)
            .iter()
            .filter_map(|t| t.3.parse::<f64>().ok())
            .collect();
        // y spans 1.47..1.64 (less than a decade): round values in it are labelled.
        let y_ticks: Vec<f64> = numbers
            .iter()
            .copied()
            .filter(|v| (1.4..1.7).contains(v))
            .collect();
        assert!(y_ticks.len() >= 3, "{numbers:?}");
        // x spans 1e6..4e6: labelled too.
        let x_ticks = texts(&svg).iter().filter(|t| t.3.ends_with("e6")).count();
        assert!(x_ticks >= 3, "{numbers:?}");
    }

    #[test]
    fn invalid_points_on_log_axes_are_skipped() {
        let mut fig = Figure::new("bad points", Axis::log("x"), Axis::log("y"));
        let partly = vec![
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 4.0),
            (4.0, 16.0),
            (-1.0, 2.0),
            (8.0, 0.0),
            (16.0, f64::INFINITY),
            (32.0, 1024.0),
        ];
        fig.series.push(Series::line(partly).label("partly valid"));
        fig.series.push(
            Series::line(vec![(0.0, 0.0), (f64::NAN, 1.0)])
                .label("nothing valid")
                .color(Rgb::tab(1)),
        );
        fig.vlines.push(VLine {
            x: -3.0,
            label: Some("off the axis".into()),
            color: Rgb::tab(2),
        });
        let (_, _, rgb) = decode(&fig.render_png(500, 400).unwrap());
        assert!(count_color(&rgb, BLUE) > 20);
        assert!(has_text(
            &fig.render_svg(500, 400).unwrap(),
            "nothing valid"
        ));

        fig.series[0].points = vec![(0.0, 0.0), (f64::NAN, f64::NAN)];
        fig.vlines.clear();
        decode(&fig.render_png(500, 400).unwrap());

        fig.x.scale = Scale::Linear;
        fig.y.scale = Scale::Linear;
        fig.series[0].points = vec![(-1.0, -5.0), (0.0, 0.0), (1.0, 5.0)];
        let (_, _, rgb) = decode(&fig.render_png(500, 400).unwrap());
        assert!(count_color(&rgb, BLUE) > 20);

        // Extreme magnitudes render; those beyond the axis limits are skipped.
        fig.series[0].points = vec![(-1e300, -1e300), (0.0, 0.0), (1e308, 1e308)];
        decode(&fig.render_png(500, 400).unwrap());
        fig.x.scale = Scale::Log;
        fig.y.scale = Scale::Log;
        fig.series[0].points = vec![(1e-140, 1e-140), (1e140, 1e140), (1e300, 1e-300)];
        decode(&fig.render_png(500, 400).unwrap());
        // Mixed scales: log x, linear y with negative values.
        fig.y.scale = Scale::Linear;
        fig.series[0].points = vec![(1.0, -2.0), (10.0, 0.0), (100.0, 3.0)];
        let svg = fig.render_svg(500, 400).unwrap();
        assert!(
            has_text(&svg, "-2") && has_text(&svg, "10"),
            "{:?}",
            texts(&svg)
        );
    }

    fn grid(figures: usize, columns: usize) -> Panels {
        let panels = (0..figures)
            .map(|i| Figure {
                title: format!("panel {i}"),
                ..power_law_figure()
            })
            .collect();
        Panels {
            title: "Grid of panels".into(),
            panels,
            columns,
        }
    }

    #[test]
    fn panels_stack_in_at_most_two_columns() {
        assert_eq!(grid(1, 1).size(), DEFAULT_SIZE);
        assert_eq!(grid(3, 2).size(), (2000, 1400));
        assert_eq!(grid(4, 2).size(), (2000, 1400));
        assert_eq!(grid(5, 3).size(), (2000, 2100));
        assert_eq!(grid(4, 4).size(), (2000, 1400));
        assert_eq!(grid(2, 1).size(), (1000, 1400));
        assert_eq!(Render::size(&power_law_figure()), DEFAULT_SIZE);
    }

    #[test]
    fn text_stays_legible_at_report_width() {
        // Fonts as shown in a report (at most 1400 px wide) stay at 11 px or more.
        for (panels, columns) in [(3, 3), (2, 2), (1, 1), (5, 2)] {
            let p = grid(panels, columns);
            let (w, h) = p.size();
            let smallest = smallest_shown_font(&p.render_svg(w, h).unwrap(), w);
            assert!(smallest >= 11.0, "{panels} panels: {smallest}");
        }
        let fig = power_law_figure();
        for w in [1000, 2400, 4000] {
            let smallest = smallest_shown_font(&fig.render_svg(w, w * 7 / 10).unwrap(), w);
            assert!(smallest >= 11.0, "{w} px: {smallest}");
        }
    }

    #[test]
    fn panels_draw_each_figure_in_its_cell() {
        let panels = grid(3, 2);
        let (w, h) = panels.size();
        let (pw, ph, rgb) = decode(&panels.render_png(w, h).unwrap());
        assert_eq!((pw, ph), (w, h));
        // The bold blue series shows in the three filled cells, not in the empty fourth one.
        let blue_in = |col: u32, row: u32| {
            let (cw, ch) = (w / 2, h / 2);
            (row * ch..(row + 1) * ch)
                .flat_map(|y| (col * cw..(col + 1) * cw).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let i = 3 * (y * w + x) as usize;
                    rgb[i..i + 3] == BLUE
                })
                .count()
        };
        assert!(blue_in(0, 0) > 300 && blue_in(1, 0) > 300 && blue_in(0, 1) > 300);
        assert_eq!(blue_in(1, 1), 0);

        let svg = panels.render_svg(w, h).unwrap();
        for text in ["Grid of panels", "panel 0", "panel 1", "panel 2"] {
            assert!(has_text(&svg, text), "missing {text}");
        }
        assert_eq!(
            texts(&svg).iter().filter(|t| t.3 == "simulation").count(),
            3
        );
        assert_eq!(texts(&svg).iter().filter(|t| t.3 == "crossover").count(), 3);
        // One document: drawing a panel does not close it early.
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
        // The data: each figure's rows with its panel number and title.
        let data = panels.data();
        let one = power_law_figure().data().rows.len();
        assert_eq!(data.rows.len(), 3 * one);
        assert_eq!(data.columns[..2], ["panel", "series"]);
        assert_eq!(data.rows[one][0], 1usize.into());
        assert_eq!(data.rows[one][1..], power_law_figure().data().rows[0][..]);
    }

    #[test]
    fn bad_panel_grids_are_errors() {
        let err = grid(2, 0).render_png(1000, 700).unwrap_err().to_string();
        assert!(err.contains("0 columns"), "{err}");
        let err = grid(0, 2).render_svg(1000, 700).unwrap_err().to_string();
        assert!(err.contains("no figures"), "{err}");
        let err = grid(2, 2).render_png(500, 700).unwrap_err().to_string();
        assert!(err.contains("minimum 300x200"), "{err}");
        // Nine figures in 5 rows leave less than 200 px of height each at 1000x700.
        let err = grid(9, 9).render_svg(1000, 700).unwrap_err().to_string();
        assert!(err.contains("5 rows"), "{err}");
        assert!(grid(2, 2)
            .render_png(0, 10)
            .unwrap_err()
            .to_string()
            .contains("0x10"));
    }

    #[test]
    fn bad_sizes_are_errors() {
        let fig = power_law_figure();
        assert!(fig
            .render_png(0, 100)
            .unwrap_err()
            .to_string()
            .contains("0x100"));
        assert!(fig.render_svg(100_000, 600).is_err());
        let (min_w, min_h) = MIN_SIZE;
        let (w, h, _) = decode(&fig.render_png(min_w, min_h).unwrap());
        assert_eq!((w, h), MIN_SIZE);
    }
}
