//! Figures as SVG and PNG (plotters). Text is laid out with DejaVu Sans, bundled in
//! `assets/fonts` and registered once, so no system font is needed on any machine.
//! Logarithmic axes are real logarithmic axes (decade ticks); the legend has its own column
//! right of the plot so it never covers data.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Connected line.
    Line,
    /// Filled markers only.
    Points,
    /// Open (hollow) markers only: a different kind of data beside filled markers.
    Open,
    /// Thin line (fits, references).
    Thin,
}

/// One named series of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points, in data coordinates (the axes may be logarithmic).
    pub points: Vec<(f64, f64)>,
    /// Drawing style.
    pub style: Style,
    /// Colour: an index into the palette; series of one quantity (markers and their fit)
    /// share it.
    pub color: usize,
    /// Vertical error bars (lo, hi) per point, or empty.
    pub errors: Vec<(f64, f64)>,
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
    /// Logarithmic x axis (decade ticks).
    pub log_x: bool,
    /// Logarithmic y axis (decade ticks).
    pub log_y: bool,
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
const SIZE: (u32, u32) = (1000, 560);
/// Data lines with at most this many points mark each evaluated point.
const MAX_MARKED_POINTS: usize = 60;
/// Width of the legend column right of the plot, so the legend never covers data.
const LEGEND_WIDTH: u32 = 290;

/// A tick label: powers of ten as 10ⁿ, other values in plain short form.
fn tick(v: &f64) -> String {
    let e = v.abs().log10().round();
    if *v > 0.0 && (v / 10f64.powf(e) - 1.0).abs() < 1e-9 && e.abs() >= 3.0 {
        let sup: String = format!("{e}")
            .chars()
            .map(|c| match c {
                '-' => '⁻',
                d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹']
                    [d.to_digit(10).unwrap_or(0) as usize],
            })
            .collect();
        format!("10{sup}")
    } else {
        crate::error::number(*v)
    }
}

/// A tick label on a logarithmic axis spanning `decades`: only 1, 2, 3 and 5 × 10ⁿ are
/// labelled within 1.2 decades, 1, 2 and 5 × 10ⁿ within 2.5, only 10ⁿ beyond, so that
/// neighbouring labels never run into each other ("80 90 100"); the other ticks keep their grid
/// lines without a label.
fn log_tick(v: &f64, decades: f64) -> String {
    if *v <= 0.0 || !v.is_finite() {
        return String::new();
    }
    let mantissa = v / 10f64.powf(v.log10().floor());
    let near = |m: f64| (mantissa - m).abs() < 1e-6 * m || (mantissa - 10.0 * m).abs() < 1e-5 * m;
    let labelled = if decades > 2.5 {
        near(1.0)
    } else if decades > 1.2 {
        near(1.0) || near(2.0) || near(5.0)
    } else {
        near(1.0) || near(2.0) || near(3.0) || near(5.0)
    };
    if labelled {
        tick(v)
    } else {
        String::new()
    }
}

/// The tick labels of an axis over `range`: [`log_tick`] on a logarithmic axis, else plain
/// numbers (a linear axis reading 10³ between 2000 and 3000 would be a puzzle) with values
/// within 10⁻⁹ of the width from 0 labelled 0 (the tick generator's rounding otherwise labels
/// zero "−2.22e-16").
fn axis_ticks(log: bool, range: std::ops::Range<f64>) -> impl Fn(&f64) -> String {
    let decades = (range.end / range.start).abs().log10();
    let width = (range.end - range.start).abs();
    move |v| {
        if log {
            log_tick(v, decades)
        } else if v.abs() < 1e-9 * width {
            "0".into()
        } else {
            crate::error::number(*v)
        }
    }
}

