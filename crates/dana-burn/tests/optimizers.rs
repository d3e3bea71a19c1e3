//! DANA against `plrf::optimizer::momentum_step`, state round trips through burn's record,
//! ADana against a hand-computed two-step update, global-norm clipping.
//!
//! Everything runs in f64 on `flex` (parameters and data are created as f64 and the tests
//! assert the dtype), so the tolerance is 1e-12 relative.

use burn::module::Param;
use burn::nn::Linear;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{DType, Device, Tensor, TensorData};
use dana_burn::{
    clip_grad_global_norm, global_grad_norm, Adana, ClippedOptimizer, Dana, DanaConfig, DanaPreset,
};
use plrf::optimizer::{momentum_step, Overrides, Preset, PresetContext};
use plrf::schedule::Coeffs;

const TOL: f64 = 1e-12;

fn device() -> Device {
    Device::flex().autodiff()
}

fn f64_tensor<const D: usize>(values: &[f64], shape: [usize; D]) -> Tensor<D> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), shape),
        (&device(), DType::F64),
    )
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    assert_eq!(t.dtype(), DType::F64, "the test must run in f64");
    t.into_data().try_into_vec::<f64>().unwrap()
}

/// A linear model without bias (weight of shape [d, 1]) holding θ.
fn linear(theta: &[f64]) -> Linear {
    Linear {
        weight: Param::from_tensor(f64_tensor(theta, [theta.len(), 1])),
        bias: None,
    }
}

/// A deterministic batch (B × d inputs, B targets) for step t.
fn batch(t: usize, b: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let x = (0..b * d)
        .map(|i| ((i * 7 + t * 13) as f64 * 0.37).sin())
        .collect();
    let y = (0..b).map(|i| ((i + 3 * t) as f64 * 0.71).cos()).collect();
    (x, y)
}

/// Gradients of the least-squares loss (1/B)·Σ ½(⟨a_i, θ⟩ + bias − y_i)².
fn grads(model: &Linear, t: usize, b: usize) -> GradientsParams {
    let d = model.weight.val().dims()[0];
    let (x, y) = batch(t, b, d);
    let pred = model.forward(f64_tensor(&x, [b, d]));
    let loss = (pred - f64_tensor(&y, [b, 1]))
        .square()
        .mean()
        .mul_scalar(0.5);
    GradientsParams::from_grads(loss.backward(), model)
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len());
    for (j, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= TOL * (1.0 + y.abs()),
            "{what}, entry {j}: burn {x} vs reference {y}"
        );
    }
}

fn plrf_context(d: usize, batch: usize) -> PresetContext {
    PresetContext {
        alpha: 1.0,
        beta: 0.5,
        d,
        batch,
        tr: 1.6,
    }
}

#[test]
fn dana_follows_plrf_momentum_step_for_the_plrf_presets() {
    let (d, b, steps) = (5, 3, 12);
    let theta0 = [0.3, -0.2, 0.5, 0.1, -0.4];
    for preset in [Preset::DanaDecaying, Preset::DanaConstant] {
        let hyper = preset
            .build(&plrf_context(d, b), &Overrides::default())
            .hyper;
        let mut optim = Dana::new(hyper).init();
        let mut model = linear(&theta0);
        let (mut theta, mut m) = (theta0.to_vec(), vec![0.0; d]);
        let mut exact = true;
        for t in 0..steps {
            let grads = grads(&model, t, b);
            let g = values(grads.get::<2>(model.weight.id).unwrap());
            momentum_step(&mut theta, &mut m, &g, hyper.at(t as f64));
            model = optim.step(1.0, model, grads);
            let w = values(model.weight.val());
            assert_close(&w, &theta, &format!("{} step {t}", preset.name()));
            exact &= w == theta;
        }
        let moved: f64 = theta.iter().zip(theta0).map(|(a, b)| (a - b).abs()).sum();
        assert!(moved > 0.1, "{}: θ barely moved ({moved})", preset.name());
        eprintln!("{}: bit-identical to plrf: {exact}", preset.name());
    }
}

