//! Sets `cfg(slurm_required)` when THEORYLAB_REQUIRE_SLURM is set at build time (CI), so the
//! Slurm test runs there and is reported as ignored elsewhere.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(slurm_required)");
    println!("cargo::rerun-if-env-changed=THEORYLAB_REQUIRE_SLURM");
    if std::env::var_os("THEORYLAB_REQUIRE_SLURM").is_some() {
        println!("cargo::rustc-cfg=slurm_required");
    }
}
