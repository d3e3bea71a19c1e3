//! Figures: line plots on log or linear axes and grids of them, rendered headless to PNG and SVG
//! with an embedded DejaVu Sans font (no system fonts needed).

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::sync::OnceLock;

/// Natural size of a [`Figure`] in pixels (its [`Render::size`]), and of each cell of [`Panels`]
/// before scaling.
pub const DEFAULT_SIZE: (u32, u32) = (1000, 700);

/// Smallest accepted figure size in pixels (room for the axes, labels and title).
pub const MIN_SIZE: (u32, u32) = (300, 200);

/// Largest accepted figure width or height in pixels.
pub const MAX_SIDE: u32 = 8192;

/// Line style of a [`Series`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// A 3 px line, for the main result.
    Bold,
    /// A 2 px line.
    #[default]
    Normal,
    /// A thin, mostly transparent line, for individual runs behind a mean; drawn first.
    Faded,
    /// A 2 px dashed line, for references such as theoretical predictions.
    Dashed,
}

/// A polyline; points that cannot be drawn on the axes break the line and are left out of the
/// axis ranges: non-finite ones, on a log axis those outside [1e-140, 1e140] (non-positive
/// included), on a linear axis those beyond ±1e300.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry; unlabelled series are left out of the legend.
    pub label: Option<String>,
    /// Points `(x, y)` in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Index into the fixed tab10-like palette (wraps around).
    pub color: usize,
    /// Line style.
    pub style: Style,
}

/// A dashed vertical line across the full height of the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct VLine {
    /// Position on the x axis.
    pub x: f64,
    /// Legend entry, if any.
    pub label: Option<String>,
    /// Index into the palette.
    pub color: usize,
}

/// A line plot with a title, axis labels, series and vertical markers.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Whether the x axis is logarithmic.
    pub log_x: bool,
    /// Whether the y axis is logarithmic.
    pub log_y: bool,
    /// The lines, drawn in order (faded ones first).
    pub series: Vec<Series>,
    /// Vertical markers, drawn over the series.
    pub vlines: Vec<VLine>,
}

/// The tab10 palette.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// The font family every text is drawn in (DejaVu Sans, see [`register_font`]).
pub(crate) const FONT: &str = "sans-serif";

/// Anything drawable as a PNG or SVG image.
pub trait Render {
    /// Encoded PNG (8-bit RGB) at `width` x `height` pixels.
    fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, String>;
    /// SVG document at `width` x `height` pixels; text stays text.
    fn render_svg(&self, width: u32, height: u32) -> Result<String, String>;
    /// Natural size in pixels.
    fn size(&self) -> (u32, u32);
}

