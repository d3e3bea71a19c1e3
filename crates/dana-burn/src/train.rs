//! Training loop of the char-LSTM experiment (spec §5 E9, scaled down), with checkpoint/resume.
//!
//! Optimizers ([`OptimizerKind`]):
//! - `sgd`: burn's plain `Sgd` at `lr` (default 0.1, the spec's E9 value).
//! - `dana-decaying`: [`DanaConfig::decaying`] (γ1 = 1, γ2 = 0.1, γ3 = 0.5·(1 + t)^{-1/2},
//!   Δ = (1 + t/8)^{-1}); burn's lr is 1 (the schedules are followed exactly), `lr` is ignored.
//! - `adana`: [`Adana::new`]`(lr)` with γ* = `lr` (default 3·10⁻³, an Adam-like peak that
//!   leaves room for the Nesterov factor (1 + t)^{0.15}); the schedule factor γ(t) warms up
//!   linearly, γ(t) = min(1, (t + 1)/w) with w = max(5, steps/20), so that γ(t)·λ(t) ≤ 4/w < 1
//!   with the default ω = 4.
//! - `adam`: burn's `Adam` (β = 0.9, 0.999, ε = 10⁻⁵) at `lr` (default 10⁻³).
//!
//! Batches: the batch of step s is drawn from the stream `("dana-burn.lstm.batch", s)` of the
//! seed, so a resumed run sees the same batches without saving any RNG state.
//!
//! Checkpoint file (written to `<path>.tmp`, then renamed): the magic `DANALSTM1\n`, then three
//! length-prefixed (u64 little endian) sections: a JSON header (config, step, curve so far,
//! partial train-loss sum), the model's burnpack record bytes, the optimizer's burnpack
//! record bytes.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use lab::seed::Seed;
use serde::{Deserialize, Serialize};

use crate::corpus::Corpus;
use crate::error::Error;
use crate::lstm::{int_tensor, random_windows, validation_starts, windows_at, CharLstm};
use crate::{Adana, ClippedOptimizer, DanaConfig};

/// The optimizer of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerKind {
    /// burn's SGD (no momentum).
    Sgd,
    /// DANA with the `dana-decaying` preset.
    DanaDecaying,
    /// ADana with a linear warm-up of γ(t).
    Adana,
    /// burn's Adam.
    Adam,
}

impl OptimizerKind {
    /// Its name in tables, file names and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::DanaDecaying => "dana-decaying",
            Self::Adana => "adana",
            Self::Adam => "adam",
        }
    }

    /// The default learning rate (`lr` of [`TrainConfig`] when `None`): SGD 0.1, Adam 10⁻³,
    /// ADana peak 3·10⁻³, DANA 1 (unused).
    pub fn default_lr(&self) -> f64 {
        match self {
            Self::Sgd => 0.1,
            Self::DanaDecaying => 1.0,
            Self::Adana => 3e-3,
            Self::Adam => 1e-3,
        }
    }
}

/// Configuration of one training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Number of optimizer steps.
    pub steps: usize,
    /// Batch size B (windows per step).
    pub batch: usize,
    /// Sequence length T (inputs per window).
    pub seq_len: usize,
    /// Embedding width E.
    pub embed: usize,
    /// LSTM hidden width H.
    pub hidden: usize,
    /// Number of stacked LSTM layers.
    pub layers: usize,
    /// Seed of the initialization and of the batch stream.
    pub seed: Seed,
    /// Global-norm gradient clipping (the spec clips at 10); `None` disables it.
    pub clip: Option<f64>,
    /// Evaluate (and record a curve point) every this many steps, and at the last step.
    pub eval_every: usize,
    /// Learning rate for sgd/adam, peak γ* for adana (ignored by dana-decaying); `None`: the
    /// optimizer's [`default_lr`](OptimizerKind::default_lr).
    pub lr: Option<f64>,
    /// At most this many validation windows (evenly spaced, fixed) per evaluation.
    pub valid_windows: usize,
}

