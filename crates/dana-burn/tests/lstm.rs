//! Char-LSTM experiment: corpora, training, checkpoint/resume, power-law fit.

use std::collections::HashMap;

use dana_burn::{
    fit_second_half, train, Checkpoint, Corpus, OptimizerKind, SyntheticConfig, TrainConfig,
};
use lab::seed::Seed;

fn tiny(optimizer: OptimizerKind, steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        batch: 8,
        seq_len: 16,
        embed: 16,
        hidden: 32,
        layers: 1,
        seed: Seed(3),
        clip: Some(10.0),
        eval_every: 10,
        lr: None,
        valid_windows: 16,
        ..TrainConfig::new(optimizer)
    }
}

#[test]
fn synthetic_corpus_is_deterministic_and_zipf() {
    let a = Corpus::synthetic(Seed(1), 200_000);
    let b = Corpus::synthetic(Seed(1), 200_000);
    assert_eq!(a, b);
    assert_ne!(a, Corpus::synthetic(Seed(2), 200_000));
    let total = a.train.len() + a.valid.len();
    assert!((199_000..=210_000).contains(&total), "{total} chars");
    let frac = a.valid.len() as f64 / total as f64;
    assert!((frac - 0.1).abs() < 0.02, "validation fraction {frac}");
    assert!(a.vocab.contains(&' ') && a.vocab.contains(&'\n'));

    // Rank-frequency of the words: log-log slope over ranks 1..=100 ≈ −s (s = 1).
    let text = a.decode(&a.train);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w).or_default() += 1;
    }
    let mut freq: Vec<f64> = counts.values().map(|&c| c as f64).collect();
    freq.sort_by(|x, y| y.partial_cmp(x).unwrap());
    let ranks: Vec<f64> = (1..=100).map(|r| r as f64).collect();
    let fit = lab::fit::fit_loglog(&ranks, &freq[..100], None).unwrap();
    let s = SyntheticConfig::default().zipf_exponent;
    eprintln!("rank-frequency slope {:.3} (R² {:.4})", fit.slope, fit.r2);
    assert!(
        (fit.slope + s).abs() < 0.1,
        "rank-frequency slope {} vs −{s}",
        fit.slope
    );
    // The most frequent word's share is 1/H(2000, s) ≈ 0.122 (s = 1): normalised over all
    // 2000 words, not only the fitted ranks.
    let harmonic: f64 = (1..=2000).map(|r| (r as f64).powf(-s)).sum();
    let share = freq[0] / freq.iter().sum::<f64>();
    assert!(
        (share * harmonic - 1.0).abs() < 0.1,
        "rank-1 share {share} vs {}",
        1.0 / harmonic
    );
}

#[test]
fn from_texts_keeps_documents_whole() {
    let texts: Vec<(String, String)> = (0..10)
        .map(|i| {
            let c = char::from(b'a' + i as u8);
            (format!("play{i}"), c.to_string().repeat(50 + i))
        })
        .collect();
    let corpus = Corpus::from_texts(&texts, 0.2);
    assert_eq!(corpus.vocab, ('a'..='j').collect::<Vec<_>>());
    let train = corpus.decode(&corpus.train);
    let valid = corpus.decode(&corpus.valid);
    let mut in_valid = 0;
    for (_, text) in &texts {
        let c = text.chars().next().unwrap();
        let (nt, nv) = (
            train.chars().filter(|&x| x == c).count(),
            valid.chars().filter(|&x| x == c).count(),
        );
        assert!(
            (nt, nv) == (text.len(), 0) || (nt, nv) == (0, text.len()),
            "document {c} split: {nt} train, {nv} valid"
        );
        in_valid += usize::from(nv > 0);
    }
    assert_eq!(in_valid, 2);
    // The split does not depend on the order of the documents.
    let mut reversed = texts.clone();
    reversed.reverse();
    let r = Corpus::from_texts(&reversed, 0.2);
    let mut v1: Vec<char> = valid.chars().collect();
    let mut v2: Vec<char> = r.decode(&r.valid).chars().collect();
    v1.sort();
    v2.sort();
    assert_eq!(v1, v2);
}

#[test]
fn dana_decaying_learns_below_the_unigram_entropy() {
    let corpus = Corpus::synthetic(Seed(5), 60_000);
    let entropy = corpus.unigram_entropy(&corpus.valid);
    let ln_vocab = (corpus.vocab.len() as f64).ln();
    let config = TrainConfig {
        eval_every: 50,
        ..tiny(OptimizerKind::DanaDecaying, 150)
    };
    let curve = train(&config, &corpus, None, &|_, _| {}).unwrap();
    let last = curve.points.last().unwrap();
    eprintln!(
        "initial {:.3}, final valid {:.3}, train {:.3}, unigram entropy {entropy:.3}, ln V {ln_vocab:.3}",
        curve.initial_valid_loss, last.valid_loss, last.train_loss
    );
    assert_eq!(last.step, 150);
    assert_eq!(last.tokens, 150 * 8 * 16);
    assert!(curve.initial_valid_loss > 0.9 * ln_vocab);
    assert!(
        last.valid_loss < entropy,
        "validation loss {} not below the unigram entropy {entropy}",
        last.valid_loss
    );
}

