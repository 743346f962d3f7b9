//! Figures as SVG and PNG (plotters). Text is laid out with DejaVu Sans, bundled in
//! `assets/fonts` and registered once, so no system font is needed on any machine.
//! Logarithmic axes are drawn as log10 of the value on a linear axis, and say so.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Connected line.
    Line,
    /// Markers only.
    Points,
    /// Dashed-looking thin line (fits, references).
    Thin,
}

/// One named series of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points (already in plot coordinates).
    pub points: Vec<(f64, f64)>,
    /// Drawing style.
    pub style: Style,
}

/// A figure: title, axis labels and series.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Caption.
    pub title: String,
    /// x-axis description.
    pub x_label: String,
    /// y-axis description.
    pub y_label: String,
    /// The series.
    pub series: Vec<Series>,
}

fn plot_error(e: impl std::fmt::Display) -> Error {
    Error::Plot {
        name: String::new(),
        message: e.to_string(),
    }
}

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font as "sans-serif" once per process.
fn register_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(plot_error(
            "the bundled DejaVu Sans font could not be loaded",
        ))
    }
}

/// Matplotlib's "tab10" colours: distinct and readable on white.
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Pixel size of every figure.
const SIZE: (u32, u32) = (820, 560);

impl Figure {
    /// Writes the figure as SVG to `path`.
    pub fn write_svg(&self, path: &Path) -> Result<()> {
        register_font()?;
        self.draw(SVGBackend::new(path, SIZE).into_drawing_area())
    }

    /// Writes the figure as PNG to `path`.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        register_font()?;
        self.draw(BitMapBackend::new(path, SIZE).into_drawing_area())
    }

    /// Writes `path` (SVG) and the same figure as PNG beside it (extension `.png`).
    pub fn write_svg_and_png(&self, path: &Path) -> Result<()> {
        self.write_svg(path)?;
        self.write_png(&path.with_extension("png"))
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let pts: Vec<(f64, f64)> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if pts.is_empty() {
            return Err(plot_error(format!("{}: nothing to plot", self.title)));
        }
        let (mut x0, mut x1, mut y0, mut y1) = pts.iter().fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
        );
        let pad = |lo: &mut f64, hi: &mut f64| {
            let w = (*hi - *lo).max(1e-12 * hi.abs().max(1.0));
            *lo -= 0.05 * w;
            *hi += 0.05 * w;
        };
        pad(&mut x0, &mut x1);
        pad(&mut y0, &mut y1);
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(46)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .draw()
            .map_err(plot_error)?;
        for (i, s) in self.series.iter().enumerate() {
            let (r, g, b) = TAB10[i % TAB10.len()];
            let color = RGBColor(r, g, b).to_rgba();
            let points = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite());
            let legend_color = color;
            match s.style {
                Style::Line | Style::Thin => {
                    let width = if s.style == Style::Line { 2 } else { 1 };
                    chart
                        .draw_series(LineSeries::new(points, color.stroke_width(width)))
                        .map_err(plot_error)?
                        .label(s.name.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], legend_color)
                        });
                }
                Style::Points => {
                    chart
                        .draw_series(points.map(|p| Circle::new(p, 4, color.filled())))
                        .map_err(plot_error)?
                        .label(s.name.as_str())
                        .legend(move |(x, y)| Circle::new((x + 9, y), 4, legend_color.filled()));
                }
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
        Ok(())
    }
}