impl TrainConfig {
    /// Checks the sizes (each at least 1), the clipping threshold (finite and > 0) and the
    /// learning rate (finite and > 0), naming the first quantity out of range.
    pub fn validate(&self) -> Result<(), Error> {
        for (name, value) in [
            ("steps", self.steps),
            ("batch", self.batch),
            ("seq_len", self.seq_len),
            ("embed", self.embed),
            ("hidden", self.hidden),
            ("layers", self.layers),
            ("eval_every", self.eval_every),
            ("valid_windows", self.valid_windows),
        ] {
            lab::error::require(value >= 1, name, value as f64, "at least 1")?;
        }
        if let Some(clip) = self.clip {
            lab::error::positive("clip", clip)?;
        }
        if let Some(lr) = self.lr {
            lab::error::positive("lr", lr)?;
        }
        Ok(())
    }

    /// Small defaults: 1000 steps, B = 16, T = 64, E = H = 128, 1 layer, seed 0, clip 10,
    /// eval every 100 steps, 64 validation windows.
    pub fn new(optimizer: OptimizerKind) -> Self {
        TrainConfig {
            optimizer,
            steps: 1000,
            batch: 16,
            seq_len: 64,
            embed: 128,
            hidden: 128,
            layers: 1,
            seed: Seed(0),
            clip: Some(10.0),
            eval_every: 100,
            lr: None,
            valid_windows: 64,
        }
    }

    /// The learning rate in use.
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or(self.optimizer.default_lr())
    }
}

/// One evaluation point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Optimizer steps taken.
    pub step: usize,
    /// Training tokens seen = step·B·T.
    pub tokens: u64,
    /// Mean training loss (nats/char) over the steps since the previous point.
    pub train_loss: f64,
    /// Validation loss (nats/char) on the fixed validation windows.
    pub valid_loss: f64,
}

/// A learning curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Validation loss before the first step.
    pub initial_valid_loss: f64,
    /// The evaluation points in step order.
    pub points: Vec<CurvePoint>,
    /// The 1-based step whose training or validation loss was not finite, if the run diverged
    /// (training stops there; the points before it are kept).
    #[serde(default)]
    pub diverged_at: Option<usize>,
}

/// Where and how often to checkpoint.
#[derive(Clone, Debug)]
pub struct Checkpoint<'a> {
    /// The checkpoint file; a run resumes from it when it exists and holds the same config.
    pub path: &'a Path,
    /// Save every this many steps (and after the last step).
    pub every: usize,
}

#[derive(Serialize, Deserialize)]
struct Header {
    config: TrainConfig,
    step: usize,
    curve: Curve,
    acc_sum: f64,
    acc_count: usize,
}

const MAGIC: &[u8] = b"DANALSTM1\n";

fn make_optimizer(config: &TrainConfig) -> ModuleOptimizer {
    let lr = config.lr();
    match config.optimizer {
        OptimizerKind::Sgd => SgdConfig::new().init(),
        OptimizerKind::DanaDecaying => DanaConfig::decaying().init(),
        OptimizerKind::Adana => Adana::new(lr).init(),
        OptimizerKind::Adam => AdamConfig::new().init(),
    }
}

/// burn's learning rate at the 0-based step `t`.
fn burn_lr(config: &TrainConfig, t: usize) -> f64 {
    match config.optimizer {
        OptimizerKind::Sgd | OptimizerKind::Adam => config.lr(),
        OptimizerKind::DanaDecaying => 1.0,
        OptimizerKind::Adana => {
            let w = (config.steps / 20).max(5);
            ((t + 1) as f64 / w as f64).min(1.0)
        }
    }
}

/// Mean validation loss over the fixed validation windows (batches of `config.batch`).
pub fn validation_loss(
    model: &CharLstm,
    corpus: &Corpus,
    config: &TrainConfig,
    device: &Device,
) -> f64 {
    let starts = validation_starts(corpus.valid.len(), config.seq_len, config.valid_windows);
    let model = model.valid();
    let mut sum = 0.0;
    for chunk in starts.chunks(config.batch.max(1)) {
        let (x, y) = windows_at(&corpus.valid, chunk, config.seq_len);
        let x = int_tensor(x, chunk.len(), config.seq_len, device);
        let y = int_tensor(y, chunk.len(), config.seq_len, device);
        sum += model.loss(x, y).into_scalar::<f64>() * chunk.len() as f64;
    }
    sum / starts.len() as f64
}

