//! Helpers shared by the figure tests: decoding PNGs and reading SVG text.

/// Width, height and RGB bytes of an 8-bit RGB PNG.
pub(crate) fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// How many pixels have exactly `color`.
pub(crate) fn count_color(rgb: &[u8], color: [u8; 3]) -> usize {
    rgb.chunks(3).filter(|p| *p == color).count()
}

/// The SVG's text elements in drawing order: (x, y, font size, content with `&gt;`, `&lt;`
/// and `&amp;` unescaped).
pub(crate) fn texts(svg: &str) -> Vec<(f64, f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let (tag, rest) = part.split_once('>')?;
            let (content, _) = rest.split_once("</text>")?;
            let content = content
                .trim()
                .replace("&gt;", ">")
                .replace("&lt;", "<")
                .replace("&amp;", "&");
            Some((
                attr(tag, "x"),
                attr(tag, "y"),
                attr(tag, "font-size"),
                content,
            ))
        })
        .collect()
}

/// Whether the SVG holds a text element reading exactly `text`.
pub(crate) fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t.3 == text)
}

/// The smallest font size, in pixels as displayed in a report, of the SVG's text: the font
/// sizes scaled by `REPORT_WIDTH / width` when the image is wider than that.
pub(crate) fn smallest_shown_font(svg: &str, width: u32) -> f64 {
    let shrink = (f64::from(super::REPORT_WIDTH) / f64::from(width)).min(1.0);
    texts(svg)
        .iter()
        .map(|t| t.2 * shrink)
        .fold(f64::INFINITY, f64::min)
}
