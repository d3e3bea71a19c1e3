//! Self-contained HTML reports: one file with the claims table first, then sections of text,
//! inline SVG figures, tables and settings; no external resources.

use crate::claims::{claims_table, Claim, Tally};
use crate::plot::{PlotError, Render};
use crate::table::{text_cell, Table, Value};

/// Significant digits of the floats in report tables.
const DIGITS: usize = 4;

/// The page's style sheet, inlined.
const STYLE: &str = "\
body { font-family: 'DejaVu Sans', Verdana, sans-serif; max-width: 1400px; margin: 2em auto; \
padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #d4edda; color: #155724; font-weight: bold; }
td.fail { background: #f8d7da; color: #721c24; font-weight: bold; }
td.no-prediction { background: #e9ecef; color: #555; }
figure { margin: 1.5em 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.95em; margin-top: 0.4em; }
pre.settings { background: #f6f8fa; border: 1px solid #ddd; padding: 0.8em; overflow-x: auto; }
details { margin: 0.8em 0; }
summary { cursor: pointer; color: #444; }
nav.toc { background: #f6f8fa; border: 1px solid #ddd; padding: 0.5em 1.2em; }
nav.toc ol { margin: 0.3em 0; }
p.caption { color: #444; font-size: 0.95em; margin-bottom: 0.2em; }
";

/// An HTML report: a title, an introduction, the claims and sections.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    title: String,
    intro: String,
    sections: Vec<Section>,
}

/// A part of a [`Report`] under one heading; its content appears in the order it was added.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    heading: String,
    /// The content so far, as HTML.
    body: String,
}

impl Report {
    /// A report with this title and introduction and no sections.
    pub fn new(title: &str, intro: &str) -> Report {
        Report {
            title: title.to_string(),
            intro: intro.to_string(),
            sections: Vec::new(),
        }
    }

    /// Appends a section and returns it for filling.
    pub fn section(&mut self, heading: &str) -> &mut Section {
        self.sections.push(Section {
            heading: heading.to_string(),
            body: String::new(),
        });
        self.current()
    }

    /// The last section (an untitled one is started if there is none).
    pub fn current(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.sections.push(Section::default());
        }
        self.sections.last_mut().expect("a section exists")
    }

    /// The HTML page: title, intro, a table of contents (the claims, then one entry per
    /// section), the claims table (verdict cells coloured: pass green, fail red, no-prediction
    /// grey) under a one-line [`Tally`] that counts the paper-setting verdicts apart from the
    /// stand-in ones, then each section.
    pub fn to_html(&self, claims: &[Claim]) -> String {
        let title = escape(&self.title);
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
        );
        if !self.intro.is_empty() {
            html.push_str(&format!("<p class=\"intro\">{}</p>\n", escape(&self.intro)));
        }
        html.push_str("<nav class=\"toc\">\n<strong>Contents</strong>\n<ol>\n<li><a href=\"#claims\">Claims</a></li>\n");
        for (i, section) in self.sections.iter().enumerate() {
            html.push_str(&format!(
                "<li><a href=\"#section-{}\">{}</a></li>\n",
                i + 1,
                escape(&section.heading)
            ));
        }
        html.push_str("</ol>\n</nav>\n");
        html.push_str(&format!(
            "<section class=\"claims\" id=\"claims\">\n<h2>Claims</h2>\n<p class=\"count\">{}</p>\n",
            escape(&Tally::of(claims).to_string())
        ));
        if !claims.is_empty() {
            let table = claims_table(claims);
            let verdicts: Vec<String> = claims.iter().map(|c| c.verdict().to_string()).collect();
            let verdict_column = table.columns.len() - 3;
            html.push_str(&html_table(&table, |row, column, _| {
                if column == verdict_column {
                    format!("verdict {}", verdicts[row])
                } else {
                    String::new()
                }
            }));
        }
        html.push_str("</section>\n");
        for (i, section) in self.sections.iter().enumerate() {
            html.push_str(&format!(
                "<section id=\"section-{}\">\n<h2>{}</h2>\n{}</section>\n",
                i + 1,
                escape(&section.heading),
                section.body
            ));
        }
        html.push_str("</body>\n</html>\n");
        html
    }
}

impl Section {
    /// Appends a paragraph of plain text (HTML-escaped).
    pub fn text(&mut self, paragraph: &str) -> &mut Section {
        self.body
            .push_str(&format!("<p>{}</p>\n", escape(paragraph)));
        self
    }

    /// Renders `figure` now at its natural size and appends it inline as SVG (any XML prolog
    /// removed) with `caption` below it.
    pub fn figure(
        &mut self,
        caption: &str,
        figure: &dyn Render,
    ) -> Result<&mut Section, PlotError> {
        let (width, height) = figure.size();
        let svg = figure.render_svg(width, height)?;
        let svg = strip_prolog(&svg).ok_or_else(|| {
            PlotError::Draw(format!(
                "the figure '{caption}' did not render to an SVG document"
            ))
        })?;
        self.body.push_str(&format!(
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            svg.trim_end(),
            escape(caption)
        ));
        Ok(self)
    }

    /// Appends `value` as pretty-printed JSON in a `<pre>` block folded under `label`
    /// (collapsed until clicked).
    pub fn settings(&mut self, label: &str, value: &serde_json::Value) -> &mut Section {
        let json = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
        self.body.push_str(&format!(
            "<details>\n<summary>{}</summary>\n<pre class=\"settings\">{}</pre>\n</details>\n",
            escape(label),
            escape(&json)
        ));
        self
    }

    /// Appends a caption line (for the table that follows).
    pub fn caption(&mut self, text: &str) -> &mut Section {
        if !text.is_empty() {
            self.body
                .push_str(&format!("<p class=\"caption\">{}</p>\n", escape(text)));
        }
        self
    }

    /// Appends `table` as an HTML table, floats with 4 significant digits, numbers
    /// right-aligned.
    pub fn table(&mut self, table: &Table) -> &mut Section {
        self.body.push_str(&html_table(table, |_, _, value| {
            match value {
                Value::Int(_) | Value::Float(_) => "num",
                Value::Str(_) | Value::Null => "",
            }
            .to_string()
        }));
        self
    }
}

/// `table` as HTML; `class_of(row, column, value)` gives each body cell's class (empty for
/// none).
fn html_table(table: &Table, class_of: impl Fn(usize, usize, &Value) -> String) -> String {
    let mut html = String::from("<table>\n<thead><tr>");
    for column in &table.columns {
        html.push_str(&format!("<th>{}</th>", escape(column)));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in table.rows.iter().enumerate() {
        html.push_str("<tr>");
        for (column, value) in row.iter().enumerate() {
            let class = class_of(r, column, value);
            let text = escape(&text_cell(value, DIGITS));
            if class.is_empty() {
                html.push_str(&format!("<td>{text}</td>"));
            } else {
                html.push_str(&format!("<td class=\"{}\">{text}</td>", escape(&class)));
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

/// `svg` from its `<svg` root element on: leading XML declarations, processing instructions,
/// comments and the document type removed; `None` when no `<svg` element follows them.
fn strip_prolog(svg: &str) -> Option<&str> {
    let mut rest = svg.trim_start();
    loop {
        let end = if rest.starts_with("<?") {
            rest.find("?>")? + 2
        } else if rest.starts_with("<!--") {
            rest.find("-->")? + 3
        } else if rest.starts_with("<!") {
            rest.find('>')? + 1
        } else {
            break;
        };
        rest = rest[end..].trim_start();
    }
    rest.starts_with("<svg").then_some(rest)
}

/// `text` with the HTML special characters `& < > " '` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Check, Operand};
    use crate::plot::{Axis, Figure, Series};

    /// A stand-in figure whose SVG is fixed text.
    struct Fixed(&'static str);

    impl Render for Fixed {
        fn render_png(&self, _: u32, _: u32) -> Result<Vec<u8>, PlotError> {
            Err(PlotError::Encode("no PNG".into()))
        }
        fn render_svg(&self, width: u32, height: u32) -> Result<String, PlotError> {
            if self.0.is_empty() {
                return Err(PlotError::Data(format!(
                    "nothing to draw at {width}x{height}"
                )));
            }
            Ok(self.0.to_string())
        }
        fn size(&self) -> (u32, u32) {
            (321, 123)
        }
        fn data(&self) -> Table {
            Table::new(["x"])
        }
    }

    fn claims() -> Vec<Claim> {
        vec![
            Claim::within("a", "first", 1.0, 1.0, 0.1),
            Claim::within("b", "second", 1.0, 1.05, 0.1).stand_in("quick", "full"),
            Claim::within("c", "third", 1.0, 2.0, 0.1),
            Claim::measured("d", "fourth", vec![Operand::new("x", 42.0)]),
        ]
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let evil = "<script>alert('x & \"y\"')</script>";
        let escaped = "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;";
        let mut report = Report::new(evil, evil);
        let mut table = Table::new([evil]);
        table.push(vec![evil.into()]);
        report
            .section(evil)
            .text(evil)
            .settings(evil, &serde_json::json!({ "note": evil }))
            .table(&table);
        report
            .section("figures")
            .figure(evil, &Fixed("<svg width=\"1\"></svg>"))
            .unwrap();
        let claims = [Claim::new(
            evil,
            evil,
            Check::Measured {
                values: vec![Operand::new(evil, 1.0)],
                reference: vec![],
            },
        )];
        let html = report.to_html(&claims);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("'x"));
        // title twice, intro, contents entry, heading, text, settings label, table header and
        // cell, figure caption, claim id, statement and measured value
        assert_eq!(html.matches(escaped).count(), 13, "{html}");
        // settings are JSON-encoded first, then escaped
        assert!(html.contains("&lt;/script&gt;") && html.contains("\\&quot;y\\&quot;"));
    }

    #[test]
    fn claims_come_first_with_count_and_verdict_classes() {
        let mut report = Report::new("Report", "Intro text.");
        report.section("Later section").text("body");
        let html = report.to_html(&claims());
        assert!(html.contains(
            "<p class=\"count\">paper setting: 1 pass, 1 fail; stand-in settings: 1 pass, 0 fail; \
             1 without prediction</p>"
        ));
        assert_eq!(
            html.matches("<td class=\"verdict pass\">pass</td>").count(),
            2
        );
        assert_eq!(
            html.matches("<td class=\"verdict fail\">fail</td>").count(),
            1
        );
        assert_eq!(
            html.matches("<td class=\"verdict no-prediction\">no-prediction</td>")
                .count(),
            1
        );
        let toc_at = html
            .find("<a href=\"#section-1\">Later section</a>")
            .unwrap();
        let claims_at = html.find("<h2>Claims</h2>").unwrap();
        let section_at = html
            .find("<section id=\"section-1\">\n<h2>Later section</h2>")
            .unwrap();
        assert!(html.find("Intro text.").unwrap() < toc_at);
        assert!(toc_at < claims_at && claims_at < section_at);
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
        assert!(!html.contains("http"), "the page must not load anything");

        let empty = Report::new("R", "").to_html(&[]);
        assert!(empty.contains("paper setting: 0 pass, 0 fail"));
        assert!(!empty.contains("<table") && !empty.contains("class=\"intro\""));
    }

    #[test]
    fn figures_are_inline_svg_without_prolog() {
        let mut fig = Figure::new("Embedded risk", Axis::log("t"), Axis::log("risk"));
        fig.series
            .push(Series::line(vec![(1.0, 1.0), (10.0, 0.1)]).label("curve"));
        let mut report = Report::new("R", "");
        let section = report.section("Figures");
        section.figure("The risk", &fig).unwrap();
        section
            .figure(
                "Prolog",
                &Fixed("<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE svg>\n<svg id=\"f\"/>\n"),
            )
            .unwrap();
        let html = report.to_html(&[]);
        let figure_at = html
            .find("<figure>\n<svg width=\"1000\" height=\"700\"")
            .unwrap();
        let title_at = html.find("Embedded risk").unwrap();
        let end_at = html
            .find("</svg>\n<figcaption>The risk</figcaption>")
            .unwrap();
        assert!(figure_at < title_at && title_at < end_at);
        assert!(html.contains("<figure>\n<svg id=\"f\"/>\n<figcaption>Prolog</figcaption>"));
        assert!(!html.contains("<?xml") && !html.contains("DOCTYPE svg"));
        // Figures scale their text for pages no wider than this one.
        let width = crate::plot::REPORT_WIDTH;
        assert!(STYLE.contains(&format!("max-width: {width}px")));

        let err = report
            .section("bad")
            .figure("Broken", &Fixed(""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("321x123"), "{err}");
        let err = report
            .section("bad")
            .figure("Not SVG", &Fixed("<?xml?><html/>"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("Not SVG"), "{err}");
    }

    #[test]
    fn tables_and_settings() {
        let mut table = Table::new(["name", "n", "x"]);
        table.push(vec!["a".into(), 3i64.into(), (1.0 / 3.0).into()]);
        table.push(vec!["b".into(), Value::Null, 1.234567e-5.into()]);
        let mut report = Report::new("R", "");
        report
            .section("S")
            .table(&table)
            .caption("A caption")
            .settings(
                "Settings",
                &serde_json::json!({"alpha": 1.5, "d": [10, 20]}),
            );
        let html = report.to_html(&[]);
        assert!(html
            .contains("<tr><td>a</td><td class=\"num\">3</td><td class=\"num\">0.3333</td></tr>"));
        assert!(html.contains("<tr><td>b</td><td></td><td class=\"num\">1.235e-5</td></tr>"));
        assert!(html.contains("<th>name</th><th>n</th><th>x</th>"));
        let pretty =
            serde_json::to_string_pretty(&serde_json::json!({"alpha": 1.5, "d": [10, 20]}))
                .unwrap()
                .replace('"', "&quot;");
        assert!(html.contains(&format!(
            "<details>\n<summary>Settings</summary>\n<pre class=\"settings\">{pretty}</pre>\n</details>"
        )));
        assert!(html.contains("<p class=\"caption\">A caption</p>"));
    }

    #[test]
    fn prolog_stripping() {
        assert_eq!(strip_prolog("  <svg/>"), Some("<svg/>"));
        assert_eq!(
            strip_prolog("<?xml version=\"1.0\"?><svg/>"),
            Some("<svg/>")
        );
        assert_eq!(strip_prolog("<?xml unterminated <svg/>"), None);
        assert_eq!(strip_prolog("<div/>"), None);
    }
}
