//! Progress bars on stderr.

use indicatif::{ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// The bar type [`bar`] returns.
pub use indicatif::ProgressBar;

/// A progress bar on stderr, hidden when `quiet` or when stdout is not a terminal (std::io::IsTerminal).
pub fn bar(len: u64, message: &str, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stdout().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let style = ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} (eta {eta})",
    )
    .expect("the progress template is valid");
    ProgressBar::with_draw_target(Some(len), target)
        .with_style(style)
        .with_message(message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_bar_is_hidden_but_counts() {
        let pb = bar(10, "work", true);
        assert!(pb.is_hidden());
        assert_eq!(pb.length(), Some(10));
        pb.inc(3);
        assert_eq!(pb.position(), 3);
        assert_eq!(pb.message(), "work");
    }
}