#[test]
fn dana_with_a_learning_rate_other_than_one_matches_a_hand_computed_update() {
    // DANA-decaying's LSTM defaults written out: γ1 = 1, γ2 = 0.1, γ3(t) = 0.5(1 + t)^{-1/2},
    // Δ(t) = 8/(8 + t); m ← (1 − Δ)m + γ1·g, then θ ← θ − lr·(γ2·g + γ3·m), lr = 0.3.
    // One parameter, loss ½(aθ − y)² with a = 2, y = 1.
    let (lr, a, y) = (0.3, 2.0, 1.0);
    let (mut th, mut m) = (0.3f64, 0.0f64);
    for t in 0..3u32 {
        let t = f64::from(t);
        let g = a * (a * th - y);
        m = (1.0 - 8.0 / (8.0 + t)) * m + g;
        th -= lr * (0.1 * g + 0.5 / (1.0 + t).sqrt() * m);
    }
    let mut optim = DanaConfig::decaying().init();
    let mut model = linear(&[0.3]);
    for _ in 0..3 {
        let pred = model.forward(f64_tensor(&[a], [1, 1]));
        let loss = (pred - f64_tensor(&[y], [1, 1]))
            .square()
            .sum()
            .mul_scalar(0.5);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    assert_close(&values(model.weight.val()), &[th], "DANA at lr 0.3");
    assert!((th - 0.3).abs() > 1e-2, "the hand computation moved θ");
}

#[test]
fn layerwise_dana_divides_gamma3_by_each_tensors_size() {
    let (d, b, steps) = (4, 2, 8);
    let theta0 = [0.2, -0.1, 0.4, 0.3];
    let bias0 = [0.25];
    let config = DanaConfig {
        gamma2: 0.05,
        gamma3: 0.3,
        ..DanaConfig::decaying()
    };
    let dana = config.build().with_layerwise(true);
    let hyper = dana.hyper;
    let mut optim = dana.init();
    let mut model = linear(&theta0);
    model.bias = Some(Param::from_tensor(f64_tensor(&bias0, [1])));
    let (mut w, mut mw) = (theta0.to_vec(), vec![0.0; d]);
    let (mut bias, mut mb) = (bias0.to_vec(), vec![0.0]);
    for t in 0..steps {
        let grads = grads(&model, t, b);
        let gw = values(grads.get::<2>(model.weight.id).unwrap());
        let gb = values(grads.get::<1>(model.bias.as_ref().unwrap().id).unwrap());
        let c = hyper.at(t as f64);
        let per_size = |n: f64| Coeffs { g3: c.g3 / n, ..c };
        momentum_step(&mut w, &mut mw, &gw, per_size(d as f64));
        momentum_step(&mut bias, &mut mb, &gb, per_size(1.0));
        model = optim.step(1.0, model, grads);
        assert_close(&values(model.weight.val()), &w, "layer-wise weight");
        assert_close(
            &values(model.bias.as_ref().unwrap().val()),
            &bias,
            "layer-wise bias",
        );
    }
}

#[test]
fn presets_have_the_lstm_defaults() {
    let c = DanaConfig::preset(DanaPreset::DanaDecaying).hyper().at(3.0);
    assert_eq!((c.g1, c.g2), (1.0, 0.1));
    assert!((c.g3 - 0.25).abs() < 1e-15); // 0.5·(1 + 3)^{-1/2}
    assert!((c.delta - 1.0 / (1.0 + 3.0 / 8.0)).abs() < 1e-15);
    let constant = DanaConfig::preset(DanaPreset::DanaConstant);
    assert!(constant.layerwise);
    assert_eq!(constant.hyper().at(1e6).g3, 0.05);
    let a = Adana::new(1e-3);
    let s = a.schedule;
    assert_eq!((s.kappa, s.delta, s.omega), (0.85, 8.0, 4.0));
}

/// Runs steps `range` of least squares with `optim`, from `model`.
fn run(optim: &mut ModuleOptimizer, mut model: Linear, range: std::ops::Range<usize>) -> Linear {
    for t in range {
        let grads = grads(&model, t, 3);
        model = optim.step(0.5, model, grads);
    }
    model
}

#[test]
fn state_round_trips_through_the_record() {
    let theta0 = [0.3, -0.2, 0.5, 0.1, -0.4];
    type Maker = fn() -> ModuleOptimizer;
    let makers: [(&str, Maker); 3] = [
        ("dana-decaying", || DanaConfig::decaying().init()),
        ("dana-constant", || DanaConfig::constant().init()),
        ("adana", || {
            let mut adana = Adana::new(0.01);
            adana.schedule.omega = 0.5;
            adana.init()
        }),
    ];
    for (name, make) in makers {
        let straight = run(&mut make(), linear(&theta0), 0..7);

        let mut first = make();
        let halfway = run(&mut first, linear(&theta0), 0..3);
        let bytes = first.into_bytes().unwrap();
        let mut restored = make().from_bytes(bytes).unwrap();
        let resumed = run(&mut restored, halfway.clone(), 3..7);
        assert_eq!(
            values(resumed.weight.val()),
            values(straight.weight.val()),
            "{name}: resumed run differs from the uninterrupted one"
        );

        // The loaded state matters: a fresh optimizer continuing from the same θ differs.
        let forgotten = run(&mut make(), halfway, 3..7);
        let gap: f64 = values(forgotten.weight.val())
            .iter()
            .zip(values(straight.weight.val()))
            .map(|(a, b)| (a - b).abs())
            .sum();
        assert!(gap > 1e-6, "{name}: the state had no effect ({gap})");
    }
}

#[test]
fn adana_matches_a_hand_computed_two_step_update() {
    // θ ∈ R², one sample a = (1, 2), y = 0.5, loss ½(⟨a, θ⟩ − y)², g = a·(⟨a, θ⟩ − y).
    // γ(t) = lr = 0.1, γ* = 0.05, κ = 0.85, δ = 8, ω = 4, τ = 1, ε = 1e-8.
    let (lr, peak, eps) = (0.1, 0.05, 1e-8);
    let a = [1.0, 2.0];
    let y = 0.5;
    let grad = |th: [f64; 2]| {
        let r = a[0] * th[0] + a[1] * th[1] - y;
        [a[0] * r, a[1] * r]
    };
    let mut th = [0.3, -0.2];
    // Step t = 0: α = 8/8 = 1, m = g, v = g², Nesterov factor 1^{0.15} = 1, λ = 4/(1 + 1) = 2.
    let g = grad(th);
    let mut m = g;
    let mut v = [g[0] * g[0], g[1] * g[1]];
    let mut next = [0.0; 2];
    for j in 0..2 {
        let dir = (g[j] + m[j]) / (v[j].sqrt() + eps);
        next[j] = th[j] - lr * (peak * dir + 2.0 * th[j]);
    }
    th = next;
    // Step t = 1: α = 8/9, Nesterov factor 2^{0.15}, λ = 4/(1 + 2) = 4/3.
    let g = grad(th);
    for j in 0..2 {
        m[j] = m[j] / 9.0 + 8.0 / 9.0 * g[j];
        v[j] = v[j] / 9.0 + 8.0 / 9.0 * g[j] * g[j];
        let dir = (g[j] + 2f64.powf(0.15) * m[j]) / (v[j].sqrt() + eps);
        next[j] = th[j] - lr * (peak * dir + 4.0 / 3.0 * th[j]);
    }
    th = next;

    let mut optim = Adana::new(peak).init();
    let mut model = linear(&[0.3, -0.2]);
    for _ in 0..2 {
        let pred = model.forward(f64_tensor(&a, [1, 2]));
        let loss = (pred - f64_tensor(&[y], [1, 1]))
            .square()
            .sum()
            .mul_scalar(0.5);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    assert_close(&values(model.weight.val()), &th, "ADana after two steps");
    assert!((th[0] - 0.3).abs() > 1e-3, "the hand computation moved θ");
}

#[test]
fn adana_with_torch_conventions_matches_the_published_definition_by_hand() {
    // The public PyTorch class (mlexpos/adana src/optim/adana.py), written out on scalars:
    // with the 1-based step s, α = δ/(δ + s), m ← m + α(g − m), v ← (1 − α)v + αg²,
    // θ ← θ − lr·γ*·(g + ((1 + s)^{1−κ} + 1)·m)/(√v + ε), then θ ← θ·(1 − lr·ω/(1 + s/τ)).
    // One parameter θ, loss ½(aθ − y)², a = 2, y = 1; lr = 0.1, γ* = 0.05, κ = 0.85, δ = 8,
    // ω = 4, τ = 1, ε = 1e-8.
    let (lr, peak, eps, a, y) = (0.1, 0.05, 1e-8, 2.0, 1.0);
    let grad = |th: f64| a * (a * th - y);
    let (mut th, mut m, mut v) = (0.3f64, 0.0f64, 0.0f64);
    for s in 1..=2u32 {
        let s = f64::from(s);
        let g = grad(th);
        let alpha = 8.0 / (8.0 + s);
        m += alpha * (g - m);
        v = (1.0 - alpha) * v + alpha * g * g;
        let factor = (1.0 + s).powf(0.15) + 1.0;
        th -= lr * peak * (g + factor * m) / (v.sqrt() + eps);
        th *= 1.0 - lr * 4.0 / (1.0 + s);
    }
    let mut optim = Adana {
        torch_conventions: true,
        ..Adana::new(peak)
    }
    .init();
    let mut model = linear(&[0.3]);
    for _ in 0..2 {
        let pred = model.forward(f64_tensor(&[a], [1, 1]));
        let loss = (pred - f64_tensor(&[y], [1, 1]))
            .square()
            .sum()
            .mul_scalar(0.5);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    assert_close(
        &values(model.weight.val()),
        &[th],
        "ADana (PyTorch conventions)",
    );
    // The spec's conventions give a different θ: the flag changes the update.
    let mut spec = Adana::new(peak).init();
    let mut other = linear(&[0.3]);
    for _ in 0..2 {
        let pred = other.forward(f64_tensor(&[a], [1, 1]));
        let loss = (pred - f64_tensor(&[y], [1, 1]))
            .square()
            .sum()
            .mul_scalar(0.5);
        let grads = GradientsParams::from_grads(loss.backward(), &other);
        other = spec.step(lr, other, grads);
    }
    assert!((values(other.weight.val())[0] - th).abs() > 1e-4);
}

#[test]
fn global_norm_clipping_scales_all_gradients_together() {
    let mut model = linear(&[3.0, -2.0, 1.0]);
    model.bias = Some(Param::from_tensor(f64_tensor(&[2.0], [1])));
    let g0 = grads(&model, 0, 2);
    let gw = values(g0.get::<2>(model.weight.id).unwrap());
    let bias_id = model.bias.as_ref().unwrap().id;
    let gb = values(g0.get::<1>(bias_id).unwrap());
    let norm = gw.iter().chain(&gb).map(|g| g * g).sum::<f64>().sqrt();
    assert!((global_grad_norm(&model, &g0) - norm).abs() < 1e-12 * norm);

    let (unclipped, reported) = clip_grad_global_norm(&model, g0, 2.0 * norm);
    assert_eq!(reported, norm);
    assert_eq!(values(unclipped.get::<2>(model.weight.id).unwrap()), gw);

    let (clipped, _) = clip_grad_global_norm(&model, unclipped, norm / 4.0);
    assert!((global_grad_norm(&model, &clipped) - norm / 4.0).abs() < 1e-12 * norm);
    let cw = values(clipped.get::<2>(model.weight.id).unwrap());
    let cb = values(clipped.get::<1>(bias_id).unwrap());
    assert_close(
        &cw,
        &gw.iter().map(|g| g / 4.0).collect::<Vec<_>>(),
        "weight",
    );
    assert_close(&cb, &gb.iter().map(|g| g / 4.0).collect::<Vec<_>>(), "bias");

    // Through the optimizer: SGD-like DANA (γ3 = 0) steps by exactly −γ2·clipped g.
    let config = DanaConfig {
        gamma3: 0.0,
        ..DanaConfig::decaying()
    };
    let mut optim = ClippedOptimizer::new(config.init(), Some(norm / 4.0));
    let before = values(model.weight.val());
    let g1 = grads(&model, 0, 2);
    let model = optim.step(1.0, model, g1);
    let expected: Vec<f64> = before.iter().zip(&cw).map(|(w, g)| w - 0.1 * g).collect();
    assert_close(&values(model.weight.val()), &expected, "clipped step");
}
