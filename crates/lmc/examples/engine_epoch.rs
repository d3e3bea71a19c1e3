//! One epoch of a 3×256 ReLU MLP on the digits (1437 images, batch 64) with the crate's
//! hand-written f64 engine: the measurement behind the choice of training engine.
//! `cargo run --release -p lmc --example engine_epoch`
fn main() -> Result<(), lmc::Error> {
    let bench = lmc::bench::training_epochs(256, 3, 64, 7, 0)?;
    for (i, s) in bench.seconds.iter().enumerate() {
        println!("epoch {i}: {s:.4} s");
    }
    println!(
        "hand-written f64 (faer products, 1 thread): median epoch {:.4} s over {} epochs, {} steps each",
        bench.median(),
        bench.seconds.len(),
        bench.steps
    );
    Ok(())
}
