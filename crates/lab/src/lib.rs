//! The spine shared by all theorylab systems: reproducible seeds, result tables and their output
//! formats (aligned text, CSV, JSON), run directories written atomically, log-log power-law fits,
//! figures rendered headless to PNG and SVG, and progress bars.

pub mod fit;
pub mod grid;
pub mod outdir;
pub mod plot;
pub mod progress;
pub mod seed;
pub mod table;