#[test]
fn every_optimizer_runs_and_is_reproducible() {
    let corpus = Corpus::synthetic(Seed(6), 20_000);
    for kind in [
        OptimizerKind::Sgd,
        OptimizerKind::DanaDecaying,
        OptimizerKind::Adana,
        OptimizerKind::Adam,
    ] {
        let config = tiny(kind, 20);
        let a = train(&config, &corpus, None, &|_, _| {}).unwrap();
        let b = train(&config, &corpus, None, &|_, _| {}).unwrap();
        assert_eq!(a, b, "{}: same seed, different curves", kind.name());
        let last = a.points.last().unwrap();
        assert!(
            last.valid_loss < a.initial_valid_loss,
            "{}: {} → {}",
            kind.name(),
            a.initial_valid_loss,
            last.valid_loss
        );
    }
}

#[test]
fn resumed_run_matches_the_uninterrupted_one() {
    let corpus = Corpus::synthetic(Seed(7), 20_000);
    let dir = std::env::temp_dir().join(format!("dana-burn-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for kind in [OptimizerKind::DanaDecaying, OptimizerKind::Adam] {
        let k = 15; // not a multiple of eval_every: the partial train-loss sum is saved too
        let full = tiny(kind, 2 * k);
        let straight = train(&full, &corpus, None, &|_, _| {}).unwrap();

        let path = dir.join(format!("{}.ckpt", kind.name()));
        let _ = std::fs::remove_file(&path);
        let ck = Checkpoint {
            path: &path,
            every: k,
        };
        let with_ck = train(&full, &corpus, Some(&ck), &|_, _| {}).unwrap();
        assert_eq!(
            with_ck,
            straight,
            "{}: checkpointing changed the run",
            kind.name()
        );

        // Kill after k steps: run a k-step job... with the full config, simulated by a
        // progress callback that panics right after the step-k checkpoint is written.
        std::fs::remove_file(&path).unwrap();
        let killed = std::panic::catch_unwind(|| {
            train(&full, &corpus, Some(&ck), &|step, _| {
                if step == k + 1 {
                    panic!("killed");
                }
            })
        });
        assert!(killed.is_err());
        let mut steps_after = Vec::new();
        let cell = std::cell::RefCell::new(&mut steps_after);
        let resumed = train(&full, &corpus, Some(&ck), &|step, _| {
            cell.borrow_mut().push(step)
        })
        .unwrap();
        assert_eq!(
            steps_after.first(),
            Some(&(k + 1)),
            "did not resume at step k"
        );
        assert_eq!(resumed, straight, "{}: resumed run differs", kind.name());

        // A different configuration refuses the checkpoint.
        let other = TrainConfig {
            seed: Seed(99),
            ..full.clone()
        };
        assert!(train(&other, &corpus, Some(&ck), &|_, _| {}).is_err());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fit_recovers_a_known_exponent() {
    let tokens: Vec<f64> = (1..=40).map(|i| i as f64 * 1024.0).collect();
    let loss: Vec<f64> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| 7.0 * t.powf(-0.3) * (1.0 + 0.01 * ((i as f64) * 1.7).sin()))
        .collect();
    let fit = fit_second_half(&tokens, &loss).unwrap();
    assert_eq!(fit.n, 21);
    assert!(
        (fit.exponent - 0.3).abs() < 0.02,
        "exponent {}",
        fit.exponent
    );
    assert!(fit.r2 > 0.95, "R² {}", fit.r2);
}

#[test]
fn plays_load_from_a_folder_split_by_play() {
    let dir = std::env::temp_dir().join(format!("dana-burn-plays-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plays = [
        ("a_gut.txt", "To be, or not"),
        ("b_gut.txt", "Exit, pursued"),
        ("c_gut.txt", "Now is the winter"),
        ("notes.txt", "ignored"),
    ];
    for (name, text) in plays {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let corpus = Corpus::from_dir(&dir, 0.34).unwrap();
    // One play of three goes to validation, whole; notes.txt is not a play.
    let lens: Vec<usize> = plays[..3].iter().map(|(_, t)| t.chars().count()).collect();
    assert!(
        lens.contains(&corpus.valid.len()),
        "{} not one play's length",
        corpus.valid.len()
    );
    assert_eq!(
        corpus.train.len() + corpus.valid.len(),
        lens.iter().sum::<usize>()
    );
    assert!(
        !corpus.vocab.contains(&'g'),
        "the ignored file's letters are absent"
    );
    // A missing folder of the user's: the error names it and does not point at the fetch
    // script (that is for the Shakespeare cache only).
    let err = Corpus::from_dir(&dir.join("missing"), 0.1).unwrap_err();
    assert!(
        matches!(&err, dana_burn::Error::Read { path, .. } if path.ends_with("missing")),
        "{err}"
    );
    assert!(!err.to_string().contains("fetch"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
