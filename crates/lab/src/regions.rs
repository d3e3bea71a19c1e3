//! Region maps: a rectangle of two parameters on linear axes, coloured by categorical region
//! (a phase diagram), with boundary segments, marked points and a legend beside the map.

use crate::plot::{draw_err, png_of, svg_of, tick_label, Draw, Render, FONT, PALETTE};
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

/// Legend layout in pixels: padding, swatch side, text line height, gap between entries.
const PAD: i32 = 10;
const SWATCH: i32 = 22;
const LINE_HEIGHT: i32 = 20;
const ENTRY_GAP: i32 = 12;

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
    /// Coloured rectangles, drawn in order (later ones on top).
    pub cells: Vec<Cell>,
    /// Boundary segments `(from, to)`, drawn black over the cells and clipped to the map.
    pub lines: Vec<((f64, f64), (f64, f64))>,
    /// Marked points `(x, y, label)`, drawn as black dots with their label; those outside the
    /// map are left out.
    pub points: Vec<(f64, f64, String)>,
}

impl RegionMap {
    /// Checks that the ranges are non-empty, every coordinate finite and every cell's region
    /// known.
    fn check(&self) -> Result<(), String> {
        let name = &self.title;
        for (axis, (lo, hi)) in [("x", self.x_range), ("y", self.y_range)] {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(format!(
                    "region map '{name}': the {axis} range [{lo}, {hi}] must be finite with \
                     low < high"
                ));
            }
        }
        let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
        for (i, cell) in self.cells.iter().enumerate() {
            if !finite(&[cell.x.0, cell.x.1, cell.y.0, cell.y.1]) {
                return Err(format!(
                    "region map '{name}': cell {i} has a non-finite corner {:?} x {:?}",
                    cell.x, cell.y
                ));
            }
            if cell.region >= self.regions.len() {
                return Err(format!(
                    "region map '{name}': cell {i} refers to region {}, but there are only {} \
                     regions",
                    cell.region,
                    self.regions.len()
                ));
            }
        }
        for (i, &((a, b), (c, d))) in self.lines.iter().enumerate() {
            if !finite(&[a, b, c, d]) {
                return Err(format!(
                    "region map '{name}': line {i} has a non-finite end point"
                ));
            }
        }
        for (x, y, label) in &self.points {
            if !finite(&[*x, *y]) {
                return Err(format!(
                    "region map '{name}': the point '{label}' is not finite ({x}, {y})"
                ));
            }
        }
        Ok(())
    }

    /// Draws axes, cells, hatching, boundary lines and points on `area`.
    fn draw_map<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let ((x0, x1), (y0, y1)) = (self.x_range, self.y_range);
        let mut chart = ChartBuilder::on(area)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
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
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 18))
            .draw()
            .map_err(draw_err)?;

        let cells: Vec<_> = self
            .cells
            .iter()
            .filter_map(|c| {
                let x = clip_interval(c.x, self.x_range)?;
                let y = clip_interval(c.y, self.y_range)?;
                Some((x, y, &self.regions[c.region]))
            })
            .collect();
        chart
            .draw_series(cells.iter().map(|&(x, y, region)| {
                Rectangle::new([(x.0, y.0), (x.1, y.1)], fill(region).filled())
            }))
            .map_err(draw_err)?;

        // Hatching at 45 degrees on screen: work in pixel units measured from (x0, y0).
        let (px, py) = chart.plotting_area().get_pixel_range();
        let kx = f64::from(px.end - px.start) / (x1 - x0);
        let ky = f64::from(py.end - py.start) / (y1 - y0);
        let to_data = |(u, v): (f64, f64)| (x0 + u / kx, y0 + v / ky);
        let hatching = cells
            .iter()
            .filter(|(_, _, region)| region.hatched)
            .flat_map(|&(x, y, _)| {
                let u = ((x.0 - x0) * kx, (x.1 - x0) * kx);
                let v = ((y.0 - y0) * ky, (y.1 - y0) * ky);
                hatch(u, v, HATCH_SPACING)
            })
            .map(|(a, b)| PathElement::new([to_data(a), to_data(b)], HATCH_LINE.stroke_width(1)));
        chart.draw_series(hatching).map_err(draw_err)?;

        let frame = Rectangle::new([(x0, y0), (x1, y1)], BLACK.stroke_width(1));
        chart
            .draw_series(std::iter::once(frame))
            .map_err(draw_err)?;
        let lines = self
            .lines
            .iter()
            .filter_map(|&(p, q)| clip_segment(p, q, self.x_range, self.y_range))
            .map(|(p, q)| PathElement::new([p, q], BLACK.stroke_width(2)));
        chart.draw_series(lines).map_err(draw_err)?;
        let inside = |x: f64, y: f64| (x0..=x1).contains(&x) && (y0..=y1).contains(&y);
        let points = self
            .points
            .iter()
            .filter(|(x, y, _)| inside(*x, *y))
            .map(|(x, y, label)| {
                EmptyElement::at((*x, *y))
                    + Circle::new((0, 0), 4, BLACK.filled())
                    + Text::new(label.clone(), (8, -20), (FONT, 15).into_font())
            });
        chart.draw_series(points).map_err(draw_err)?;
        Ok(())
    }

    /// Draws one swatch and the wrapped label of every region, top to bottom, on `area`.
    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let style = TextStyle::from((FONT, 15).into_font()).color(&BLACK);
        let text_x = 2 * PAD + SWATCH;
        let text_width = (area.dim_in_pixel().0 as i32 - text_x - PAD).max(0) as u32;
        let width_of = |text: &str| {
            area.estimate_text_size(text, &style)
                .map(|(w, _)| w)
                .map_err(draw_err)
        };
        let mut top = 20;
        for region in &self.regions {
            let swatch = [(PAD, top), (PAD + SWATCH, top + SWATCH)];
            area.draw(&Rectangle::new(swatch, fill(region).filled()))
                .map_err(draw_err)?;
            if region.hatched {
                // The hatch works in a y-up frame; screen rows grow downwards.
                let u = (f64::from(PAD), f64::from(PAD + SWATCH));
                let v = (-f64::from(top + SWATCH), -f64::from(top));
                for (a, b) in hatch(u, v, 6.0) {
                    let ends = [a, b].map(|(x, y)| (x.round() as i32, (-y).round() as i32));
                    area.draw(&PathElement::new(ends, HATCH_LINE.stroke_width(1)))
                        .map_err(draw_err)?;
                }
            }
            area.draw(&Rectangle::new(swatch, BLACK.stroke_width(1)))
                .map_err(draw_err)?;
            let lines = wrap(&region.label, text_width, width_of)?;
            for (i, line) in lines.iter().enumerate() {
                let at = (text_x, top + 2 + i as i32 * LINE_HEIGHT);
                area.draw(&Text::new(line.as_str(), at, style.clone()))
                    .map_err(draw_err)?;
            }
            top += SWATCH.max(lines.len() as i32 * LINE_HEIGHT) + ENTRY_GAP;
        }
        Ok(())
    }
}