/// Drawing with plotters on any backend: what the [`Render`] implementations of this crate share
/// through [`png_of`] and [`svg_of`], and how a composite draws its parts on sub-areas.
pub(crate) trait Draw {
    /// Draws everything, background included, on `area` without presenting it.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Encoded PNG (8-bit RGB) of `item` at `width` x `height` pixels.
pub(crate) fn png_of(item: &impl Draw, width: u32, height: u32) -> Result<Vec<u8>, String> {
    check_size(width, height)?;
    register_font()?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        item.draw_on(&area)?;
        area.present().map_err(draw_err)?;
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let writer = encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&rgb).map(|()| w))
        .map_err(|e| format!("cannot encode PNG: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("cannot encode PNG: {e}"))?;
    Ok(png_bytes)
}

/// SVG document of `item` at `width` x `height` pixels.
pub(crate) fn svg_of(item: &impl Draw, width: u32, height: u32) -> Result<String, String> {
    check_size(width, height)?;
    register_font()?;
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        item.draw_on(&area)?;
        area.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// The message of a plotters drawing error.
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    format!("cannot draw figure: {e}")
}

impl Figure {
    /// An empty figure with log-log axes.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Figure {
        Figure {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_x: true,
            log_y: true,
            series: Vec::new(),
            vlines: Vec::new(),
        }
    }

    /// Encoded PNG (8-bit RGB) of the figure at `width` x `height` pixels; the same as
    /// [`Render::render_png`], callable without importing the trait.
    pub fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, String> {
        png_of(self, width, height)
    }

    /// SVG document of the figure at `width` x `height` pixels, text kept as text; the same as
    /// [`Render::render_svg`], callable without importing the trait.
    pub fn render_svg(&self, width: u32, height: u32) -> Result<String, String> {
        svg_of(self, width, height)
    }

    /// Draws frame, mesh, series, vertical lines and legend on the given axes.
    fn draw<DB, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: X,
        y: Y,
        (y_lo, y_hi): (f64, f64),
    ) -> Result<(), String>
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        area.fill(&WHITE).map_err(draw_err)?;
        // Linear-axis ticks computed as sums can miss zero by rounding (−2.2e-16): snap
        // values far below the axis span to 0 (never on log axes, where a span of 0 is used).
        let linear = |log: bool, r: std::ops::Range<f64>| if log { 0.0 } else { span(&r) };
        let (xs, ys) = (linear(self.log_x, x.range()), linear(self.log_y, y.range()));
        // A log axis over more than a decade labels only 1, 2 and 5 times a power of ten:
        // plotters ticks every integer mantissa, whose labels run together near the decade's end.
        let sparse = |log: bool, r: std::ops::Range<f64>| log && r.end >= 10.0 * r.start;
        let (x_sparse, y_sparse) = (sparse(self.log_x, x.range()), sparse(self.log_y, y.range()));
        let label = |v: f64, span: f64, sparse: bool| {
            if sparse && !one_two_five(v) {
                String::new()
            } else {
                tick_label(snap(v, span))
            }
        };
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 24))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x, y)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|v| label(*v, xs, x_sparse))
            .y_label_formatter(&|v| label(*v, ys, y_sparse))
            .x_labels(10)
            .y_labels(10)
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .max_light_lines(4)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(draw_err)?;

        let mut labelled = false;
        let mut series: Vec<&Series> = self.series.iter().collect();
        series.sort_by_key(|s| s.style != Style::Faded);
        for s in series {
            let shape = s.style.shape(PALETTE[s.color % PALETTE.len()]);
            let mut runs = runs(&s.points, self.log_x, self.log_y);
            if runs.is_empty() {
                runs.push(Vec::new()); // keeps the legend entry of a series with nothing to draw
            }
            for (i, run) in runs.into_iter().enumerate() {
                let dot = if run.len() == 1 { 3 } else { 0 };
                let anno = if s.style == Style::Dashed {
                    chart.draw_series(DashedLineSeries::new(run, 12, 6, shape))
                } else {
                    chart.draw_series(LineSeries::new(run, shape).point_size(dot))
                }
                .map_err(draw_err)?;
                if let (0, Some(label)) = (i, &s.label) {
                    labelled = true;
                    anno.label(label);
                    if s.style == Style::Dashed {
                        anno.legend(move |(x, y)| {
                            DashedPathElement::new([(x, y), (x + 24, y)], 6, 4, shape)
                        });
                    } else {
                        anno.legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], shape));
                    }
                }
            }
        }
        for v in self.vlines.iter().filter(|v| drawable(v.x, self.log_x)) {
            let shape = Style::Dashed.shape(PALETTE[v.color % PALETTE.len()]);
            let line = [(v.x, y_lo), (v.x, y_hi)];
            let anno = chart
                .draw_series(DashedLineSeries::new(line, 10, 6, shape))
                .map_err(draw_err)?;
            if let Some(label) = &v.label {
                labelled = true;
                anno.label(label).legend(move |(x, y)| {
                    DashedPathElement::new([(x, y), (x + 24, y)], 6, 4, shape)
                });
            }
        }
        if labelled {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .label_font((FONT, 15))
                .draw()
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

impl Draw for Figure {
    /// Picks the axis ranges from the drawable data and draws on `area`.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (log_x, log_y) = (self.log_x, self.log_y);
        let points = self.series.iter().flat_map(|s| &s.points);
        let drawn = points.filter(|&&(x, y)| drawable(x, log_x) && drawable(y, log_y));
        let xs = drawn
            .clone()
            .map(|p| p.0)
            .chain(self.vlines.iter().map(|v| v.x));
        let x = axis_range(xs, log_x);
        let y = axis_range(drawn.map(|p| p.1), log_y);
        let log = |(lo, hi): (f64, f64)| -> LogCoord<f64> { (lo..hi).log_scale().into() };
        let lin = |(lo, hi): (f64, f64)| -> RangedCoordf64 { (lo..hi).into() };
        match (log_x, log_y) {
            (true, true) => self.draw(area, log(x), log(y), y),
            (true, false) => self.draw(area, log(x), lin(y), y),
            (false, true) => self.draw(area, lin(x), log(y), y),
            (false, false) => self.draw(area, lin(x), lin(y), y),
        }
    }
}