/// Range of the finite values (positive ones on a logarithmic axis), padded by 5 % of the
/// width (linear) or of the decades (logarithmic).
fn range(values: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return None;
    }
    if log {
        let (a, b) = (lo.log10(), hi.log10());
        let w = (b - a).max(0.2);
        Some((10f64.powf(a - 0.05 * w), 10f64.powf(b + 0.05 * w)))
    } else {
        let w = (hi - lo).max(1e-12 * hi.abs().max(1.0));
        Some((lo - 0.05 * w, hi + 0.05 * w))
    }
}

impl Figure {
    /// Writes the figure as SVG to `path`.
    pub fn write_svg(&self, path: &Path) -> Result<()> {
        register_font()?;
        self.draw(SVGBackend::new(path, SIZE).into_drawing_area())
    }

    /// Writes the figure as PNG to `path`: drawn into an 8-bit RGB buffer, encoded by the
    /// `png` crate (plotters' own encoder would bring the whole `image` crate into the build).
    pub fn write_png(&self, path: &Path) -> Result<()> {
        register_font()?;
        let mut rgb = vec![0u8; 3 * SIZE.0 as usize * SIZE.1 as usize];
        self.draw(BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area())?;
        let file = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), SIZE.0, SIZE.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::io("write", path, e))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| Error::io("write", path, e))?;
        writer.finish().map_err(|e| Error::io("write", path, e))
    }

    /// Writes `path` (SVG) and the same figure as PNG beside it (extension `.png`).
    pub fn write_svg_and_png(&self, path: &Path) -> Result<()> {
        self.write_svg(path)?;
        self.write_png(&path.with_extension("png"))
    }

    fn visible(&self, p: &(f64, f64)) -> bool {
        p.0.is_finite()
            && p.1.is_finite()
            && (!self.log_x || p.0 > 0.0)
            && (!self.log_y || p.1 > 0.0)
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let pts = self.series.iter().flat_map(|s| s.points.iter());
        let xs = range(pts.clone().map(|p| p.0), self.log_x);
        let ys = range(
            pts.map(|p| p.1).chain(
                self.series
                    .iter()
                    .flat_map(|s| s.errors.iter().flat_map(|&(a, b)| [a, b])),
            ),
            self.log_y,
        );
        let (Some((x0, x1)), Some((y0, y1))) = (xs, ys) else {
            return Err(plot_error(format!("{}: nothing to plot", self.title)));
        };
        root.fill(&WHITE).map_err(plot_error)?;
        let root = root
            .titled(&self.title, ("sans-serif", 19))
            .map_err(plot_error)?;
        let (area, legend) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let mut builder = ChartBuilder::on(&area);
        builder
            .margin(14)
            .x_label_area_size(46)
            .y_label_area_size(76);
        match (self.log_x, self.log_y) {
            (false, false) => self.plot(builder.build_cartesian_2d(x0..x1, y0..y1)),
            (true, false) => self.plot(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)),
            (false, true) => self.plot(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())),
            (true, true) => {
                self.plot(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale()))
            }
        }?;
        self.legend(&legend)?;
        root.present().map_err(plot_error)?;
        Ok(())
    }

    /// Mesh, series and error bars on a chart with either kind of axes.
    fn plot<DB, X, Y, E>(
        &self,
        chart: std::result::Result<ChartContext<'_, DB, Cartesian2d<X, Y>>, E>,
    ) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
        E: std::fmt::Display,
    {
        let mut chart = chart.map_err(plot_error)?;
        let x_tick = axis_ticks(self.log_x, chart.x_range());
        let y_tick = axis_ticks(self.log_y, chart.y_range());
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_tick)
            .y_label_formatter(&y_tick)
            .max_light_lines(4)
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(plot_error)?;
        for s in &self.series {
            self.draw_series(&mut chart, s)?;
        }
        Ok(())
    }

    /// One series in its style (marks, a line, or a data line with its evaluated points
    /// marked) and its error bars.
    fn draw_series<DB, X, Y>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
        s: &Series,
    ) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let color = color(s.color);
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|p| self.visible(p))
            .collect();
        match s.style {
            Style::Line | Style::Thin => {
                let width = if s.style == Style::Line { 2 } else { 1 };
                // a data line marks the points it was evaluated at (unless so dense that
                // marks would hide the line)
                if s.style == Style::Line && points.len() <= MAX_MARKED_POINTS {
                    chart
                        .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                        .map_err(plot_error)?;
                }
                chart
                    .draw_series(LineSeries::new(points, color.stroke_width(width)))
                    .map_err(plot_error)?;
            }
            Style::Points => {
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 4, color.filled())),
                    )
                    .map_err(plot_error)?;
            }
            Style::Open => {
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 5, color.stroke_width(2))),
                    )
                    .map_err(plot_error)?;
            }
        }
        let bars = s
            .points
            .iter()
            .zip(&s.errors)
            .filter(|(p, &(lo, hi))| {
                self.visible(p) && self.visible(&(p.0, lo)) && self.visible(&(p.0, hi))
            })
            .map(|(&(x, _), &(lo, hi))| {
                PathElement::new(vec![(x, lo), (x, hi)], color.stroke_width(1))
            });
        chart.draw_series(bars).map_err(plot_error)?;
        Ok(())
    }

    /// The legend in its own column: one sample mark and the name per named series (a series
    /// with an empty name, such as the second edge of a band, has no entry).
    fn legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let font = ("sans-serif", 13).into_font();
        for (i, s) in self
            .series
            .iter()
            .filter(|s| !s.name.is_empty())
            .enumerate()
        {
            let y = 30 + 22 * i as i32;
            let c = color(s.color);
            match s.style {
                Style::Line => {
                    area.draw(&PathElement::new(vec![(4, y), (26, y)], c.stroke_width(2)))
                }
                Style::Thin => {
                    area.draw(&PathElement::new(vec![(4, y), (26, y)], c.stroke_width(1)))
                }
                Style::Points => area.draw(&Circle::new((15, y), 4, c.filled())),
                Style::Open => area.draw(&Circle::new((15, y), 5, c.stroke_width(2))),
            }
            .map_err(plot_error)?;
            area.draw(&Text::new(s.name.clone(), (34, y - 8), font.clone()))
                .map_err(plot_error)?;
        }
        Ok(())
    }
}