impl Draw for RegionMap {
    /// Draws the title, then the map with the legend to its right.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        self.check()?;
        area.fill(&WHITE).map_err(draw_err)?;
        let body = area
            .margin(10, 0, 0, 0)
            .titled(&self.title, (FONT, 24))
            .map_err(draw_err)?;
        let width = body.dim_in_pixel().0;
        let legend_width = (f64::from(width) * LEGEND_SHARE).round() as u32;
        let (map, legend) = body.split_horizontally(width - legend_width);
        self.draw_map(&map)?;
        self.draw_legend(&legend)
    }
}

impl Render for RegionMap {
    fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>, String> {
        png_of(self, width, height)
    }

    fn render_svg(&self, width: u32, height: u32) -> Result<String, String> {
        svg_of(self, width, height)
    }

    /// [`REGION_MAP_SIZE`].
    fn size(&self) -> (u32, u32) {
        REGION_MAP_SIZE
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
    width_of: impl Fn(&str) -> Result<u32, String>,
) -> Result<Vec<String>, String> {
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

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// The contents of the SVG's text elements, in drawing order (`>` unescaped).
    fn texts(svg: &str) -> Vec<String> {
        svg.split("</text>")
            .filter_map(|part| part.rsplit_once('>').map(|(_, text)| text.trim()))
            .filter(|text| !text.is_empty())
            .map(|text| text.replace("&gt;", ">"))
            .collect()
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
        let err = map.render_png(1300, 800).unwrap_err();
        assert!(err.contains("cell 7 refers to region 3") && err.contains("3 regions"));

        let mut map = phase_map();
        map.x_range = (1.0, 1.0);
        assert!(map.render_svg(1300, 800).unwrap_err().contains("x range"));
        let mut map = phase_map();
        map.y_range = (0.0, f64::INFINITY);
        assert!(map.render_svg(1300, 800).unwrap_err().contains("y range"));
        let mut map = phase_map();
        map.cells[0].y.1 = f64::NAN;
        assert!(map.render_svg(1300, 800).unwrap_err().contains("cell 0"));
        let mut map = phase_map();
        map.lines[1].1 .0 = f64::NAN;
        assert!(map.render_svg(1300, 800).unwrap_err().contains("line 1"));
        let mut map = phase_map();
        map.points[0].1 = f64::NAN;
        assert!(map.render_svg(1300, 800).unwrap_err().contains("E2 point"));
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
        let failing = |_: &str| Err("no font".to_string());
        assert_eq!(wrap("a b", 50, failing).unwrap_err(), "no font");
    }
}
