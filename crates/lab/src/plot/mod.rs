//! Figures rendered headless to PNG and SVG with an embedded DejaVu Sans font (no system fonts
//! needed), each with the table of what it plots.
//!
//! # Overview
//! - [`Figure`]: one plot on two axes, each [`Scale::Linear`] or [`Scale::Log`] (see [`Axis`]),
//!   holding any mix of [`Series`] (lines, [`Mark::Step`] steps, [`Mark::Scatter`] markers),
//!   [`Band`]s (a mean with a filled interval), a [`Stack`] of areas and [`VLine`]s. The legend
//!   lists every labelled element and is placed where it covers no data ([`Legend`]).
//! - [`Panels`]: figures in a grid of at most [`MAX_COLUMNS`] columns.
//! - [`Heatmap`]: values on a grid of cells coloured by viridis, with a colour bar.
//! - [`crate::regions::RegionMap`]: a categorical map of a parameter rectangle.
//!
//! Each implements [`Render`]: PNG, SVG, a natural size and [`Render::data`], the plotted
//! points as a [`Table`] (which [`crate::outdir::OutDir::add_figure`] writes beside the
//! images). Text is scaled with the image width beyond [`REPORT_WIDTH`] pixels so that
//! tick labels stay legible when a report shows the image at that width.
//!
//! Colours: [`Rgb::tab`] for categories, [`color_for`] for ordered families, [`viridis`].

mod axis;
mod color;
mod figure;
mod heatmap;
mod legend;
#[cfg(test)]
pub(crate) mod testing;

pub use axis::{Axis, Scale, REPORT_WIDTH};
pub use color::{color_for, viridis, Rgb, SEQUENTIAL_END};
pub use figure::{
    Band, BandPoint, Figure, Legend, Mark, Panels, Series, Stack, StackPart, Style, VLine,
    MAX_COLUMNS,
};
pub use heatmap::{ColorBar, Heatmap, HEATMAP_SIZE};

pub(crate) use axis::text_scale;
pub(crate) use color::PALETTE;

use crate::table::Table;

use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// Natural size of a [`Figure`] in pixels (its [`Render::size`]), and of each cell of [`Panels`]
/// before scaling.
pub const DEFAULT_SIZE: (u32, u32) = (1000, 700);

/// Smallest accepted figure size in pixels (room for the axes, labels and title).
pub const MIN_SIZE: (u32, u32) = (300, 200);

/// Largest accepted figure width or height in pixels.
pub const MAX_SIDE: u32 = 8192;

/// Why a figure cannot be drawn.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The figure's content cannot be drawn (empty, non-finite, mismatched lengths); the
    /// message names the figure and the part.
    #[error("{0}")]
    Data(String),
    /// plotters failed to draw.
    #[error("cannot draw figure: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("cannot encode PNG: {0}")]
    Encode(String),
    /// The embedded font could not be registered.
    #[error("cannot load the embedded DejaVu Sans font")]
    Font,
    /// A size outside [`MIN_SIZE`]..[`MAX_SIDE`].
    #[error("figure size {width}x{height} is out of range ({}x{} to {MAX_SIDE}x{MAX_SIDE} pixels)", MIN_SIZE.0, MIN_SIZE.1)]
    Size {
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
    },
}

/// The font family every text is drawn in (DejaVu Sans, see [`register_font`]).
pub(crate) const FONT: &str = "sans-serif";

/// Anything drawable as a PNG or SVG image.
pub trait Render {
    /// Encoded PNG (8-bit RGB) at `width` x `height` pixels.
    fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, PlotError>;
    /// SVG document at `width` x `height` pixels; text stays text.
    fn render_svg(&self, width: u32, height: u32) -> Result<String, PlotError>;
    /// Natural size in pixels.
    fn size(&self) -> (u32, u32);
    /// Exactly what is plotted, as a table (the columns are listed in each type's docs).
    fn data(&self) -> Table;
}