fn check(config: &TrainConfig, corpus: &Corpus) -> Result<(), Error> {
    config.validate()?;
    if corpus.train.len() <= config.seq_len || corpus.valid.len() <= config.seq_len {
        return Err(Error::CorpusTooShort {
            train: corpus.train.len(),
            valid: corpus.valid.len(),
            seq_len: config.seq_len,
        });
    }
    Ok(())
}

/// Trains the char-LSTM of `config` on `corpus` (f32 on `Device::flex().autodiff()`), calling
/// `progress(step, train_loss)` after every step (1-based step count). A non-finite training
/// or validation loss stops the run: the curve so far comes back with
/// [`diverged_at`](Curve::diverged_at) set (not an error).
///
/// With `checkpoint`, the state (model, optimizer, step, curve so far) is saved every
/// `checkpoint.every` steps and after the last; if the file exists on start it must hold the
/// same `config` (else an error) and the run resumes from it. Same config (seed included) →
/// identical curve, resumed or not.
pub fn train(
    config: &TrainConfig,
    corpus: &Corpus,
    checkpoint: Option<&Checkpoint>,
    progress: &dyn Fn(usize, f64),
) -> Result<Curve, Error> {
    check(config, corpus)?;
    let device = Device::flex().autodiff();
    let vocab = corpus.vocab.len();
    let mut model = CharLstm::new(
        vocab,
        config.embed,
        config.hidden,
        config.layers,
        config.seed,
        &device,
    );
    let mut optim = ClippedOptimizer::new(make_optimizer(config), config.clip);
    let mut start = 0;
    let mut acc_sum = 0.0;
    let mut acc_count = 0;
    let mut curve = None;

    if let Some(ck) = checkpoint {
        lab::error::require(
            ck.every >= 1,
            "checkpoint_every",
            ck.every as f64,
            "at least 1",
        )?;
        if ck.path.exists() {
            let (header, model_bytes, optim_bytes) = read_checkpoint(ck.path)?;
            if header.config != *config {
                return Err(Error::CheckpointMismatch {
                    path: ck.path.to_path_buf(),
                });
            }
            let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(model_bytes))
                .map_err(|e| corrupt(ck.path, format!("model record: {e:?}")))?;
            model = model
                .try_load_record(record)
                .map_err(|e| corrupt(ck.path, format!("model record: {e:?}")))?;
            optim.inner = optim
                .inner
                .from_bytes(Bytes::from_bytes_vec(optim_bytes))
                .map_err(|e| corrupt(ck.path, format!("optimizer record: {e:?}")))?;
            start = header.step;
            acc_sum = header.acc_sum;
            acc_count = header.acc_count;
            curve = Some(header.curve);
        }
    }
    let mut curve = match curve {
        Some(c) => c,
        None => Curve {
            initial_valid_loss: validation_loss(&model, corpus, config, &device),
            points: Vec::new(),
            diverged_at: None,
        },
    };

    let tokens_per_step = (config.batch * config.seq_len) as u64;
    for t in start..config.steps {
        let mut rng = config.seed.stream("dana-burn.lstm.batch", t as u64);
        let (x, y) = random_windows(&corpus.train, config.batch, config.seq_len, &mut rng);
        let x = int_tensor(x, config.batch, config.seq_len, &device);
        let y = int_tensor(y, config.batch, config.seq_len, &device);
        let loss = model.loss(x, y);
        let value = loss.clone().into_scalar::<f64>();
        if !value.is_finite() {
            return stop_diverged(curve, t + 1, config, checkpoint, &model, &optim.inner);
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(burn_lr(config, t), model, grads);
        acc_sum += value;
        acc_count += 1;
        let step = t + 1;
        progress(step, value);
        if step % config.eval_every == 0 || step == config.steps {
            let valid_loss = validation_loss(&model, corpus, config, &device);
            if !valid_loss.is_finite() {
                return stop_diverged(curve, step, config, checkpoint, &model, &optim.inner);
            }
            curve.points.push(CurvePoint {
                step,
                tokens: step as u64 * tokens_per_step,
                train_loss: acc_sum / acc_count as f64,
                valid_loss,
            });
            acc_sum = 0.0;
            acc_count = 0;
        }
        if let Some(ck) = checkpoint {
            if step % ck.every == 0 || step == config.steps {
                let header = Header {
                    config: config.clone(),
                    step,
                    curve: curve.clone(),
                    acc_sum,
                    acc_count,
                };
                write_checkpoint(ck.path, &header, &model, &optim.inner)?;
            }
        }
    }
    Ok(curve)
}