/// Palette colour `i` (cycled).
fn color(i: usize) -> RGBAColor {
    let (r, g, b) = TAB10[i % TAB10.len()];
    RGBColor(r, g, b).to_rgba()
}

#[cfg(test)]
mod tests {
    use super::{axis_ticks, log_tick};

    /// Zero on a linear axis is labelled 0 even when the tick generator hands it −2.22e-16.
    #[test]
    fn linear_zero_is_zero() {
        let ticks = axis_ticks(false, -1.0..1.0);
        assert_eq!(ticks(&-2.220446049250313e-16), "0");
        assert_eq!(ticks(&0.5), "0.5");
        assert_eq!(axis_ticks(false, 0.0..8000.0)(&1000.0), "1000");
        assert_eq!(axis_ticks(true, 1.0..1e4)(&1e4), "10⁴");
    }

    /// Within 1.2 decades 1, 2, 3 and 5 × 10ⁿ carry labels, within 2.5 only 1, 2 and 5 × 10ⁿ,
    /// beyond only the decades.
    #[test]
    fn log_ticks_never_crowd() {
        let labelled = |decades: f64| -> Vec<f64> {
            [
                3.0, 4.0, 5.0, 8.0, 9.0, 10.0, 20.0, 30.0, 50.0, 80.0, 90.0, 100.0, 200.0, 1e3,
            ]
            .into_iter()
            .filter(|v| !log_tick(v, decades).is_empty())
            .collect()
        };
        assert_eq!(
            labelled(1.0),
            [3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0, 200.0, 1e3]
        );
        assert_eq!(labelled(2.0), [5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 1e3]);
        assert_eq!(labelled(3.0), [10.0, 100.0, 1e3]);
        assert_eq!(log_tick(&1e4, 3.0), "10⁴");
        assert!(log_tick(&0.0, 1.0).is_empty());
    }
}