/// Drawing with plotters on any backend: what the [`Render`] implementations of this crate share
/// (rendered through [`png_of`] and [`svg_of`]), and how a composite draws its parts on
/// sub-areas.
pub(crate) trait Draw {
    /// Draws everything, background included, on `area` without presenting it.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
    /// Natural size in pixels ([`Render::size`]).
    fn natural_size(&self) -> (u32, u32);
    /// The plotted points ([`Render::data`]).
    fn plotted(&self) -> Table;
}

impl<T: Draw> Render for T {
    fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
        png_of(self, width, height)
    }

    fn render_svg(&self, width: u32, height: u32) -> Result<String, PlotError> {
        svg_of(self, width, height)
    }

    fn size(&self) -> (u32, u32) {
        self.natural_size()
    }

    fn data(&self) -> Table {
        self.plotted()
    }
}

/// Encoded PNG (8-bit RGB) of `item` at `width` x `height` pixels.
pub(crate) fn png_of(item: &impl Draw, width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
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
        .map_err(|e| PlotError::Encode(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| PlotError::Encode(e.to_string()))?;
    Ok(png_bytes)
}

/// SVG document of `item` at `width` x `height` pixels.
pub(crate) fn svg_of(item: &impl Draw, width: u32, height: u32) -> Result<String, PlotError> {
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

/// `area` filled white with `title` above a margin of 12 px (times `k`, as the 24 px title):
/// the part below the title, where a single plot is drawn.
pub(crate) fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    k: f64,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let px = |v: f64| (v * k).round() as i32;
    area.fill(&WHITE).map_err(draw_err)?;
    area.margin(px(12.0), px(12.0), px(12.0), px(12.0))
        .titled(title, (FONT, px(24.0)))
        .map_err(draw_err)
}

/// A plotters drawing error.
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    e: DrawingAreaErrorKind<E>,
) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Registers DejaVu Sans as the "sans-serif" family once; plotters cannot draw text before.
pub(crate) fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), PlotError>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let fonts = [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ];
            for (style, bytes) in fonts {
                plotters::style::register_font(FONT, style, bytes).map_err(|_| PlotError::Font)?;
            }
            Ok(())
        })
        .clone()
}

fn check_size(width: u32, height: u32) -> Result<(), PlotError> {
    let (min_w, min_h) = MIN_SIZE;
    if width < min_w || height < min_h || width > MAX_SIDE || height > MAX_SIDE {
        return Err(PlotError::Size { width, height });
    }
    Ok(())
}

/// A short tick label: three significant digits, plain for moderate magnitudes, else `2.5e-7`.
pub(crate) fn tick_label(v: f64) -> String {
    tick_label_digits(v, 3)
}

/// The label of a tick on an axis spanning `span`: [`tick_label`], with more significant digits
/// when the span is narrow next to the values (ticks 2.3001, 2.3002 rather than 2.3, 2.3).
pub(crate) fn tick_label_in(v: f64, span: f64) -> String {
    let v = axis::snap(v, span);
    let needed = if v != 0.0 && span > 0.0 && span.is_finite() {
        // Ticks are about span/10 apart: enough digits to tell neighbours apart.
        ((v.abs() * 10.0 / span).log10().ceil() + 1.0).clamp(3.0, 15.0) as usize
    } else {
        3
    };
    tick_label_digits(v, needed)
}

/// `v` to `digits` significant digits, plain for moderate magnitudes, else `2.5e-7`.
fn tick_label_digits(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let sci = format!("{v:.*e}", digits.max(1) - 1);
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
    use super::axis::snap;
    use super::*;

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

    #[test]
    fn ticks_on_a_narrow_axis_are_told_apart() {
        // An axis from 2.3 to 2.301: ticks every 1e-4 need five significant digits.
        let labels: Vec<String> = (0..=10)
            .map(|i| tick_label_in(2.3 + i as f64 * 1e-4, 1e-3))
            .collect();
        let mut distinct = labels.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 11, "{labels:?}");
        assert_eq!(labels[1], "2.3001");
        // A wide axis keeps the short labels, and noise around zero is 0.
        assert_eq!(tick_label_in(0.3, 1.0), "0.3");
        assert_eq!(tick_label_in(2.5e7, 1e8), "2.5e7");
        assert_eq!(tick_label_in(-2.220446049250313e-16, 1.2), "0");
    }
}