impl Render for Figure {
    fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, String> {
        png_of(self, width, height)
    }

    fn render_svg(&self, width: u32, height: u32) -> Result<String, String> {
        svg_of(self, width, height)
    }

    /// [`DEFAULT_SIZE`].
    fn size(&self) -> (u32, u32) {
        DEFAULT_SIZE
    }
}

/// Largest natural width of [`Panels`] in pixels; wider grids are scaled down to it.
pub const MAX_PANELS_WIDTH: u32 = 2400;

/// Figures side by side in a grid, filled row by row, under one overall title.
#[derive(Clone, Debug, PartialEq)]
pub struct Panels {
    /// Title above the grid.
    pub title: String,
    /// The figures, in reading order.
    pub panels: Vec<Figure>,
    /// Figures per row (at least 1).
    pub columns: usize,
}

impl Panels {
    /// Number of rows of the grid (at least 1).
    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns.max(1)).max(1)
    }
}

impl Draw for Panels {
    /// Draws the title, then each figure on its cell of the grid below it.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        if self.columns == 0 {
            return Err(format!(
                "the panel grid '{}' has 0 columns (it needs at least 1)",
                self.title
            ));
        }
        if self.panels.is_empty() {
            return Err(format!("the panel grid '{}' has no figures", self.title));
        }
        let rows = self.rows();
        area.fill(&WHITE).map_err(draw_err)?;
        let grid = area
            .margin(10, 0, 0, 0)
            .titled(&self.title, (FONT, 28))
            .map_err(draw_err)?;
        let (width, height) = grid.dim_in_pixel();
        let cell = (width / self.columns as u32, height / rows as u32);
        let (min_w, min_h) = MIN_SIZE;
        if cell.0 < min_w || cell.1 < min_h {
            return Err(format!(
                "the panel grid '{}' leaves {}x{} pixels per figure ({} columns, {rows} rows), \
                 less than the minimum {min_w}x{min_h}",
                self.title, cell.0, cell.1, self.columns
            ));
        }
        let cells = grid.split_evenly((rows, self.columns));
        for (figure, cell) in self.panels.iter().zip(&cells) {
            figure.draw_on(cell)?;
        }
        Ok(())
    }
}

impl Render for Panels {
    fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, String> {
        png_of(self, width, height)
    }

    fn render_svg(&self, width: u32, height: u32) -> Result<String, String> {
        svg_of(self, width, height)
    }

    /// [`DEFAULT_SIZE`] per figure (`columns` across, as many rows as needed), scaled down so
    /// that the width is at most [`MAX_PANELS_WIDTH`].
    fn size(&self) -> (u32, u32) {
        let width = self.columns.max(1) as f64 * f64::from(DEFAULT_SIZE.0);
        let height = self.rows() as f64 * f64::from(DEFAULT_SIZE.1);
        let scale = (f64::from(MAX_PANELS_WIDTH) / width).min(1.0);
        (
            (width * scale).round() as u32,
            (height * scale).round() as u32,
        )
    }
}

