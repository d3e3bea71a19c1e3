//! Colours: the categorical tab10 palette, a sequential map for ordered families and the
//! viridis map of heatmaps.

use plotters::style::colors::colormaps::ViridisRGB;
use plotters::style::RGBColor;

/// An opaque colour, 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black, e.g. for an envelope or a reference drawn over coloured families.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// The palette's grey (tab10 colour 7), e.g. for asymptotes.
    pub const GREY: Rgb = Rgb(0x7f, 0x7f, 0x7f);

    /// Colour `i` of the categorical tab10 palette (wraps around after 10): for unordered
    /// categories such as optimizers.
    pub fn tab(i: usize) -> Rgb {
        let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
        Rgb(r, g, b)
    }

    /// The plotters colour.
    pub(crate) fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Colour `i` of `n` ordered members of a family (model sizes, learning rates), from dark
/// purple through blue and green to yellow-green (viridis between 0 and [`SEQUENTIAL_END`]):
/// neighbours differ, order reads from the colour, and none is grey or black. `i` beyond `n`
/// gets the last colour.
pub fn color_for(i: usize, n: usize) -> Rgb {
    let t = if n <= 1 {
        0.0
    } else {
        i.min(n - 1) as f64 / (n - 1) as f64
    };
    viridis(t * SEQUENTIAL_END)
}

/// Where on viridis the sequential family colours stop: its last stretch is too pale to read as
/// a line on white.
pub const SEQUENTIAL_END: f64 = 0.85;

/// Viridis at `t` in [0, 1] (clamped; NaN gives the low end), as plotters defines it.
pub fn viridis(t: f64) -> Rgb {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let RGBColor(r, g, b) = ViridisRGB::get_color(t);
    Rgb(r, g, b)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: Rgb, b: Rgb) -> i32 {
        [(a.0, b.0), (a.1, b.1), (a.2, b.2)]
            .iter()
            .map(|&(x, y)| (i32::from(x) - i32::from(y)).abs())
            .sum()
    }

    #[test]
    fn viridis_ends_are_its_published_ends() {
        // matplotlib's viridis runs from #440154 to #fde725 (plotters rounds the top one).
        assert_eq!(viridis(0.0), Rgb(0x44, 0x01, 0x54));
        assert!(distance(viridis(1.0), Rgb(0xfd, 0xe7, 0x25)) <= 3);
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
    }

    #[test]
    fn family_colours_are_distinct_and_never_grey_or_black() {
        for n in [2, 8, 12] {
            let colours: Vec<Rgb> = (0..n).map(|i| color_for(i, n)).collect();
            for (i, a) in colours.iter().enumerate() {
                assert!(distance(*a, Rgb::GREY) > 60, "{n}: {i} {a:?}");
                assert!(distance(*a, Rgb::BLACK) > 60, "{n}: {i} {a:?}");
                for b in &colours[i + 1..] {
                    assert!(distance(*a, *b) > 15, "{n}: {a:?} {b:?}");
                }
            }
        }
        assert_eq!(color_for(0, 1), viridis(0.0));
        assert_eq!(color_for(9, 8), color_for(7, 8));
        assert_eq!(Rgb::tab(11), Rgb::tab(1));
        assert_eq!(Rgb::tab(7), Rgb::GREY);
    }
}