/// Marks `curve` diverged at `step` and, with a checkpoint, records the run as finished so
/// that a rerun returns the same curve without training again.
fn stop_diverged(
    mut curve: Curve,
    step: usize,
    config: &TrainConfig,
    checkpoint: Option<&Checkpoint>,
    model: &CharLstm,
    optim: &ModuleOptimizer,
) -> Result<Curve, Error> {
    curve.diverged_at = Some(step);
    if let Some(ck) = checkpoint {
        let header = Header {
            config: config.clone(),
            step: config.steps,
            curve: curve.clone(),
            acc_sum: 0.0,
            acc_count: 0,
        };
        write_checkpoint(ck.path, &header, model, optim)?;
    }
    Ok(curve)
}

fn write_checkpoint(
    path: &Path,
    header: &Header,
    model: &CharLstm,
    optim: &ModuleOptimizer,
) -> Result<(), Error> {
    let header = serde_json::to_vec(header).map_err(|e| corrupt(path, e.to_string()))?;
    let model_bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| corrupt(path, format!("model record: {e:?}")))?;
    let optim_bytes = optim
        .into_bytes()
        .map_err(|e| corrupt(path, format!("optimizer record: {e:?}")))?;
    let mut out = Vec::with_capacity(MAGIC.len() + 24 + header.len() + model_bytes.len());
    out.extend_from_slice(MAGIC);
    for section in [&header[..], &model_bytes[..], &optim_bytes[..]] {
        out.extend_from_slice(&(section.len() as u64).to_le_bytes());
        out.extend_from_slice(section);
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, &out)
        .map_err(|e| corrupt(path, format!("writing {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| corrupt(path, format!("renaming the temporary file: {e}")))
}

/// A checkpoint problem at `path`.
fn corrupt(path: &Path, what: String) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        what,
    }
}

fn read_checkpoint(path: &Path) -> Result<(Header, Vec<u8>, Vec<u8>), Error> {
    let bytes = std::fs::read(path).map_err(|e| corrupt(path, format!("cannot read it: {e}")))?;
    let bad = || corrupt(path, "not a char-LSTM checkpoint".into());
    let mut rest = bytes.strip_prefix(MAGIC).ok_or_else(bad)?;
    let mut sections = Vec::new();
    for _ in 0..3 {
        if rest.len() < 8 {
            return Err(bad());
        }
        let (len, tail) = rest.split_at(8);
        let len = u64::from_le_bytes(len.try_into().unwrap()) as usize;
        if tail.len() < len {
            return Err(bad());
        }
        let (section, tail) = tail.split_at(len);
        sections.push(section.to_vec());
        rest = tail;
    }
    let header: Header =
        serde_json::from_slice(&sections[0]).map_err(|e| corrupt(path, e.to_string()))?;
    let optim = sections.pop().unwrap();
    let model = sections.pop().unwrap();
    Ok((header, model, optim))
}

/// A power law loss ≈ A·tokens^{-exponent} fitted on log-log axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLawFit {
    /// The exponent, positive for a decreasing loss (minus the log-log slope).
    pub exponent: f64,
    /// The prefactor A.
    pub prefactor: f64,
    /// R² on log-log axes.
    pub r2: f64,
    /// Points used.
    pub n: usize,
}

/// Least-squares power law of `loss` vs `tokens` over the second half of the run (points with
/// tokens ≥ half the largest), via `lab::fit::fit_loglog`; `None` with fewer than 2 usable points.
pub fn fit_second_half(tokens: &[f64], loss: &[f64]) -> Option<PowerLawFit> {
    let max = tokens.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let fit = lab::fit::fit_loglog(tokens, loss, Some((max / 2.0, max)))?;
    Some(PowerLawFit {
        exponent: -fit.slope,
        prefactor: fit.intercept.exp(),
        r2: fit.r2,
        n: fit.n,
    })
}