impl Style {
    /// The stroke of this style in `color`.
    fn shape(self, color: RGBColor) -> ShapeStyle {
        let (alpha, width) = match self {
            Style::Bold => (1.0, 3),
            Style::Normal | Style::Dashed => (1.0, 2),
            Style::Faded => (0.15, 1),
        };
        ShapeStyle {
            color: color.mix(alpha),
            filled: false,
            stroke_width: width,
        }
    }
}

/// Registers DejaVu Sans as the "sans-serif" family once; plotters cannot draw text before.
pub(crate) fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let fonts = [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ];
            for (style, bytes) in fonts {
                plotters::style::register_font(FONT, style, bytes)
                    .map_err(|_| "cannot load the embedded DejaVu Sans font".to_string())?;
            }
            Ok(())
        })
        .clone()
}

fn check_size(width: u32, height: u32) -> Result<(), String> {
    let (min_w, min_h) = MIN_SIZE;
    if width < min_w || height < min_h || width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "figure size {width}x{height} is out of range \
             ({min_w}x{min_h} to {MAX_SIDE}x{MAX_SIDE} pixels)"
        ));
    }
    Ok(())
}

/// Largest magnitude drawn on a linear axis: beyond it the axis span can overflow, and
/// plotters' tick search then never ends.
const MAX_LINEAR: f64 = 1e300;

/// Largest value (and inverse of the smallest) drawn on a log axis: the padded axis must span
/// fewer than ~308 decades, or plotters' tick search overflows and never ends.
const MAX_LOG: f64 = 1e140;

/// Whether `v` can be placed on an axis: within [1/MAX_LOG, MAX_LOG] on a log axis, at most
/// [`MAX_LINEAR`] in magnitude on a linear one (so non-finite values never are).
fn drawable(v: f64, log: bool) -> bool {
    if log {
        (MAX_LOG.recip()..=MAX_LOG).contains(&v)
    } else {
        v.abs() <= MAX_LINEAR
    }
}

/// The maximal runs of consecutive drawable points.
fn runs(points: &[(f64, f64)], log_x: bool, log_y: bool) -> Vec<Vec<(f64, f64)>> {
    points
        .split(|&(x, y)| !(drawable(x, log_x) && drawable(y, log_y)))
        .filter(|run| !run.is_empty())
        .map(<[_]>::to_vec)
        .collect()
}

/// Axis limits covering the drawable `values` with a small margin; a default range when none.
fn axis_range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|&v| drawable(v, log))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        let (a, b) = (lo.ln(), hi.ln());
        let pad = if b > a {
            0.04 * (b - a)
        } else {
            std::f64::consts::LN_2
        };
        ((a - pad).exp(), (b + pad).exp())
    } else {
        let pad = if hi > lo {
            0.04 * (hi - lo)
        } else {
            0.5 * lo.abs().max(1.0)
        };
        (lo - pad, hi + pad)
    }
}

/// The width of an axis range.
fn span(r: &std::ops::Range<f64>) -> f64 {
    (r.end - r.start).abs()
}

/// `v`, or 0 when it is below 10⁻⁹ of the axis span (rounding noise around zero).
fn snap(v: f64, span: f64) -> f64 {
    if v.abs() < 1e-9 * span {
        0.0
    } else {
        v
    }
}

/// Whether `v > 0` is 1, 2 or 5 times a power of ten (to 10⁻⁶).
fn one_two_five(v: f64) -> bool {
    let mantissa = v / 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|c| (mantissa - c).abs() < 1e-6 * c)
}

