//! The spine shared by all theorylab systems: reproducible seeds, result tables and their output
//! formats (aligned text, CSV, JSON), run directories written atomically, log-log power-law fits,
//! figures, heatmaps and region maps rendered headless to PNG and SVG (each with a table of its
//! plotted data), checked claims, self-contained HTML reports, and progress bars.

pub mod claims;
pub mod error;
pub mod fit;
pub mod grid;
pub mod hash;
pub mod memory;
pub mod outdir;
pub mod plot;
pub mod progress;
pub mod regions;
pub mod report;
pub mod rundir;
pub mod seed;
pub mod stats;
pub mod sweep;
pub mod system;
pub mod table;