/// A short tick label: three significant digits, plain for moderate magnitudes, else `2.5e-7`.
pub(crate) fn tick_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let sci = format!("{v:.2e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-3..=4).contains(&exponent) {
        // Re-parsing the rounded text gives the f64 nearest to it, whose shortest form is short.
        let rounded: f64 = sci.parse().unwrap_or(v);
        format!("{rounded}")
    } else {
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLUE: [u8; 3] = [0x1f, 0x77, 0xb4];

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// Whether the SVG holds `text` as a text element (the backend puts it on its own line).
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!("\n{text}\n</text>"))
    }

    fn count_color(rgb: &[u8], color: [u8; 3]) -> usize {
        rgb.chunks(3).filter(|p| *p == color).count()
    }

    fn power_law_figure() -> Figure {
        let mut fig = Figure::new("Risk versus time", "time t", "risk");
        fig.series.push(Series {
            label: Some("simulation".into()),
            points: (1..=100)
                .map(|i| (i as f64, (i as f64).powf(-0.5)))
                .collect(),
            color: 0,
            style: Style::Bold,
        });
        fig.series.push(Series {
            label: Some("theory t^-1/2".into()),
            points: vec![(1.0, 1.2), (100.0, 0.12)],
            color: 1,
            style: Style::Dashed,
        });
        fig.series.push(Series {
            label: None,
            points: vec![(1.0, 0.9), (100.0, 0.09)],
            color: 2,
            style: Style::Faded,
        });
        fig.vlines.push(VLine {
            x: 30.0,
            label: Some("crossover".into()),
            color: 3,
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

        let empty = Figure::new("empty", "x", "y").render_png(640, 480).unwrap();
        let (_, _, rgb) = decode(&empty);
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
        let texts = |fig: &Figure| fig.render_svg(800, 600).unwrap().matches("<text").count();
        let mut fig = power_law_figure();
        let all = texts(&fig);
        fig.series[0].label = None;
        assert_eq!(texts(&fig), all - 1);
        fig.series[1].label = None;
        fig.vlines[0].label = None;
        assert_eq!(texts(&fig), all - 3);
    }

    #[test]
    fn invalid_points_on_log_axes_are_skipped() {
        let mut fig = Figure::new("bad points", "x", "y");
        fig.series.push(Series {
            label: Some("partly valid".into()),
            points: vec![
                (0.0, 1.0),
                (1.0, f64::NAN),
                (2.0, 4.0),
                (4.0, 16.0),
                (-1.0, 2.0),
                (8.0, 0.0),
                (16.0, f64::INFINITY),
                (32.0, 1024.0),
            ],
            color: 0,
            style: Style::Normal,
        });
        fig.series.push(Series {
            label: Some("nothing valid".into()),
            points: vec![(0.0, 0.0), (f64::NAN, 1.0)],
            color: 1,
            style: Style::Normal,
        });
        fig.vlines.push(VLine {
            x: -3.0,
            label: Some("off the axis".into()),
            color: 2,
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

        fig.log_x = false;
        fig.log_y = false;
        fig.series[0].points = vec![(-1.0, -5.0), (0.0, 0.0), (1.0, 5.0)];
        let (_, _, rgb) = decode(&fig.render_png(500, 400).unwrap());
        assert!(count_color(&rgb, BLUE) > 20);

        // Extreme magnitudes render; those beyond the axis limits are skipped.
        fig.series[0].points = vec![(-1e300, -1e300), (0.0, 0.0), (1e308, 1e308)];
        decode(&fig.render_png(500, 400).unwrap());
        fig.log_x = true;
        fig.log_y = true;
        fig.series[0].points = vec![(1e-140, 1e-140), (1e140, 1e140), (1e300, 1e-300)];
        decode(&fig.render_png(500, 400).unwrap());
    }

    #[test]
    fn runs_and_ranges() {
        let pts = [(1.0, 1.0), (2.0, 0.0), (3.0, 3.0), (4.0, 4.0)];
        assert_eq!(
            runs(&pts, true, true),
            vec![vec![(1.0, 1.0)], vec![(3.0, 3.0), (4.0, 4.0)]]
        );
        assert_eq!(runs(&pts, false, false).len(), 1);
        assert_eq!(runs(&[(1.0, 1e-200), (1.0, 1e200)], true, true).len(), 0);
        assert_eq!(runs(&[(1.0, 1e-200), (1.0, 1e200)], false, false).len(), 1);

        let (lo, hi) = axis_range([1e-3, 1e3, -1.0, f64::NAN].into_iter(), true);
        let pad = 10f64.powf(6.0 * 0.04);
        assert!((lo - 1e-3 / pad).abs() < 1e-15 && (hi - 1e3 * pad).abs() < 1e-9);
        let (lo, hi) = axis_range([5.0].into_iter(), true);
        assert!((lo - 2.5).abs() < 1e-14 && (hi - 10.0).abs() < 1e-14);
        assert_eq!(axis_range(std::iter::empty(), false), (0.0, 1.0));
        assert_eq!(axis_range([0.0, 10.0].into_iter(), false), (-0.4, 10.4));
    }

    #[test]
    fn sparse_log_ticks_are_one_two_five() {
        for v in [1e5, 2e5, 5e5, 1e6, 1e6 * (1.0 - 1e-12), 2e-3, 5.0] {
            assert!(one_two_five(v), "{v}");
        }
        for v in [3e5, 7e5, 9e5, 1.5e6, 4e-3] {
            assert!(!one_two_five(v), "{v}");
        }
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(1e-5), "1e-5");
        assert_eq!(tick_label(snap(-2.220446049250313e-16, 1.2)), "0");
        assert_eq!(tick_label(snap(1e-5, 1e-4)), "1e-5");
        assert_eq!(tick_label(0.001), "0.001");
        assert_eq!(tick_label(3.0 * 0.1), "0.3");
        assert_eq!(tick_label(100.0), "100");
        assert_eq!(tick_label(20000.0), "20000");
        assert_eq!(tick_label(2.5e7), "2.5e7");
        assert_eq!(tick_label(0.0), "0");
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
    fn panels_size_scales_down_to_the_width_limit() {
        assert_eq!(grid(1, 1).size(), DEFAULT_SIZE);
        assert_eq!(grid(3, 2).size(), (2000, 1400));
        assert_eq!(grid(4, 2).size(), (2000, 1400));
        assert_eq!(grid(5, 3).size(), (2400, 1120));
        assert_eq!(grid(4, 4).size(), (2400, 420));
        assert_eq!(Render::size(&power_law_figure()), DEFAULT_SIZE);
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
        assert_eq!(svg.matches("\nsimulation\n</text>").count(), 3);
        assert_eq!(svg.matches("\ncrossover\n</text>").count(), 3);
        // One document: drawing a panel does not close it early.
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn bad_panel_grids_are_errors() {
        let err = grid(2, 0).render_png(1000, 700).unwrap_err();
        assert!(err.contains("0 columns"), "{err}");
        let err = grid(0, 2).render_svg(1000, 700).unwrap_err();
        assert!(err.contains("no figures"), "{err}");
        let err = grid(2, 2).render_png(500, 700).unwrap_err();
        assert!(err.contains("minimum 300x200"), "{err}");
        let too_many = grid(9, 9);
        let (w, h) = too_many.size();
        assert!(too_many.render_svg(w, h).is_err());
        assert!(grid(2, 2).render_png(0, 10).unwrap_err().contains("0x10"));
    }

    #[test]
    fn bad_sizes_are_errors() {
        let fig = power_law_figure();
        assert!(fig.render_png(0, 100).unwrap_err().contains("0x100"));
        assert!(fig.render_svg(100_000, 600).is_err());
        let (min_w, min_h) = MIN_SIZE;
        let (w, h, _) = decode(&fig.render_png(min_w, min_h).unwrap());
        assert_eq!((w, h), MIN_SIZE);
    }
}
